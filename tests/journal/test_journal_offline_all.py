"""Reading back everything central pushed: all live holds, every version, the blocked cards."""

from __future__ import annotations

from pathlib import Path

import pytest

from kiosk.errors import RecordError
from kiosk.journal import HoldRow, Journal, OfflineData


@pytest.fixture
def offline(tmp_path: Path) -> OfflineData:
    journal = Journal.open(tmp_path / "j.db", kiosk="k1", clock=lambda: 1_790_000_000.0)
    yield OfflineData(journal.db)  # type: ignore[misc]
    journal.close()


def test_all_holds_lists_every_snapshot_soonest_expiry_first_and_drops_expired(
    offline: OfflineData,
) -> None:
    assert offline.all_holds() == [] and offline.holds_versions() == {}
    a = HoldRow("P1", "CN-1", "pat-a", "CN-1", 9_000)
    b = HoldRow("P1", "CN-1", "pat-b", "CN-2", 2_000)
    c = HoldRow("P1", "CN-1", "pat-c", "CN-2")
    d = HoldRow("P0", "CN-1", "pat-d", "CN-1", 1_000)
    offline.replace_holds("CN-1", 4, [a, d])
    offline.replace_holds("CN-2", 6, [c, b])
    assert offline.all_holds() == [d, b, a, c]
    assert offline.all_holds(now_ms=2_000) == [a, c]
    assert offline.holds_versions() == {"CN-1": 4, "CN-2": 6}
    with pytest.raises(RecordError, match="now_ms"):
        offline.all_holds(now_ms=-1)


def test_blocked_cards_come_back_as_stored(offline: OfflineData) -> None:
    assert offline.blocked_cards() == frozenset()
    offline.replace_blocked_cards(3, ["c1", "c2", "c1"])
    assert offline.blocked_cards() == frozenset({"c1", "c2"})
    offline.replace_blocked_cards(4, [])
    assert offline.blocked_cards() == frozenset() and offline.blocked_cards_version() == 4
