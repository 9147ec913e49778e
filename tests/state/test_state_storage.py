"""AtomicJSONStorage: whole-file replacement, clear errors for damaged files, TinyDB integration."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from tinydb import Query, TinyDB

from kiosk.errors import RecordError, StateError
from kiosk.state import AtomicJSONStorage


def test_missing_or_empty_file_reads_as_no_document(tmp_path: Path) -> None:
    storage = AtomicJSONStorage(tmp_path / "s.json")
    assert storage.read() is None
    (tmp_path / "s.json").write_text("  \n")
    assert storage.read() is None


def test_write_replaces_the_file_with_a_new_inode_and_readable_json(tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    storage = AtomicJSONStorage(path)
    storage.write({"t": {"1": {"a": 1}}})
    first = os.stat(path).st_ino
    storage.write({"t": {"1": {"a": 2, "名": "值"}}})
    assert os.stat(path).st_ino != first  # renamed into place, never rewritten in place
    assert storage.read() == {"t": {"1": {"a": 2, "名": "值"}}}
    assert "值" in path.read_text(encoding="utf-8")  # human-readable for the technician
    assert os.stat(path).st_mode & 0o777 == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.json"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b'{"t": {"1": {"a": 1}', "not valid JSON .* line 1 column 21"),
        (b"\x00\x00\x00\x00", "not valid JSON"),
        (b'{"t": {"1": 1}}\x00\x00', "not valid JSON"),
        (b"\xff\xfe{}", "not UTF-8 at byte 0"),
        (b"[1, 2]", "expected an object of tables"),
        (b'{"t": 5}', "expected an object of tables"),
    ],
)
def test_a_damaged_file_is_a_clear_state_error(
    tmp_path: Path, content: bytes, message: str
) -> None:
    path = tmp_path / "s.json"
    path.write_bytes(content)
    with pytest.raises(StateError, match=message) as info:
        AtomicJSONStorage(path).read()
    assert str(path) in str(info.value) and "delete it to start afresh" in str(info.value)
    assert isinstance(info.value, RuntimeError)


def test_unserialisable_values_are_refused_and_the_old_file_kept(tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    storage = AtomicJSONStorage(path)
    storage.write({"t": {"1": {"a": 1}}})
    with pytest.raises(RecordError, match="cannot be stored as JSON"):
        storage.write({"t": {"1": {"a": object()}}})
    assert storage.read() == {"t": {"1": {"a": 1}}}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.json"]


def test_a_failed_write_leaves_the_old_document_and_no_temp_file(tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    storage = AtomicJSONStorage(path)
    storage.write({"t": {"1": {"a": 1}}})
    path.unlink()
    path.mkdir()  # os.replace onto a directory fails like a full or broken disk would
    with pytest.raises(StateError, match="write failed"):
        storage.write({"t": {"1": {"a": 2}}})
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.json"]


def test_stale_temp_files_of_a_killed_writer_are_removed_at_open(tmp_path: Path) -> None:
    (tmp_path / ".s.json.abc123.tmp").write_text('{"half": ')
    (tmp_path / ".other.json.abc123.tmp").write_text("not ours")
    AtomicJSONStorage(tmp_path / "s.json")
    assert sorted(p.name for p in tmp_path.iterdir()) == [".other.json.abc123.tmp"]


def test_missing_directory_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(StateError, match="does not exist"):
        AtomicJSONStorage(tmp_path / "no" / "s.json")


def test_tinydb_works_on_top_and_survives_reopen(tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    db = TinyDB(path, storage=AtomicJSONStorage)
    db.table("bins").upsert({"bin_id": "A", "count": 3}, Query().bin_id == "A")
    db.close()
    db = TinyDB(path, storage=AtomicJSONStorage)
    assert db.table("bins").get(Query().bin_id == "A") == {"bin_id": "A", "count": 3}
    db.close()
