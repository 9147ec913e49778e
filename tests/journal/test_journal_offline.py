"""Holds snapshots, blocked cards and seen command ids kept in the journal database."""

from __future__ import annotations

from pathlib import Path

import pytest

from kiosk.errors import RecordError
from kiosk.journal import HoldRow, Journal, OfflineData


class Clock:
    def __init__(self) -> None:
        self.now = 1_790_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def parts(tmp_path: Path, clock: Clock) -> tuple[Journal, OfflineData]:
    journal = Journal.open(tmp_path / "j.db", kiosk="k1", clock=clock)
    yield journal, OfflineData(journal.db)  # type: ignore[misc]
    journal.close()


def test_holds_snapshot_is_replaced_only_by_a_newer_version(
    parts: tuple[Journal, OfflineData],
) -> None:
    _, offline = parts
    v1 = [HoldRow("P1", "CN-1", "pat-a", "CN-1", 5_000), HoldRow("P2", "CN-1", "pat-b", "CN-2")]
    assert offline.replace_holds("CN-1", 1, v1) is True
    assert offline.holds_version("CN-1") == 1
    assert offline.holds_for("P1", "CN-1") == [v1[0]]
    # the retained snapshot redelivered on reconnect, or an older one: ignored
    assert offline.replace_holds("CN-1", 1, []) is False
    assert offline.replace_holds("CN-1", 0, []) is False
    assert offline.holds_for("P2", "CN-1") == [v1[1]]
    assert offline.replace_holds("CN-1", 2, [HoldRow("P3", "CN-1", "pat-c", "CN-1")]) is True
    assert offline.holds_for("P1", "CN-1") == [] and offline.holds_for("P2", "CN-1") == []
    assert offline.replace_holds("CN-1", 1, v1, force=True) is True  # central reset its counter
    assert offline.holds_version("CN-1") == 1
    assert offline.holds_version("CN-9") is None


def test_holds_from_two_libraries_and_expiry(parts: tuple[Journal, OfflineData]) -> None:
    _, offline = parts
    offline.replace_holds("CN-1", 7, [HoldRow("P1", "CN-2", "pat-a", "CN-1", 1_000)])
    offline.replace_holds("CN-2", 3, [HoldRow("P1", "CN-2", "pat-b", "CN-2", 9_000)])
    both = offline.holds_for("P1", "CN-2")
    assert [h.patron for h in both] == ["pat-a", "pat-b"]
    assert [h.patron for h in offline.holds_for("P1", "CN-2", now_ms=5_000)] == ["pat-b"]
    offline.replace_holds("CN-1", 8, [])  # one library's snapshot does not touch the other's
    assert [h.patron for h in offline.holds_for("P1", "CN-2")] == ["pat-b"]


def test_blocked_cards(parts: tuple[Journal, OfflineData]) -> None:
    _, offline = parts
    assert offline.blocked_cards_version() is None
    assert not offline.is_card_blocked("C1")
    assert offline.replace_blocked_cards(4, ["C1", "C2", "C1"]) is True
    assert offline.is_card_blocked("C1") and offline.is_card_blocked("C2")
    assert offline.replace_blocked_cards(4, []) is False
    assert offline.replace_blocked_cards(5, ["C3"]) is True
    assert not offline.is_card_blocked("C1") and offline.is_card_blocked("C3")
    assert offline.blocked_cards_version() == 5


def test_seen_command_is_at_most_once_until_expiry(
    parts: tuple[Journal, OfflineData], clock: Clock
) -> None:
    _, offline = parts
    now_ms = int(clock.now * 1000)
    assert offline.seen_command("cmd-1", now_ms + 60_000) is False  # first sight: execute
    assert offline.seen_command("cmd-1", now_ms + 60_000) is True  # redelivery: skip
    assert offline.seen_command("cmd-2", now_ms + 1_000) is False
    clock.now += 30  # cmd-2 expired, cmd-1 not yet
    assert offline.purge_seen_commands() == 1
    assert offline.seen_command("cmd-1", now_ms + 60_000) is True


def test_offline_data_survives_a_reopen(tmp_path: Path, clock: Clock) -> None:
    with Journal.open(tmp_path / "j.db", kiosk="k1", clock=clock) as journal:
        offline = OfflineData(journal.db)
        offline.replace_holds("CN-1", 3, [HoldRow("P1", "CN-1", "pat", "CN-1")])
        offline.replace_blocked_cards(2, ["C9"])
        offline.seen_command("cmd-9", 10**13)
    with Journal.open(tmp_path / "j.db", kiosk="k1", clock=clock) as journal:
        offline = OfflineData(journal.db)
        assert offline.holds_version("CN-1") == 3 and offline.is_card_blocked("C9")
        assert offline.seen_command("cmd-9", 10**13) is True


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda o: o.replace_holds("", 1, []), "library"),
        (lambda o: o.replace_holds("CN-1", -1, []), "version"),
        (lambda o: o.replace_holds("CN-1", True, []), "version"),
        (lambda o: o.replace_holds("CN-1", 1, [("P1", "CN-1")]), "HoldRow"),
        (lambda o: o.replace_blocked_cards(1, ["ok", ""]), "card"),
        (lambda o: o.seen_command("", 5), "cmd_id"),
        (lambda o: o.seen_command("c", -5), "expires_ms"),
        (lambda o: HoldRow("P1", "CN-1", "pat", "CN-1", expires_ms=-1), "hold.expires_ms"),
        (lambda o: HoldRow("P1", "CN-1", "", "CN-1"), "hold.patron"),
    ],
)
def test_bad_values_name_the_field(
    parts: tuple[Journal, OfflineData], call: object, field: str
) -> None:
    _, offline = parts
    with pytest.raises(RecordError, match=field):
        call(offline)  # type: ignore[operator]
