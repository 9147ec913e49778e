"""What a scenario run shows: the expectations checked, and the final report (text or JSON).

:func:`check` evaluates one ``expect`` step against the live world and returns one line per
failed assertion (``step 7: results[0] 'book1': reason is 'ok', expected 'reserved'``).
:func:`document` is the run's outcome as one JSON-ready map: every item result and notice, the
journal's transactions, every tag's final AFI/EAS, central's loans, holds and exceptions, the
restarts and the failures; :func:`text` renders the same for people.
"""

from __future__ import annotations

from typing import Any

from kiosk.journal import Step as JournalStep
from kiosk.journal import TxRecord
from kiosk.scenario.model import Expect, Step
from kiosk.scenario.runner import World
from kiosk.security import AFI_IN_LIBRARY

__all__ = ["check", "document", "text"]

_OPEN_STEPS = frozenset({JournalStep.INTENT, JournalStep.DECIDED, JournalStep.EFFECT_DONE})


def secured(world: World, uid: str) -> bool:
    """The tag's security state as this kiosk's security mode reads it."""
    tag = world.tags[uid]
    mode = world.scenario.machine.security
    states = []
    if mode.uses_afi:
        states.append(tag.afi == AFI_IN_LIBRARY)
    if mode.uses_eas:
        states.append(tag.eas)
    return all(states)


async def check(world: World, step: Step) -> list[str]:
    """The failed assertions of an ``expect`` step, one line each."""
    expect = step.expect
    assert expect is not None
    at = f"step {step.index}"
    rows = await world.rows()
    failures = _results(world, expect, at) + _tags(world, expect, at)
    failures += _central(world, expect, at) + _journal(world, expect, rows, at)
    if expect.outbox is not None:
        depth = await world.outbox_depth()
        if depth != expect.outbox:
            failures.append(f"{at}: outbox holds {depth} transactions, expected {expect.outbox}")
    if expect.screen is not None or expect.screen_reason is not None:
        last = world.observed.screens[-1] if world.observed.screens else None
        screen = None if last is None else str(last.screen)
        reason = None if last is None or last.reason is None else str(last.reason)
        if expect.screen is not None and screen != expect.screen:
            failures.append(f"{at}: screen is {screen!r}, expected {expect.screen!r}")
        if expect.screen_reason is not None and reason != expect.screen_reason:
            failures.append(f"{at}: screen reason is {reason!r}, expected {expect.screen_reason!r}")
    if expect.consistent:
        failures += _consistent(world, rows, at)
    return failures


def _results(world: World, expect: Expect, at: str) -> list[str]:
    out = []
    for i, want in enumerate(expect.results):
        for uid in want.uids:
            where = f"{at}: results[{i}] {want.ref!r}" + (f" ({uid})" if len(want.uids) > 1 else "")
            got = world.observed.latest(uid)
            if got is None:
                if want.result not in (None, "none"):
                    out.append(f"{where}: no result, expected {want.result}")
                continue
            if want.result == "none":
                out.append(f"{where}: has result {got.result}/{got.reason}, expected none yet")
                continue
            pairs = (
                ("result", str(got.result), want.result),
                ("reason", str(got.reason), want.reason),
                ("route", got.route, want.route),
                ("op", str(got.op), want.op),
                ("offline", got.offline, want.offline),
            )
            for key, have, wanted in pairs:
                if wanted is not None and have != wanted:
                    out.append(f"{where}: {key} is {have!r}, expected {wanted!r}")
    for ref, uids, reason in expect.notices:
        for uid in uids:
            if not any(n.uid == uid and str(n.reason) == reason for _, n in world.observed.notices):
                out.append(f"{at}: notices {ref!r}: no notice {reason!r} for {uid}")
    return out


def _tags(world: World, expect: Expect, at: str) -> list[str]:
    out = []
    for want in expect.tags:
        for uid in want.uids:
            tag = world.tags[uid]
            where = f"{at}: tags {want.ref!r} ({uid})"
            if want.secured is not None and secured(world, uid) != want.secured:
                out.append(
                    f"{where}: secured is {not want.secured}, expected {want.secured} "
                    f"(AFI 0x{tag.afi:02X}, EAS {tag.eas})"
                )
            if want.afi is not None and tag.afi != want.afi:
                out.append(f"{where}: AFI is 0x{tag.afi:02X}, expected 0x{want.afi:02X}")
            if want.eas is not None and tag.eas != want.eas:
                out.append(f"{where}: EAS is {tag.eas}, expected {want.eas}")
    return out


