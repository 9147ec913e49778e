"""What the journal tells the circulation layer after a restart, and what to do with a damaged file.

After a crash or power cut, every transaction whose last committed step is not final is listed by
step. The journal does not guess how to finish them: the circulation layer reads the tag back,
finishes the step or marks the row for reconciliation (``Journal.mark_reconcile``) — nothing is
lost and nothing is done twice, because each step is one commit and a retried ``begin`` with the
same ``intent_key`` finds the existing row.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

from kiosk.errors import JournalError
from kiosk.journal.records import OPEN_STEPS, Step, TxRecord

__all__ = ["ADVICE", "RecoveryReport", "quarantine"]

ADVICE: Mapping[Step, str] = MappingProxyType(
    {
        Step.INTENT: (
            "nothing was shown; central may have seen the request and a return's tag may already "
            "be secured: read the tag back, then cancel or mark for reconciliation"
        ),
        Step.DECIDED: (
            "the decision is known but the tag may or may not have been written: read the tag's "
            "security state back, then record effect_done or mark for reconciliation"
        ),
        Step.EFFECT_DONE: (
            "the tag is done but the patron may not have seen the result: mark for "
            "reconciliation (the patron has probably left)"
        ),
    }
)
assert frozenset(ADVICE) == OPEN_STEPS, "every open step needs advice"


@dataclass(frozen=True, slots=True)
class RecoveryReport:
    """The unfinished transactions (in ``seq`` order) and the outbox as found at start."""

    unfinished: tuple[TxRecord, ...]
    outbox_depth: int
    parked: int
    last_seq: int

    @property
    def clean(self) -> bool:
        """True when every transaction reached a final step."""
        return not self.unfinished

    @property
    def tx_ids(self) -> tuple[str, ...]:
        return tuple(record.tx_id for record in self.unfinished)

    def by_step(self) -> dict[Step, tuple[TxRecord, ...]]:
        """Unfinished transactions grouped by the last step they committed."""
        return {
            step: tuple(r for r in self.unfinished if r.step is step)
            for step in Step
            if step in OPEN_STEPS and any(r.step is step for r in self.unfinished)
        }


def quarantine(path: str | os.PathLike[str], *, now_ms: int) -> Path:
    """Move a damaged journal (with its ``-wal`` and ``-shm``) aside for forensics.

    Returns the new path of the main file; the caller then opens a fresh journal at ``path``,
    raises an alarm, and central reconciles by the ``seq`` gap. The journal must be closed.
    """
    source = Path(path)
    target = source.with_name(f"{source.name}.corrupt-{now_ms}")
    if target.exists():
        raise JournalError(f"quarantine: {target} already exists; not overwriting evidence")
    try:
        for suffix in ("-wal", "-shm"):
            side = source.with_name(source.name + suffix)
            if side.exists():
                os.replace(side, target.with_name(target.name + suffix))
        if source.exists():
            os.replace(source, target)
        fd = os.open(source.parent, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
    except OSError as exc:
        raise JournalError(f"quarantine of {source} failed: {exc}") from None
    return target
