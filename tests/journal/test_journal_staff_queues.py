"""The staff outbox page's view of the journal: queued, parked and reconcile rows, newest first."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk.errors import RecordError
from kiosk.journal import Intent, ItemRef, Journal

T0 = 1_790_000_000.0


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> float:
        self.now += 1.0  # every write one second later
        return self.now


@pytest.fixture
def journal(tmp_path: Path) -> Iterator[Journal]:
    j = Journal.open(tmp_path / "j.db", kiosk="k1", clock=Clock())
    yield j
    j.close()


def begin(journal: Journal, n: int) -> str:
    ref = ItemRef(pii=f"310{n:05d}", owner="CN-440100-1", uid=f"E00401{n:010X}")
    return journal.begin(Intent(f"s1:{n}", "checkout", ref, patron="P001")).record.tx_id


def test_rows_by_kind_newest_first_with_counts_and_times(journal: Journal) -> None:
    ids = [begin(journal, n) for n in range(6)]
    assert journal.queue_times() == (int((T0 + 1) * 1000), None)  # nothing answered yet
    journal.park(ids[1], "PUBACK 0x87 not authorized")
    journal.park(ids[2], "PUBACK 0x99 payload format invalid")
    journal.mark_reconcile(ids[3], "crashed before the security write")
    journal.ack(ids[0], {"result": "accepted"})
    journal.ack(ids[4], {"result": "exception", "reason": "item not in catalogue"})
    assert [r.tx_id for r in journal.queue_rows("queued")] == [ids[5], ids[3]]
    assert [r.tx_id for r in journal.queue_rows("parked")] == [ids[2], ids[1]]
    assert [r.tx_id for r in journal.queue_rows("parked", 1)] == [ids[2]]
    assert [r.tx_id for r in journal.queue_rows("reconcile")] == [ids[4], ids[3]]
    assert journal.queue_counts() == {"queued": 2, "parked": 2, "reconcile": 2}
    oldest, last = journal.queue_times()
    assert oldest == journal.queue_rows("queued")[-1].ts_ms
    assert last == journal.get(ids[4]).answered_ms  # type: ignore[union-attr]
    journal.unpark(ids[1])
    assert journal.queue_times()[0] == journal.get(ids[1]).ts_ms  # type: ignore[union-attr]


@pytest.mark.parametrize(("kind", "limit"), [("lost", 5), ("queued", 0), (None, 5)])
def test_bad_arguments_say_what_was_expected(journal: Journal, kind: object, limit: int) -> None:
    with pytest.raises(RecordError, match="expected"):
        journal.queue_rows(kind, limit)  # type: ignore[arg-type]
