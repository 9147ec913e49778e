"""The SQLite repository beyond the shared domain scenarios: records round-trip exactly, state
survives a reopen, a failed operation leaves nothing behind, schema versions, and two
connections ("two central instances") on one file keep exactly-once."""

from __future__ import annotations

import sqlite3
import threading
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from central_world import LIB_A, LIB_B, NOW, OFFLINE_OK, Desk, build
from service_world import close, sqlite_copy

from central.domain import (
    AuditEntry,
    CentralDomain,
    ConflictKind,
    ExceptionEntry,
    GapRecord,
    Hold,
    HoldState,
    Library,
    Loan,
    Op,
    Reply,
    Result,
    Transaction,
    TxItem,
)
from central.domain.model import KioskProgress, PendingTx, ProcessedTx
from central.store.codec import decode, encode
from central.store.database import MIGRATIONS, Database, StoreError
from central.store.sqlite import SqliteRepository
from kiosk.circulation.reasons import Reason, message_for


def test_records_round_trip_exactly(tmp_path: Path) -> None:
    desk = Desk(build())
    tx = desk.tx("k-a1", Op.CHECKOUT, "A001", patron="P1", offline=True, decision=OFFLINE_OK)
    staff = Transaction(
        "k-a1:2",
        2,
        "k-a1",
        NOW,
        Op.STAFF,
        None,
        staff="S07",
        action="open_door",
        detail={"why": "jam", "n": 1.5},
    )
    reply = Reply(
        "k-a1:1", Result.ACCEPTED, Reason.OK, message_for(Reason.OK), due=5, title="书", price="1"
    )
    records: list[object] = [
        Library(
            LIB_A,
            "0001",
            "馆",
            category_loan_days={"child": 60},
            closed_weekdays=frozenset({0, 6}),
            closed_dates=frozenset({date(2026, 10, 1)}),
        ),
        Loan(LIB_A, "A001", "P1", "k-a1", "k-a1:1", 1, 2, exception_id=3),
        Hold(7, LIB_A, "A001", "P1", LIB_B, 1, HoldState.ON_SHELF, expires_ms=9),
        ExceptionEntry(1, "k-a1", "k-a1:1", ConflictKind.SEQ_CONFLICT, "d", 1),
        ProcessedTx("k-a1:1", "k-a1", 1, reply, 5),
        PendingTx(tx, 4),
        KioskProgress("k-a1", 3, None, 5, 2),
        GapRecord("skipped", "k-a1", 2, 3, 9),
        AuditEntry("k-a1", 2, "k-a1:2", 1, "S07", "empty_bin", {"bin": "A", "l": [1, None]}),
        AuditEntry("k-a1", 3, "k-a1:3", 1, "S07", "reset", {}, TxItem("A001", LIB_A), 7),
        PendingTx(staff, 4),
    ]
    for record in records:
        assert decode(type(record), encode(record)) == record


def test_state_survives_closing_and_reopening(tmp_path: Path) -> None:
    path = tmp_path / "central.db"
    domain = sqlite_copy(build(), path)
    desk = Desk(domain)
    first = desk.checkout("k-a1", "P1", "A001")
    hold = domain.place_hold(LIB_A, "A002", "P2", LIB_A, NOW)
    close(domain)

    again = CentralDomain(SqliteRepository.open(path))
    assert [loan.pii for loan in again.loans("P1")] == ["A001"]
    assert again.holds() == [hold]
    assert again.holds_snapshot()["version"] == 1
    repeat = again.apply(desk.tx("k-a1", Op.CHECKOUT, "A001", patron="P1", seq=1), NOW)
    assert repeat == first
    assert again.fleet()[0].last_seq == 1
    close(again)


