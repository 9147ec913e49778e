"""The logistics feed: session results → transit bins and counters, each transaction once."""

from __future__ import annotations

from collections import Counter
from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from kiosk.circulation._actions import (
    Beep,
    BeepPattern,
    EndReason,
    EndSession,
    ItemNotice,
    ItemResult,
    Show,
)
from kiosk.circulation._states import State
from kiosk.circulation.decision import Op, Verdict
from kiosk.circulation.reasons import Reason, message_for
from kiosk.logistics import LogisticsFeed, Statistics, TransitBins, events_for

HOME, YUEXIU, HAIZHU = "CN-440100-1-0001", "CN-440100-1-0002", "CN-440100-1-0003"
DAY = date(2026, 11, 24)
STAT = {Op.CHECKOUT: "checkout", Op.RETURN: "checkin", Op.RENEW: "renew"}


def feed() -> LogisticsFeed:
    return LogisticsFeed(TransitBins(sending=HOME), Statistics(), lambda: DAY)


def result(
    op: Op,
    verdict: Verdict,
    pii: str | None,
    route: str | None = None,
    *,
    uid: str = "E0040000000001",
    reason: Reason = Reason.OK,
    offline: bool = False,
) -> ItemResult:
    return ItemResult(uid=uid, op=op, result=verdict, reason=reason, message=message_for(reason),
                      pii=pii, title=f"book {pii}", route=route, offline=offline)


def test_only_results_count() -> None:
    f = feed()
    others = [
        Show(State.WELCOME), Beep(BeepPattern.OK), EndSession(EndReason.FINISHED),
        ItemNotice("E0040000000001", Reason.SET_INCOMPLETE, message_for(Reason.SET_INCOMPLETE)),
    ]
    assert [f.observe(a) for a in others] == [False] * 4
    assert f.statistics.day(DAY) == {} and f.bins.counts() == {}


def test_returns_go_by_route_and_every_outcome_counts() -> None:
    f = feed()
    assert f.observe(result(Op.RETURN, Verdict.ACCEPTED, "0002100000001", f"transit:{YUEXIU}",
                            uid="E01"))
    assert f.observe(result(Op.RETURN, Verdict.ACCEPTED, "0001100000002", "shelf", uid="E02",
                            offline=True))
    assert f.observe(result(Op.RETURN, Verdict.REFUSED, "0001100000003", "staff", uid="E03",
                            reason=Reason.RESERVED))
    assert f.observe(result(Op.CHECKOUT, Verdict.REFUSED, "0001100000004", uid="E04",
                            reason=Reason.SECURITY_FAILED))
    assert f.observe(result(Op.RETURN, Verdict.ACCEPTED, "0001100000005", f"transit:{HOME}",
                            uid="E05"))  # its own library: never in transit
    assert f.observe(result(Op.CHECKOUT, Verdict.REFUSED, None, uid="E06",
                            reason=Reason.TAG_UNREADABLE))
    assert f.bins.counts() == {YUEXIU: 1}
    assert f.bins.items(YUEXIU)[0].title == "book 0002100000001"
    assert f.statistics.day(DAY) == {
        "checkin": 3, "offline:checkin": 1, "refusal:reserved": 1,
        "refusal:security_failed": 1, "security_failure": 1, "refusal:tag_unreadable": 1,
    }


def test_the_parts_of_a_set_count_once_and_a_later_attempt_again() -> None:
    f = feed()
    parts = [result(Op.RETURN, Verdict.ACCEPTED, "0002189000001", f"transit:{YUEXIU}",
                    uid=f"E0{n}") for n in range(3)]
    assert [f.observe(p) for p in parts] == [True, False, False]
    refused = [result(Op.RENEW, Verdict.REFUSED, "0001100000009", uid="E09",
                      reason=Reason.RENEW_RESERVED)] * 2
    assert [f.observe(r) for r in refused] == [True, True]  # two attempts, two refusals
    assert f.bins.counts() == {YUEXIU: 1}
    assert f.statistics.day(DAY) == {"checkin": 1, "refusal:renew_reserved": 2}


# -- property: any interleaving of the results of any decisions ---------------------------

_OUTCOMES = [
    (Op.CHECKOUT, Verdict.ACCEPTED, Reason.OK, None),
    (Op.CHECKOUT, Verdict.REFUSED, Reason.ON_HOLD_FOR_OTHER, None),
    (Op.RENEW, Verdict.ACCEPTED, Reason.OK, None),
    (Op.RETURN, Verdict.ACCEPTED, Reason.OK, "shelf"),
    (Op.RETURN, Verdict.ACCEPTED, Reason.OK, f"transit:{YUEXIU}"),
    (Op.RETURN, Verdict.ACCEPTED, Reason.OK, f"transit:{HAIZHU}"),
    (Op.RETURN, Verdict.REFUSED, Reason.RESERVED, "staff"),
    (Op.RETURN, Verdict.REFUSED, Reason.SECURITY_FAILED, "staff"),
]

decisions = st.lists(
    st.tuples(
        st.integers(0, 5),  # item (its PII)
        st.sampled_from(_OUTCOMES),
        st.integers(1, 3),  # parts on the pad
        st.booleans(),  # offline
    ),
    max_size=25,
)


@settings(max_examples=150, deadline=None)
@given(decisions, st.lists(st.booleans(), min_size=80, max_size=80))
def test_each_decision_counts_once_whatever_the_interleaving(
    plan: list[tuple[int, tuple[Op, Verdict, Reason, str | None], int, bool]],
    flush: list[bool],
) -> None:
    # A decision's first part is shown first; its other parts may lag behind other items'
    # results (the runtime shows each after its own journal commit), but never behind the same
    # item's next decision.
    stream: list[ItemResult] = []
    lagging: list[ItemResult] = []
    coin = iter(flush)
    for item, (op, verdict, reason, route), parts, offline in plan:
        pii = f"00021000000{item:02d}"
        batch = [result(op, verdict, pii, route, uid=f"E{item}{p}", reason=reason,
                        offline=offline) for p in range(parts)]
        stream += [r for r in lagging if r.pii == pii]
        lagging = [r for r in lagging if r.pii != pii] + batch[1:]
        stream.append(batch[0])
        if next(coin, True):
            stream += lagging
            lagging = []
    stream += lagging
    f = feed()
    for action in stream:
        f.observe(action)

    expected: Counter[str] = Counter()
    in_bin: dict[str, set[str]] = {}
    for item, (op, verdict, reason, route), _, offline in plan:
        expected.update(events_for(STAT[op], str(verdict), reason, offline=offline))
        if reason is Reason.SECURITY_FAILED:
            expected["security_failure"] += 1
        if verdict is Verdict.ACCEPTED and route and route.startswith("transit:"):
            in_bin.setdefault(route[8:], set()).add(f"00021000000{item:02d}")
    assert f.statistics.day(DAY) == dict(sorted(expected.items()))
    assert {d: {i.barcode for i in f.bins.items(d)} for d in f.bins.counts()} == in_bin
