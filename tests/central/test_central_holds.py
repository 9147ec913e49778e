"""Holds: placing, the hold shelf, expiry, cancelling; snapshots and blocked cards for kiosks."""

from __future__ import annotations

from datetime import date

import pytest
from central_world import DAY, LIB_A, LIB_B, LIB_X, NOW, Desk, local

from central.domain import (
    CentralDomain,
    ConflictError,
    HoldState,
    ItemStatus,
    UnknownRecordError,
)


def test_snapshot_version_changes_with_every_hold_change(domain: CentralDomain, desk: Desk) -> None:
    versions = [domain.holds_snapshot()["version"]]
    hold = domain.place_hold(LIB_A, "A001", "P1", LIB_B, NOW)
    versions.append(domain.holds_snapshot()["version"])
    domain.hold_arrived(LIB_A, "A001", NOW)
    versions.append(domain.holds_snapshot()["version"])
    desk.checkout("k-b1", "P1", "A001")  # the pick-up fulfils it
    versions.append(domain.holds_snapshot()["version"])
    other = domain.place_hold(LIB_B, "B001", "P2", LIB_B, NOW)
    domain.cancel_hold(other.hold_id, NOW)
    versions.append(domain.holds_snapshot()["version"])
    assert versions == sorted(set(versions)) and len(versions) == 5
    assert hold.state is HoldState.WAITING
    assert domain.holds_snapshot()["holds"] == []


def test_snapshot_content_and_library_filter(domain: CentralDomain) -> None:
    domain.place_hold(LIB_A, "A001", "P1", LIB_B, NOW)
    domain.place_hold(LIB_B, "B001", "P2", LIB_B, NOW)
    shelved = domain.hold_arrived(LIB_A, "A001", NOW)
    snap = domain.holds_snapshot()
    assert snap["holds"] == [
        {
            "pii": "A001",
            "owner": LIB_A,
            "patron": "P1",
            "pickup": LIB_B,
            "expires": shelved.expires_ms,
            "state": "on_shelf",
        },
        {
            "pii": "B001",
            "owner": LIB_B,
            "patron": "P2",
            "pickup": LIB_B,
            "expires": None,
            "state": "waiting",
        },
    ]
    only_a = domain.holds_snapshot(LIB_A)
    assert [h["pii"] for h in only_a["holds"]] == ["A001"]  # type: ignore[index, attr-defined]
    assert only_a["version"] == snap["version"]


def test_hold_shelf_expiry_end_of_day_and_expire(domain: CentralDomain) -> None:
    domain.place_hold(LIB_A, "A001", "P1", LIB_A, NOW)
    shelved = domain.hold_arrived(LIB_A, "A001", NOW)
    assert shelved.expires_ms is not None
    assert local(shelved.expires_ms).date() == date(2026, 3, 9)  # 7 days
    assert domain.item("A001", LIB_A).status is ItemStatus.ON_HOLD_SHELF
    assert domain.expire_holds(shelved.expires_ms) == []  # the last millisecond still counts
    [expired] = domain.expire_holds(shelved.expires_ms + 1)
    assert expired.state is HoldState.EXPIRED and expired.ended_ms == shelved.expires_ms + 1
    assert domain.holds() == []
    assert domain.item("A001", LIB_A).status is ItemStatus.AT_STAFF


def test_next_in_queue_after_expiry(domain: CentralDomain, desk: Desk) -> None:
    domain.place_hold(LIB_A, "A001", "P1", LIB_A, NOW)
    domain.place_hold(LIB_A, "A001", "P2", LIB_A, NOW)
    domain.hold_arrived(LIB_A, "A001", NOW)
    domain.expire_holds(NOW + 30 * DAY)
    assert [h.patron for h in domain.holds()] == ["P2"]
    domain.hold_arrived(LIB_A, "A001", NOW + 30 * DAY)
    assert domain.patron("P2", "1234", NOW).holds_ready == 1


def test_cancel_an_on_shelf_hold_sends_the_copy_to_staff(domain: CentralDomain) -> None:
    hold = domain.place_hold(LIB_A, "A001", "P1", LIB_A, NOW)
    domain.hold_arrived(LIB_A, "A001", NOW)
    cancelled = domain.cancel_hold(hold.hold_id, NOW)
    assert cancelled.state is HoldState.CANCELLED
    assert domain.item("A001", LIB_A).status is ItemStatus.AT_STAFF
    with pytest.raises(ConflictError, match="already cancelled"):
        domain.cancel_hold(hold.hold_id, NOW)
    with pytest.raises(UnknownRecordError, match="hold 99"):
        domain.cancel_hold(99, NOW)


def test_place_hold_checks(domain: CentralDomain, desk: Desk) -> None:
    domain.place_hold(LIB_A, "A001", "P1", LIB_A, NOW)
    with pytest.raises(ConflictError, match="already holds"):
        domain.place_hold(LIB_A, "A001", "P1", LIB_A, NOW)
    with pytest.raises(ConflictError, match="not a member"):
        domain.place_hold(LIB_A, "A002", "P1", LIB_X, NOW)
    with pytest.raises(UnknownRecordError, match="not in the catalogue"):
        domain.place_hold(LIB_A, "NOPE", "P1", LIB_A, NOW)
    with pytest.raises(UnknownRecordError, match="no such card"):
        domain.place_hold(LIB_A, "A002", "NOBODY", LIB_A, NOW)
    desk.checkout("k-a1", "P2", "A003")
    with pytest.raises(ConflictError, match="already on loan to P2"):
        domain.place_hold(LIB_A, "A003", "P2", LIB_A, NOW)


def test_hold_arrived_checks(domain: CentralDomain, desk: Desk) -> None:
    with pytest.raises(ConflictError, match="no waiting hold"):
        domain.hold_arrived(LIB_A, "A001", NOW)
    domain.place_hold(LIB_A, "A002", "P1", LIB_A, NOW)
    desk.checkout("k-a1", "P1", "A002")  # fulfilled by the hold's own patron
    domain.place_hold(LIB_A, "A002", "P2", LIB_A, NOW)
    with pytest.raises(ConflictError, match="on loan"):
        domain.hold_arrived(LIB_A, "A002", NOW)


def test_blocked_cards_and_version(domain: CentralDomain) -> None:
    first = domain.blocked_cards()
    assert first["cards"] == ["P3"]
    domain.block_patron("P1", "fines")
    second = domain.blocked_cards()
    assert second["cards"] == ["P1", "P3"] and second["version"] != first["version"]
    domain.block_patron("P1", "fines again")  # no change in the set: same version
    assert domain.blocked_cards()["version"] == second["version"]
    domain.unblock_patron("P3")
    third = domain.blocked_cards()
    assert third["cards"] == ["P1"] and third["version"] not in (
        first["version"],
        second["version"],
    )
