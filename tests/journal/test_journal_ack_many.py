"""Journal.ack_many: several replies in one transaction, with ack's meaning for each."""

from __future__ import annotations

from pathlib import Path

import pytest

from kiosk.errors import JournalError, RecordError
from kiosk.journal import Intent, ItemRef, Journal

T0 = 1_790_000_000.0


def intent(n: int) -> Intent:
    item = ItemRef(f"310{n:05d}", "CN-440100-1", f"E0{n:014X}")
    return Intent(f"s1:{n}:checkin", "checkin", item)


@pytest.fixture
def journal(tmp_path: Path) -> Journal:
    j = Journal.open(tmp_path / "j.db", kiosk="k1", clock=lambda: T0)
    j.begin_many([intent(n) for n in range(1, 6)])
    yield j  # type: ignore[misc]
    j.close()


def test_acks_leave_the_outbox_in_one_call_and_keep_the_first_reply(journal: Journal) -> None:
    got = journal.ack_many([
        ("k1:2", {"result": "accepted"}),
        ("k1:4", {"result": "accepted"}),
        ("k1:2", {"result": "refused"}),
    ])
    assert got == [True, True, False]
    assert [r.tx_id for r in journal.outbox(10)] == ["k1:1", "k1:3", "k1:5"]
    assert journal.get("k1:2").reply == {"result": "accepted"}  # type: ignore[union-attr]
    assert journal.ack_many([("k1:4", {"result": "refused"}), ("k1:5", {"result": "ok"})]) == [
        False, True]
    assert journal.outbox_depth() == 2


def test_empty_batch_is_nothing(journal: Journal) -> None:
    assert journal.ack_many([]) == []
    assert journal.outbox_depth() == 5


@pytest.mark.parametrize(
    ("bad", "error"),
    [
        (("k1:99", {"result": "accepted"}), JournalError),  # not in the journal
        (("k2:1", {"result": "accepted"}), JournalError),  # another kiosk's tx_id
        (("k1:3", ["not", "a", "map"]), RecordError),
    ],
)
def test_one_bad_reply_records_none(journal: Journal, bad: tuple, error: type) -> None:
    with pytest.raises(error):
        journal.ack_many([("k1:1", {"result": "accepted"}), bad])
    assert journal.outbox_depth() == 5
    assert journal.get("k1:1").answered_ms is None  # type: ignore[union-attr]