def _central(world: World, expect: Expect, at: str) -> list[str]:
    out = []
    loans = {loan.pii: loan for loan in world.domain.loans()}
    for want in expect.loans:
        loan = loans.get(want.pii)
        if loan is None:
            out.append(f"{at}: loans: {want.pii} is not on loan, expected a loan")
            continue
        for key, have, wanted in (
            ("patron", loan.patron, want.patron),
            ("offline", loan.offline, want.offline),
            ("renewals", loan.renewals, want.renewals),
        ):
            if wanted is not None and have != wanted:
                out.append(f"{at}: loans: {want.pii} {key} is {have!r}, expected {wanted!r}")
    for pii in expect.not_on_loan:
        if pii in loans:
            out.append(f"{at}: not_on_loan: {pii} is on loan to {loans[pii].patron}")
    if expect.loan_count is not None and len(loans) != expect.loan_count:
        out.append(f"{at}: {len(loans)} loans, expected {expect.loan_count}")
    holds = world.domain.holds()
    for pii, patron, state in expect.holds:
        if not any(
            h.pii == pii and patron in (None, h.patron) and state in (None, str(h.state))
            for h in holds
        ):
            out.append(
                f"{at}: holds: no active hold on {pii}"
                f"{f' for {patron}' if patron else ''}{f' ({state})' if state else ''}"
            )
    if expect.hold_count is not None and len(holds) != expect.hold_count:
        out.append(f"{at}: {len(holds)} active holds, expected {expect.hold_count}")
    exceptions = world.domain.exceptions()
    if expect.exceptions is not None and len(exceptions) != expect.exceptions:
        kinds = ", ".join(str(e.kind) for e in exceptions) or "none"
        out.append(
            f"{at}: {len(exceptions)} open exceptions ({kinds}), expected {expect.exceptions}"
        )
    return out


def _journal(world: World, expect: Expect, rows: list[TxRecord], at: str) -> list[str]:
    out = []
    counts = (
        ("transactions", len(rows), expect.transactions),
        ("offline transactions", sum(r.offline for r in rows), expect.offline_transactions),
        ("open transactions", sum(r.step in _OPEN_STEPS for r in rows), expect.open_transactions),
    )
    for what, have, wanted in counts:
        if wanted is not None and have != wanted:
            out.append(f"{at}: journal has {have} {what}, expected {wanted}")
    return out


def _consistent(world: World, rows: list[TxRecord], at: str) -> list[str]:
    """Nothing lost, nothing twice: journal, central and the tags agree (the crash invariants)."""
    out = []
    applied = world.central.applied
    twice = sorted({t for t in applied if applied.count(t) > 1})
    if twice:
        out.append(f"{at}: consistent: central applied {', '.join(twice)} more than once")
    by_id = {row.tx_id: row for row in rows}
    for tx_id in applied:
        if tx_id not in by_id:
            out.append(f"{at}: consistent: central applied {tx_id}, which the journal lacks")
    for row in rows:
        if row.step in _OPEN_STEPS:
            out.append(f"{at}: consistent: {row.tx_id} is still open ({row.step})")
    on_loan = {loan.pii for loan in world.domain.loans()}
    for spec in world.scenario.tags:
        if spec.kind != "item" or spec.pii is None or bytes.fromhex(spec.uid) not in world.pad:
            continue
        if spec.pii in on_loan and secured(world, spec.uid):
            out.append(f"{at}: consistent: {spec.name} is on loan but its tag is secured")
        if spec.pii not in on_loan and not secured(world, spec.uid):
            out.append(f"{at}: consistent: {spec.name} is not on loan but its tag is unsecured")
    return out


