"""State documents: applied config, staff credentials (scrypt), bin counters."""

from __future__ import annotations

import hashlib
import json
from itertools import count
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kiosk.errors import RecordError, StateError
from kiosk.state import ScryptParams, StateDocuments

FAST = ScryptParams(n=2**8, r=8, p=1)  # cheap for tests; the stored parameters are what count


class Clock:
    def __init__(self) -> None:
        self.now = 1_790_000_000.0

    def __call__(self) -> float:
        return self.now


def salts() -> object:
    counter = count(1)
    return lambda n: next(counter).to_bytes(n, "big")


@pytest.fixture
def docs(tmp_path: Path) -> StateDocuments:
    d = StateDocuments.open(tmp_path / "state.json", clock=Clock(), random_bytes=salts(),
                            scrypt=FAST)
    yield d  # type: ignore[misc]
    d.close()


def test_applied_config_round_trip_and_overwrite(docs: StateDocuments) -> None:
    assert docs.applied_config() is None
    docs.record_applied_config(3, {"loan_days": 30, "offline": {"max_items": 5}})
    docs.record_applied_config(4, {"loan_days": 21})
    applied = docs.applied_config()
    assert applied is not None
    assert (applied.version, dict(applied.body)) == (4, {"loan_days": 21})
    assert applied.applied_ms == 1_790_000_000_000
    with pytest.raises(RecordError, match="config version"):
        docs.record_applied_config(-1, {})
    with pytest.raises(RecordError, match="config body"):
        docs.record_applied_config(5, {1: "x"})  # type: ignore[dict-item]


def test_staff_secret_is_stored_as_salted_scrypt_with_its_parameters(
    docs: StateDocuments, tmp_path: Path
) -> None:
    cred = docs.set_staff_secret("S07", "2468", roles=("bins", "config"))
    raw = (tmp_path / "state.json").read_text()
    assert "2468" not in raw
    [stored] = json.loads(raw)["staff"].values()
    assert stored["alg"] == "scrypt" and (stored["n"], stored["r"], stored["p"]) == (256, 8, 1)
    salt = bytes.fromhex(stored["salt"])
    assert len(salt) == 16 and salt == cred.salt
    expected = hashlib.scrypt(b"2468", salt=salt, n=256, r=8, p=1, dklen=32)
    assert bytes.fromhex(stored["hash"]) == expected  # a known-answer check against hashlib
    assert stored["roles"] == ["bins", "config"]


def test_verify_staff(docs: StateDocuments) -> None:
    docs.set_staff_secret("S07", "2468")
    docs.set_staff_secret("S08", "2468")
    assert docs.verify_staff("S07", "2468") is True
    assert docs.verify_staff("S07", "2469") is False
    assert docs.verify_staff("S99", "2468") is False  # unknown: same work, just False
    a, b = docs.staff("S07"), docs.staff("S08")
    assert a is not None and b is not None
    assert a.salt != b.salt and a.digest != b.digest  # per-entry salt
    assert docs.staff_ids() == ["S07", "S08"]
    assert docs.remove_staff("S07") is True and docs.remove_staff("S07") is False
    assert docs.verify_staff("S07", "2468") is False


def test_changing_a_secret_replaces_the_entry(docs: StateDocuments) -> None:
    docs.set_staff_secret("S07", "old-pin")
    docs.set_staff_secret("S07", "new-pin")
    assert docs.staff_ids() == ["S07"]
    assert not docs.verify_staff("S07", "old-pin") and docs.verify_staff("S07", "new-pin")


def test_unicode_secrets_are_normalised(docs: StateDocuments) -> None:
    docs.set_staff_secret("S01", "caf\u00e9")  # precomposed é
    assert docs.verify_staff("S01", "cafe\u0301")  # e + combining acute


def test_old_parameters_still_verify_after_the_default_is_raised(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    with StateDocuments.open(path, clock=Clock(), scrypt=FAST) as docs:
        docs.set_staff_secret("S07", "2468")
    stronger = ScryptParams(n=2**10)
    with StateDocuments.open(path, clock=Clock(), scrypt=stronger) as docs:
        assert docs.verify_staff("S07", "2468")


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("n", 2**30, "scrypt n"),
        ("n", 1000, "power of two"),
        ("r", 0, "scrypt r"),
        ("alg", "md5", "unknown algorithm"),
        ("salt", "zz", "non-hexadecimal"),
        ("hash", None, "credential of staff 'S07' is damaged"),
    ],
)
def test_a_tampered_credential_is_refused_before_any_work(
    tmp_path: Path, field: str, value: object, message: str
) -> None:
    path = tmp_path / "state.json"
    with StateDocuments.open(path, clock=Clock(), scrypt=FAST) as docs:
        docs.set_staff_secret("S07", "2468")
    data = json.loads(path.read_text())
    data["staff"]["1"][field] = value
    path.write_text(json.dumps(data))
    with (
        StateDocuments.open(path, clock=Clock(), scrypt=FAST) as docs,
        pytest.raises(StateError, match=message),
    ):
        docs.verify_staff("S07", "2468")


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda d: d.set_staff_secret("", "1"), "staff_id"),
        (lambda d: d.set_staff_secret("S1", ""), "secret"),
        (lambda d: d.set_staff_secret("S1", "x" * 1025), "secret"),
        (lambda d: d.set_staff_secret("S1", "1", roles=["a"]), "roles"),
        (lambda d: d.verify_staff("S1", b"1234"), "secret"),
        (lambda d: d.add_to_bin("A", 0), "items"),
        (lambda d: d.add_to_bin("", 1), "bin_id"),
        (lambda d: ScryptParams(n=2**20, r=32), "256 MiB"),
    ],
)
def test_bad_arguments_are_record_errors(docs: StateDocuments, call: object, message: str) -> None:
    with pytest.raises(RecordError, match=message):
        call(docs)  # type: ignore[operator]


def test_a_short_salt_from_the_random_source_is_refused(tmp_path: Path) -> None:
    short = StateDocuments.open(
        tmp_path / "s.json", clock=Clock(), random_bytes=lambda n: b"x", scrypt=FAST
    )
    with short as docs, pytest.raises(RecordError, match="random_bytes"):
        docs.set_staff_secret("S1", "1")


def test_bin_counters(docs: StateDocuments, tmp_path: Path) -> None:
    assert docs.bin("A").count == 0
    docs.add_to_bin("A")
    docs.add_to_bin("A", 4)
    docs.add_to_bin("B")
    before = docs.empty_bin("A")
    assert before.count == 5 and before.emptied_ms is None
    assert [(b.bin_id, b.count) for b in docs.bins()] == [("A", 0), ("B", 1)]
    assert docs.bin("A").emptied_ms == 1_790_000_000_000
    with StateDocuments.open(tmp_path / "state.json", clock=Clock(), scrypt=FAST) as again:
        assert again.bin("B").count == 1


@settings(max_examples=15, deadline=None)
@given(st.text(min_size=1, max_size=20), st.text(min_size=1, max_size=20))
def test_only_the_right_secret_verifies(tmp_path_factory: pytest.TempPathFactory, right: str,
                                        other: str) -> None:
    path = tmp_path_factory.mktemp("prop") / "state.json"
    with StateDocuments.open(path, clock=Clock(), scrypt=FAST) as docs:
        docs.set_staff_secret("S1", right)
        assert docs.verify_staff("S1", right)
        same = _nfc(other) == _nfc(right)
        assert docs.verify_staff("S1", other) is same


def _nfc(text: str) -> str:
    import unicodedata

    return unicodedata.normalize("NFC", text)
