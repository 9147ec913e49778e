"""Receipt lines for a finished session (bilingual, one item per line pair).

Plain text lines; the printer module lays them out. The patron's id is masked (only the last
four characters shown), as dp2SSL does for privacy. A set (several tags, one PII) is one line.
"""

from __future__ import annotations

from collections.abc import Sequence

from kiosk.circulation._actions import ItemResult
from kiosk.circulation.decision import Op, Verdict
from kiosk.circulation.patron import Patron

__all__ = ["receipt_lines"]

_STATUS: dict[tuple[Op, Verdict], str] = {
    (Op.CHECKOUT, Verdict.ACCEPTED): "已借出 Borrowed",
    (Op.RETURN, Verdict.ACCEPTED): "已归还 Returned",
    (Op.RENEW, Verdict.ACCEPTED): "已续借 Renewed",
    (Op.CHECKOUT, Verdict.REFUSED): "未借出 Not borrowed",
    (Op.RETURN, Verdict.REFUSED): "未归还 Not returned",
    (Op.RENEW, Verdict.REFUSED): "未续借 Not renewed",
}


def _mask(ident: str) -> str:
    return "*" * max(len(ident) - 4, 0) + ident[-4:]


def receipt_lines(results: Sequence[ItemResult], patron: Patron | None) -> tuple[str, ...]:
    lines = ["自助借还凭条 Self-service receipt"]
    if patron is not None:
        lines.append(f"读者 Patron: {_mask(patron.patron_id)}")
    seen: set[tuple[str, Op]] = set()
    for result in results:
        key = (result.pii or result.uid, result.op)
        if key in seen:
            continue
        seen.add(key)
        lines.append(f"{result.pii or result.uid} {result.title}".rstrip())
        status = _STATUS[(result.op, result.result)]
        if result.due is not None and result.result is Verdict.ACCEPTED:
            status += f"  应还 Due {result.due.date().isoformat()}"
        if result.offline:
            status += "  (离线 offline)"
        lines.append(f"  {status}")
    return tuple(lines)
