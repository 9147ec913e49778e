"""Offline decisions over a whole hold queue (several holds on one copy, head first)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from circ_world import HOME, item
from hypothesis import given
from hypothesis import strategies as st

from kiosk.circulation import (
    CardKind,
    Hold,
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
PII = "4401000000001"
PATRONS = {
    name: Patron(name, card=PatronCard(CardKind.MIFARE, f"000101{n:07d}", None))
    for n, name in enumerate(["P-1", "P-2", "P-3"])
}
ALL_OPS = frozenset({Op.CHECKOUT, Op.RETURN, Op.RENEW})


def policy() -> OfflinePolicy:
    return OfflinePolicy(OfflineConfig(HOME, ops=ALL_OPS))


def decide(op: Op, queue: tuple[Hold, ...], patron: str | None = None) -> tuple[Verdict, Reason]:
    snapshot = OfflineData(holds={PII: queue[0]} if queue else {}, queues={PII: queue})
    who = None if patron is None else PATRONS[patron]
    d = policy().decide(op, item(1, PII), who, snapshot, offline_count_for_patron=0, now=NOW)
    return d.result, d.reason


SHELF = Hold("P-1", "CN-desk", NOW + timedelta(days=2))  # waiting on the hold shelf for P-1
QUEUE = (SHELF, Hold("P-2", "CN-desk"), Hold("P-3", "CN-desk"))


def test_the_head_of_the_queue_may_borrow_the_others_may_not() -> None:
    assert decide(Op.CHECKOUT, QUEUE, "P-1") == (Verdict.ACCEPTED, Reason.OK)
    assert decide(Op.CHECKOUT, QUEUE, "P-2") == (Verdict.REFUSED, Reason.ON_HOLD_FOR_OTHER)
    assert decide(Op.CHECKOUT, QUEUE, "P-3") == (Verdict.REFUSED, Reason.ON_HOLD_FOR_OTHER)


def test_a_lapsed_shelf_hold_passes_the_copy_to_the_next_in_the_queue() -> None:
    lapsed = (Hold("P-1", "CN-desk", NOW - timedelta(minutes=1)), *QUEUE[1:])
    assert decide(Op.CHECKOUT, lapsed, "P-2") == (Verdict.ACCEPTED, Reason.OK)
    assert decide(Op.CHECKOUT, lapsed, "P-1") == (Verdict.REFUSED, Reason.ON_HOLD_FOR_OTHER)


def test_a_reserved_copy_returned_offline_goes_to_the_staff_desk() -> None:
    policy_ = policy()
    snapshot = OfflineData(queues={PII: QUEUE[1:]})  # only waiting holds, nobody on the shelf
    d = policy_.decide(Op.RETURN, item(1, PII), None, snapshot, offline_count_for_patron=0,
                       now=NOW)
    assert (d.result, d.reason, d.route, d.offline) == (
        Verdict.REFUSED, Reason.RESERVED, "staff", True,
    )


def test_renewing_is_refused_when_anyone_else_waits_even_behind_the_patron() -> None:
    mine_first = (Hold("P-1"), Hold("P-3"))
    assert decide(Op.RENEW, mine_first, "P-1") == (Verdict.REFUSED, Reason.RENEW_RESERVED)
    assert decide(Op.RENEW, (Hold("P-1"),), "P-1") == (Verdict.ACCEPTED, Reason.OK)


def test_a_snapshot_with_only_single_holds_still_decides() -> None:
    snapshot = OfflineData(holds={PII: Hold("P-2")})  # no queues: the one hold is the queue
    assert snapshot.live_holds(PII, NOW) == (Hold("P-2"),)
    d = policy().decide(Op.CHECKOUT, item(1, PII), PATRONS["P-1"], snapshot,
                        offline_count_for_patron=0, now=NOW)
    assert d.reason is Reason.ON_HOLD_FOR_OTHER


queues = st.lists(
    st.tuples(st.sampled_from(sorted(PATRONS)), st.sampled_from([None, -1, 1])),
    max_size=4,
    unique_by=lambda t: t[0],
)


@given(queues, st.sampled_from(sorted(PATRONS)))
def test_offline_rules_match_central_over_any_queue(
    spec: list[tuple[str, int | None]], patron: str
) -> None:
    """Central: checkout needs the head of the active queue to be the patron; renew needs no
    one else in it; a return of a copy with any active hold is refused (issue §2)."""
    queue = tuple(
        Hold(name, "CN-desk", None if days is None else NOW + timedelta(days=days))
        for name, days in spec
    )
    live = [h.patron for h in queue if h.expires is None or h.expires > NOW]
    checkout = decide(Op.CHECKOUT, queue, patron)
    assert (checkout[0] is Verdict.ACCEPTED) == (not live or live[0] == patron)
    renew = decide(Op.RENEW, queue, patron)
    assert (renew[0] is Verdict.ACCEPTED) == all(name == patron for name in live)
    returned = decide(Op.RETURN, queue)
    assert (returned[0] is Verdict.REFUSED) == bool(live)
    if live:
        assert returned[1] is Reason.RESERVED