def _ms(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value


def document(world: World, failures: list[str]) -> dict[str, Any]:
    """The run's outcome as one JSON-ready map."""
    names = {spec.uid: spec.name for spec in world.scenario.tags}
    observed = world.observed
    results = [
        {
            "step": step,
            "item": names.get(r.uid, r.uid),
            "uid": r.uid,
            "pii": r.pii,
            "op": str(r.op),
            "result": str(r.result),
            "reason": str(r.reason),
            "route": r.route,
            "offline": r.offline,
            "due": _ms(r.due),
        }
        for step, r in observed.results
    ]
    notices = [
        {"step": step, "item": names.get(n.uid, n.uid), "uid": n.uid, "reason": str(n.reason)}
        for step, n in observed.notices
    ]
    journal = [
        {
            "seq": row.seq,
            "tx_id": row.tx_id,
            "op": row.op,
            "pii": row.item.pii if row.item else None,
            "uid": row.item.uid if row.item else None,
            "patron": row.patron,
            "step": str(row.step),
            "offline": row.offline,
            "result": str(row.decision.result) if row.decision else None,
            "reason": row.decision.reason if row.decision else None,
            "security": str(row.security) if row.security else None,
            "answered": row.answered_ms is not None,
            "note": row.note,
        }
        for row in world.final_rows
    ]
    tags = [
        {
            "item": spec.name,
            "uid": spec.uid,
            "kind": spec.kind,
            "pii": spec.pii,
            "on_pad": bytes.fromhex(spec.uid) in world.pad,
            "afi": world.tags[spec.uid].afi,
            "eas": world.tags[spec.uid].eas,
            "secured": secured(world, spec.uid),
        }
        for spec in world.scenario.tags
    ]
    domain = world.domain
    central = {
        "loans": [
            {
                "pii": loan.pii,
                "owner": loan.owner,
                "patron": loan.patron,
                "due_ms": loan.due_ms,
                "renewals": loan.renewals,
                "offline": loan.offline,
                "tx_id": loan.tx_id,
            }
            for loan in domain.loans()
        ],
        "holds": [
            {
                "pii": h.pii,
                "owner": h.owner,
                "patron": h.patron,
                "pickup": h.pickup,
                "state": str(h.state),
            }
            for h in domain.holds(active_only=False)
        ],
        "exceptions": [
            {"id": e.exception_id, "tx_id": e.tx_id, "kind": str(e.kind), "detail": e.detail}
            for e in domain.exceptions(open_only=False)
        ],
        "applied": list(world.central.applied),
    }
    return {
        "scenario": world.scenario.name,
        "file": world.scenario.source,
        "ok": not failures,
        "failures": failures,
        "results": results,
        "notices": notices,
        "journal": journal,
        "tags": tags,
        "central": central,
        "restarts": observed.restarts,
    }


def text(doc: dict[str, Any]) -> str:
    """The report for people: results, journal, tags, central, then the verdict."""
    lines = [f"scenario {doc['scenario']} ({doc['file']})", "results:"]
    for r in doc["results"]:
        extra = "".join(f" {key} {r[key]}" for key in ("route", "due") if r[key] is not None) + (
            " offline" if r["offline"] else ""
        )
        lines.append(
            f"  step {r['step']:>2}  {r['op']:<8} {r['item']:<16} {r['result']:<8} "
            f"{r['reason']}{extra}"
        )
    for n in doc["notices"]:
        lines.append(f"  step {n['step']:>2}  notice   {n['item']:<16} {n['reason']}")
    lines.append("journal:")
    for j in doc["journal"]:
        lines.append(
            f"  {j['seq']:>3} {j['op']:<8} {j['pii'] or '-':<16} {j['step']:<11} "
            f"{j['result'] or '-'}/{j['reason'] or '-'} security {j['security'] or '-'}"
            f"{' offline' if j['offline'] else ''}{'' if j['answered'] else ' unanswered'}"
        )
    lines.append("tags:")
    for t in doc["tags"]:
        lines.append(
            f"  {t['item']:<16} {t['uid']} AFI 0x{t['afi']:02X} EAS "
            f"{'on ' if t['eas'] else 'off'} {'on pad' if t['on_pad'] else 'off pad'}"
        )
    central = doc["central"]
    lines.append("central:")
    for loan in central["loans"]:
        lines.append(
            f"  loan  {loan['pii']} to {loan['patron']} renewals {loan['renewals']}"
            f"{' offline' if loan['offline'] else ''}"
        )
    for h in central["holds"]:
        lines.append(f"  hold  {h['pii']} for {h['patron']} at {h['pickup']} ({h['state']})")
    for e in central["exceptions"]:
        lines.append(f"  exception {e['id']} {e['kind']}: {e['detail']}")
    for r in doc["restarts"]:
        lines.append(
            f"restart at step {r['step']}: recovery reconciled {len(r['reconciled'])}, "
            f"asked central {len(r['asked_central'])}, wrote {len(r['written'])}"
        )
    lines += doc["failures"]
    lines.append("OK" if doc["ok"] else f"FAILED ({len(doc['failures'])} expectations)")
    return "\n".join(lines)
