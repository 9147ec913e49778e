"""The offline policy (issue §5): every rule, the due-date rule and the patron check."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from circ_world import HOME, MEMBER, item
from hypothesis import given
from hypothesis import strategies as st

from kiosk.circulation import (
    CardKind,
    Hold,
    ItemIdentity,
    OfflineConfig,
    OfflineData,
    OfflinePolicy,
    Op,
    Patron,
    PatronCard,
    Verdict,
)
from kiosk.circulation.reasons import Reason

CST = timezone(timedelta(hours=8))
NOW = datetime(2024, 3, 1, 10, 0, tzinfo=CST)
CARD = PatronCard(CardKind.MIFARE, "0001012345678", "04A1B2C3")
ME = Patron("P-1", "Li Lei", CARD)
OTHER = Patron("P-2", "Han Meimei", PatronCard(CardKind.BARCODE_TYPED, "0001099999999"))
PII = "4401000000001"

SNAPSHOT = OfflineData(
    holds={
        PII: Hold("P-2", pickup="GZLIB-desk", expires=NOW + timedelta(days=3)),
        "4401000000002": Hold("P-1", pickup="GZLIB-desk"),
        "4401000000003": Hold("P-2", expires=NOW - timedelta(minutes=1)),  # lapsed
        "4401000000004": Hold("0001012345678"),  # held under the card number
    },
    blocked_cards=frozenset({"0001066666666", "04DEADBEEF", "P-9"}),
    versions={"holds": 41, "blocked": 7},
)


def policy(**overrides: object) -> OfflinePolicy:
    return OfflinePolicy(OfflineConfig(HOME, **overrides))  # type: ignore[arg-type]


def blocked(number: str | None = None, uid: str | None = None, pid: str = "P-x") -> Patron:
    return Patron(pid, card=PatronCard(CardKind.MIFARE, number, uid))


DUE = datetime(2024, 3, 31, 23, 59, 59, tzinfo=CST)

RULES = [
    # (op, identity, patron, offline count, expected result, reason, route)
    (Op.RENEW, item(1, "X"), ME, 0, Verdict.REFUSED, Reason.OFFLINE_NOT_ALLOWED, None),
    (Op.CHECKOUT, ItemIdentity.unreadable("E0", "crc"), ME, 0, Verdict.REFUSED,
     Reason.TAG_UNREADABLE, None),
    (Op.CHECKOUT, item(1, "X", usage="13"), ME, 0, Verdict.REFUSED, Reason.OFFLINE_ITEM_FLAG, None),
    (Op.CHECKOUT, item(1, "X", usage="14"), ME, 0, Verdict.ACCEPTED, Reason.OK, None),
    (Op.CHECKOUT, item(1, "X", usage="15"), ME, 0, Verdict.REFUSED, Reason.OFFLINE_ITEM_FLAG, None),
    (Op.RETURN, item(1, "X", usage="13"), None, 0, Verdict.ACCEPTED, Reason.OK, "shelf"),
    (Op.RETURN, item(1, "X", usage="14"), None, 0, Verdict.REFUSED, Reason.OFFLINE_ITEM_FLAG, None),
    (Op.RETURN, item(1, "X", usage="15"), None, 0, Verdict.REFUSED, Reason.OFFLINE_ITEM_FLAG, None),
    (Op.CHECKOUT, item(1, "X", usage="23"), ME, 0, Verdict.ACCEPTED, Reason.OK, None),
    (Op.CHECKOUT, item(1, "X"), None, 0, Verdict.REFUSED, Reason.PATRON_UNKNOWN, None),
    (Op.CHECKOUT, item(1, "X"), blocked(number="0001066666666"), 0, Verdict.REFUSED,
     Reason.PATRON_BLOCKED, None),
    (Op.CHECKOUT, item(1, "X"), blocked(uid="04deadbeef"), 0, Verdict.REFUSED,
     Reason.PATRON_BLOCKED, None),
    (Op.CHECKOUT, item(1, "X"), blocked(number="1", pid="P-9"), 0, Verdict.REFUSED,
     Reason.PATRON_BLOCKED, None),
    (Op.CHECKOUT, item(1, "X"), ME, 4, Verdict.ACCEPTED, Reason.OK, None),
    (Op.CHECKOUT, item(1, "X"), ME, 5, Verdict.REFUSED, Reason.OFFLINE_LIMIT, None),
    (Op.CHECKOUT, item(1, PII), ME, 0, Verdict.REFUSED, Reason.ON_HOLD_FOR_OTHER, None),
    (Op.CHECKOUT, item(1, PII), OTHER, 0, Verdict.ACCEPTED, Reason.OK, None),  # the holder
    (Op.CHECKOUT, item(1, "4401000000002"), ME, 0, Verdict.ACCEPTED, Reason.OK, None),
    (Op.CHECKOUT, item(1, "4401000000003"), ME, 0, Verdict.ACCEPTED, Reason.OK, None),
    (Op.CHECKOUT, item(1, "4401000000004"), ME, 0, Verdict.ACCEPTED, Reason.OK, None),
    (Op.CHECKOUT, item(1, "4401000000004"), OTHER, 0, Verdict.REFUSED,
     Reason.ON_HOLD_FOR_OTHER, None),
    (Op.RETURN, item(1, PII), None, 0, Verdict.REFUSED, Reason.RESERVED, "staff"),
    (Op.RETURN, item(1, "4401000000002"), ME, 0, Verdict.REFUSED, Reason.RESERVED, "staff"),
    (Op.RETURN, item(1, "4401000000003"), None, 0, Verdict.ACCEPTED, Reason.OK, "shelf"),
    (Op.RETURN, item(1, "X", owner=None), None, 0, Verdict.ACCEPTED, Reason.OK, "shelf"),
    (Op.RETURN, item(1, "X", owner=HOME.lower()), None, 0, Verdict.ACCEPTED, Reason.OK, "shelf"),
    (Op.RETURN, item(1, "X", owner=MEMBER), None, 0, Verdict.ACCEPTED, Reason.OK,
     f"transit:{MEMBER}"),
    (Op.RETURN, item(1, "X"), blocked(number="0001066666666"), 99, Verdict.ACCEPTED, Reason.OK,
     "shelf"),
]


@pytest.mark.parametrize("case", RULES)
def test_offline_rules(
    case: tuple[Op, ItemIdentity, Patron | None, int, Verdict, Reason, str | None],
) -> None:
    op, identity, patron, count, result, reason, route = case
    decision = policy().decide(
        op, identity, patron, SNAPSHOT, offline_count_for_patron=count, now=NOW
    )
    assert (decision.result, decision.reason, decision.route) == (result, reason, route)
    assert decision.offline  # every offline decision says so
    if result is Verdict.ACCEPTED and op is Op.CHECKOUT:
        assert decision.due == DUE
    else:
        assert decision.due is None


def test_offline_renew_when_allowed_follows_checkout_rules() -> None:
    renew = policy(ops=frozenset({Op.RENEW}))
    ok = renew.decide(Op.RENEW, item(1, "X"), ME, SNAPSHOT, offline_count_for_patron=99, now=NOW)
    assert (ok.result, ok.due) == (Verdict.ACCEPTED, DUE)  # renewals do not count to the limit
    held = renew.decide(Op.RENEW, item(1, PII), ME, SNAPSHOT, offline_count_for_patron=0, now=NOW)
    assert held.reason is Reason.RENEW_RESERVED
    flagged = renew.decide(
        Op.RENEW, item(1, "X", usage="13"), ME, SNAPSHOT, offline_count_for_patron=0, now=NOW
    )
    assert flagged.reason is Reason.OFFLINE_ITEM_FLAG


@pytest.mark.parametrize(
    ("now", "loan_days", "offset", "due"),
    [
        # 23:30 UTC on 1 March is already 2 March in Beijing
        (datetime(2024, 3, 1, 23, 30, tzinfo=UTC), 30, 480,
         datetime(2024, 4, 1, 23, 59, 59, tzinfo=CST)),
        (datetime(2024, 3, 1, 23, 30, tzinfo=UTC), 30, 0,
         datetime(2024, 3, 31, 23, 59, 59, tzinfo=UTC)),
        (datetime(2024, 2, 28, 12, 0, tzinfo=CST), 1, 480,
         datetime(2024, 2, 29, 23, 59, 59, tzinfo=CST)),  # leap day
        (datetime(2024, 3, 1, 0, 0, tzinfo=CST), 0, 480,
         datetime(2024, 3, 1, 23, 59, 59, tzinfo=CST)),
        (datetime(2024, 3, 1, 2, 0, tzinfo=UTC), 14, -300,
         datetime(2024, 3, 14, 23, 59, 59, tzinfo=timezone(timedelta(hours=-5)))),
    ],
)
def test_due_is_end_of_local_day(now: datetime, loan_days: int, offset: int, due: datetime) -> None:
    got = policy(loan_days=loan_days, utc_offset_minutes=offset).due(now)
    assert got == due
    assert got.utcoffset() == timedelta(minutes=offset)


# A kiosk's clock is somewhere in this millennium; near year 9999 the due date itself would
# not exist (datetime's range ends there).
NOWS = st.datetimes(datetime(2000, 1, 1), datetime(9000, 1, 1), timezones=st.just(UTC))


@given(NOWS, st.integers(0, 365), st.integers(-720, 840))
def test_due_is_never_before_now_plus_loan_days(now: datetime, days: int, offset: int) -> None:
    due = policy(loan_days=days, utc_offset_minutes=offset).due(now)
    assert now + timedelta(days=days) <= due < now + timedelta(days=days + 1)


def test_naive_time_is_refused() -> None:
    with pytest.raises(ValueError, match="has no time zone"):
        policy().decide(
            Op.RETURN, item(1), None, SNAPSHOT, offline_count_for_patron=0,
            now=datetime(2024, 3, 1, 10, 0),
        )


def test_empty_snapshot_allows_what_configuration_allows() -> None:
    decision = policy().decide(
        Op.CHECKOUT, item(1, PII), ME, OfflineData(), offline_count_for_patron=0, now=NOW
    )
    assert decision.accepted and decision.offline


@pytest.mark.parametrize(
    ("card", "allow", "result", "reason"),
    [
        (CARD, True, Verdict.ACCEPTED, Reason.OK),
        (PatronCard(CardKind.UID, None, "04deadbeef"), True, Verdict.REFUSED,
         Reason.PATRON_BLOCKED),
        (PatronCard(CardKind.BARCODE_TYPED, "0001066666666"), True, Verdict.REFUSED,
         Reason.PATRON_BLOCKED),
        (PatronCard(CardKind.BARCODE_SCANNED, "  "), True, Verdict.REFUSED, Reason.PATRON_UNKNOWN),
        (CARD, False, Verdict.REFUSED, Reason.OFFLINE_NOT_ALLOWED),
    ],
)
def test_offline_patron_check(
    card: PatronCard, allow: bool, result: Verdict, reason: Reason
) -> None:
    check = policy(patrons=allow).verify(card, SNAPSHOT)
    assert (check.result, check.reason, check.offline) == (result, reason, True)
    if result is Verdict.ACCEPTED:
        assert check.patron == Patron("0001012345678", card=CARD)
    else:
        assert check.patron is None