def test_database_settings_and_schema_version(tmp_path: Path) -> None:
    db = Database(tmp_path / "c.db")
    assert db.scalar("PRAGMA journal_mode") == "wal"
    assert db.scalar("PRAGMA synchronous") == 2  # FULL
    assert db.schema_version == len(MIGRATIONS)
    db.close()
    newer = sqlite3.connect(tmp_path / "c.db")
    newer.execute(f"PRAGMA user_version={len(MIGRATIONS) + 1}")
    newer.close()
    known = len(MIGRATIONS)
    with pytest.raises(
        StoreError, match=f"schema version {known + 1}, this program knows up to {known}"
    ):
        Database(tmp_path / "c.db")


def test_a_later_migration_is_applied_once(tmp_path: Path) -> None:
    Database(tmp_path / "c.db").close()
    extra = (*MIGRATIONS, "CREATE TABLE notes (id INTEGER PRIMARY KEY)")
    db = Database(tmp_path / "c.db", migrations=extra)
    assert db.schema_version == len(MIGRATIONS) + 1
    db.execute("INSERT INTO notes VALUES (1)")
    db.close()
    db = Database(tmp_path / "c.db", migrations=extra)
    assert db.rows("SELECT id FROM notes") == [(1,)]
    db.close()


def test_a_version_1_file_gains_the_audit_table_and_keeps_its_records(tmp_path: Path) -> None:
    path = tmp_path / "c.db"
    Database(path, migrations=MIGRATIONS[:1]).close()
    domain = sqlite_copy(build(), path)  # opening brings the file up to date
    repo = domain.repo
    assert isinstance(repo, SqliteRepository) and repo.db.schema_version == len(MIGRATIONS)
    staff = Transaction("k-a1:1", 1, "k-a1", NOW, Op.STAFF, None, staff="S07", action="open_door")
    assert domain.apply(staff, NOW).result is Result.ACCEPTED  # type: ignore[union-attr]
    close(domain)
    again = CentralDomain(SqliteRepository.open(path))
    assert [(e.tx_id, e.action, e.detail) for e in again.audit()] == [("k-a1:1", "open_door", {})]
    assert again.audit("k-b1") == []
    close(again)


def test_unopenable_file_is_a_store_error(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="cannot open the central database"):
        Database(tmp_path / "missing-dir" / "c.db")


def test_atomic_rolls_back_every_table(tmp_path: Path) -> None:
    repo = SqliteRepository.open(tmp_path / "c.db")
    repo.put_library(Library(LIB_A, "0001", "馆"))
    with pytest.raises(RuntimeError), repo.atomic():
        repo.put_library(Library("CN-X", "0002", "乙"))
        repo.bump_version("holds")
        repo.next_id("hold")
        repo.add_gap(GapRecord("skipped", "k", 1, 2, 3))
        with repo.atomic():  # nested blocks belong to the outer one
            repo.delete_loan((LIB_A, "x"))
        raise RuntimeError("boom")
    assert [lib.isil for lib in repo.libraries()] == [LIB_A]
    assert repo.version("holds") == 0 and repo.next_id("hold") == 1
    assert repo.gaps() == []
    repo.close()


def test_a_failing_domain_operation_leaves_nothing(domain: CentralDomain) -> None:
    desk = Desk(domain)
    desk.checkout("k-a1", "P1", "A001")
    before = (domain.loans(), domain.holds(), domain.repo.version("holds"))
    with pytest.raises(LookupError):  # the pick-up library is unknown: after the id was taken
        domain.place_hold(LIB_A, "A002", "P2", "CN-NOPE", NOW)
    assert (domain.loans(), domain.holds(), domain.repo.version("holds")) == before
    assert domain.repo.next_id("hold") == 1


def test_instance_b_answers_from_instance_a_stored_reply(tmp_path: Path) -> None:
    path = tmp_path / "central.db"
    a = sqlite_copy(build(), path)
    b = CentralDomain(SqliteRepository.open(path))
    desk = Desk(a)
    tx = desk.tx("k-a1", Op.CHECKOUT, "A001", patron="P1")
    first = a.apply(tx, NOW)
    b.block_patron("P1")  # a fresh decision would now refuse
    assert b.apply(tx, NOW + 1000) == first
    assert len(b.loans()) == 1 and b.fleet()[0].processed == 1
    close(a)
    close(b)


def test_two_instances_racing_on_the_same_transactions_apply_each_once(tmp_path: Path) -> None:
    """Both instances get every transaction (at-least-once delivery), in different orders."""
    path = tmp_path / "central.db"
    seed = sqlite_copy(build(), path)
    desk = Desk(seed)
    txs = []
    for round_ in range(10):
        for kiosk in ("k-a1", "k-a2", "k-b1"):
            op = Op.CHECKOUT if round_ % 2 == 0 else Op.CHECKIN
            pii = {"k-a1": "A001", "k-a2": "A002", "k-b1": "B001"}[kiosk]
            owner = LIB_B if kiosk == "k-b1" else LIB_A
            txs.append(desk.tx(kiosk, op, pii, owner, "P1" if op is Op.CHECKOUT else None))
    instances = [CentralDomain(SqliteRepository.open(path)) for _ in range(2)]
    replies: dict[int, dict[str, Reply]] = {0: {}, 1: {}}
    errors: list[BaseException] = []
    start = threading.Barrier(2)

    def work(index: int) -> None:
        try:
            start.wait()
            order = txs if index == 0 else list(reversed(txs))
            for tx in order:
                got = instances[index].apply(tx, NOW)
                if isinstance(got, Reply):
                    replies[index][got.tx_id] = got
            for got in instances[index].take_released():
                replies[index][got.tx_id] = got
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    answered = {**replies[0], **replies[1]}
    assert sorted(answered) == sorted(tx.tx_id for tx in txs)
    for tx_id in set(replies[0]) & set(replies[1]):
        assert replies[0][tx_id] == replies[1][tx_id]
    assert all(r.result is Result.ACCEPTED for r in answered.values())
    assert seed.loans("P1") == []  # every checkout was followed by its return, in seq order
    fleet = {e.kiosk: e for e in seed.fleet()}
    for kiosk in ("k-a1", "k-a2", "k-b1"):
        assert (fleet[kiosk].processed, fleet[kiosk].last_seq, fleet[kiosk].held) == (10, 10, 0)
    assert seed.gap_log() == []
    for instance in (*instances, seed):
        close(instance)


def test_pin_failures_and_patron_changes_persist(domain: CentralDomain) -> None:
    domain.patron("P1", "0000", NOW, kiosk="k-a1")
    assert domain.repo.get_patron("P1") == replace(
        build().repo.get_patron("P1"),  # type: ignore[arg-type]
        pin_failures=1,
    )


def test_outbound_work_is_claimed_by_one_instance(tmp_path: Path) -> None:
    from central.store.service_tables import Command, CommandState, ServiceStore

    a = ServiceStore(Database(tmp_path / "c.db"))
    b = ServiceStore(Database(tmp_path / "c.db"))
    a.add_command(Command("c1", "k-a1", "ping", {}, NOW, NOW + 60_000))
    assert a.put_config("k-a1", {"mode": "both"}) == 1
    assert [c.cmd_id for c in a.claim_commands(NOW)] == ["c1"]
    assert b.claim_commands(NOW) == []
    assert [c.version for c in b.claim_configs()] == [1]
    assert a.claim_configs() == []
    # after a restart, what may not have left is sent again (kiosks dedupe by cmd_id/version)
    assert [c.cmd_id for c in b.claim_commands(NOW + 1, resend=True)] == ["c1"]
    assert [c.kiosk for c in b.claim_configs(everything=True)] == ["k-a1"]
    assert b.claim_commands(NOW + 60_000, resend=True) == []  # expired: never sent late
    assert b.expire_commands(NOW + 60_000) == ["c1"]
    assert a.commands()[0].state == CommandState.EXPIRED
    a.db.close()
    b.db.close()
