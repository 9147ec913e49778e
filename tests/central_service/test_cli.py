"""``kiosk-central`` against a database file: import, the exception queue, fleet, kiosks,
holds, configs and commands; bad input is one line on stderr and exit status 2."""

from __future__ import annotations

import json
from pathlib import Path

import cbor2
import pytest
from central_world import NOW

from central.cli import main
from central.domain import CentralDomain, Op, Transaction, TxItem
from central.service.handler import CentralHandler
from central.store.service_tables import ServiceStore
from central.store.sqlite import SqliteRepository

A = "CN-440100-1-0001"
B = "CN-440100-1-0002"
MEMBERS = f"isil,code,name_zh\n{A},0001,广州图书馆\n{B},0002,越秀区图书馆\n"
CATALOGUE = {
    "catalogue": [
        {"pii": "A1", "owner": A, "title": "呐喊"},
        {"pii": "A2", "owner": A, "title": "彷徨"},
    ]
}
PATRONS = f"card,name,home,blocked\nP1,张三,{A},false\nP2,李四,{A},true\n"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    captured = capsys.readouterr()
    return status, captured.out, captured.err


@pytest.fixture
def db(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> str:
    path = str(tmp_path / "central.db")
    (tmp_path / "members.csv").write_text(MEMBERS, encoding="utf-8")
    (tmp_path / "catalogue.json").write_text(json.dumps(CATALOGUE), encoding="utf-8")
    (tmp_path / "patrons.csv").write_text("\ufeff" + PATRONS, encoding="utf-8")
    for kind, name in [("members", "members.csv"), ("json", "catalogue.json")]:
        assert run(capsys, "import", "--db", path, kind, str(tmp_path / name))[0] == 0
    assert run(capsys, "import", "--db", path, "patrons", str(tmp_path / "patrons.csv"))[0] == 0
    return path


def open_domain(path: str) -> CentralDomain:
    return CentralDomain(SqliteRepository.open(path))


def test_import_reports_counts(db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "more.json").write_text(json.dumps([{"pii": "A3", "owner": A, "title": "t"}]))
    status, out, _ = run(
        capsys, "import", "--db", db, "--json", "catalogue", str(tmp_path / "more.json")
    )
    assert status == 0 and json.loads(out) == {"imported": {"catalogue": 1}}
    domain = open_domain(db)
    assert sorted(i.pii for i in domain.repo.items()) == ["A1", "A2", "A3"]
    assert domain.repo.get_patron("P2").blocked  # type: ignore[union-attr]


def test_kiosk_register_and_fleet(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(
        capsys, "kiosk", "register", "k1", "--db", db, "--library", A, "--staff-bin"
    )
    assert status == 0 and "k1 registered" in out
    domain = open_domain(db)
    assert domain.kiosk("k1").accepts_reserved_to_staff_bin
    store = ServiceStore(domain.repo.db)  # type: ignore[attr-defined]
    store.record_status("k1", True, NOW)
    status, out, _ = run(capsys, "fleet", "--db", db, "--json")
    (row,) = json.loads(out)["fleet"]
    assert (row["kiosk"], row["library"], row["online"], row["last_seq"]) == ("k1", A, True, 0)
    status, out, _ = run(capsys, "fleet", "--db", db)
    assert out.startswith("k1 CN-440100-1-0001 online")


def test_exceptions_list_and_resolve(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    run(capsys, "kiosk", "register", "k1", "--db", db, "--library", A)
    domain = open_domain(db)
    offline_blocked = Transaction("k1:1", 1, "k1", NOW, Op.CHECKOUT, TxItem("A1", A), "P2", True)
    domain.apply(offline_blocked, NOW)
    status, out, _ = run(capsys, "exceptions", "list", "--db", db, "--json")
    (entry,) = json.loads(out)["exceptions"]
    assert (entry["tx_id"], entry["kind"], entry["resolved"]) == (
        "k1:1",
        "checkout_patron_blocked",
        False,
    )
    status, out, _ = run(
        capsys,
        "exceptions",
        "resolve",
        str(entry["id"]),
        "--db",
        db,
        "--resolution",
        "called the reader",
        "--staff",
        "王",
    )
    assert status == 0 and "resolved by 王" in out
    assert run(capsys, "exceptions", "list", "--db", db)[1] == "no open exceptions\n"
    status, _, err = run(
        capsys,
        "exceptions",
        "resolve",
        str(entry["id"]),
        "--db",
        db,
        "--resolution",
        "x",
        "--staff",
        "y",
    )
    assert status == 2 and err.count("\n") == 1 and "already resolved" in err


def test_audit_lists_staff_actions(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "audit", "--db", db) == (0, "no staff actions\n", "")
    for kiosk in ("k1", "k2"):
        run(capsys, "kiosk", "register", kiosk, "--db", db, "--library", A)
    domain = open_domain(db)
    for kiosk, action, ts in (("k1", "empty_bin", NOW + 1), ("k2", "open_door", NOW)):
        staff = Transaction(f"{kiosk}:1", 1, kiosk, ts, Op.STAFF, None, staff="S07",
                            action=action, detail={"bin": "甲"} if kiosk == "k1" else {})
        domain.apply(staff, NOW + 2)
    domain.repo.close()  # type: ignore[attr-defined]
    status, out, _ = run(capsys, "audit", "--db", db, "--json")
    assert status == 0
    assert [(e["kiosk"], e["action"]) for e in json.loads(out)["audit"]] == [
        ("k2", "open_door"), ("k1", "empty_bin")
    ]
    status, out, _ = run(capsys, "audit", "--db", db, "--kiosk", "k1", "--json")
    assert json.loads(out) == {"audit": [{
        "kiosk": "k1", "seq": 1, "tx_id": "k1:1", "ts": NOW + 1, "staff": "S07",
        "action": "empty_bin", "detail": {"bin": "甲"}, "item": None, "recorded_ms": NOW + 2,
    }]}
    status, out, _ = run(capsys, "audit", "--db", db, "--kiosk", "k1")
    assert out.endswith(' k1 #1 S07 empty_bin {"bin": "甲"}\n') and out.count("\n") == 1
    assert run(capsys, "audit", "--db", db, "--kiosk", "k9")[1] == "no staff actions for k9\n"


def test_holds_place_arrived_cancel(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(
        capsys,
        "holds",
        "place",
        "--db",
        db,
        "--json",
        "--owner",
        A,
        "--pii",
        "A1",
        "--patron",
        "P1",
        "--pickup",
        B,
    )
    assert status == 0
    hold = json.loads(out)["hold"]
    assert run(capsys, "holds", "arrived", "--db", db, "--owner", A, "--pii", "A1")[0] == 0
    out = run(capsys, "holds", "list", "--db", db, "--json", "--library", B)[1]
    snapshot = json.loads(out)
    assert snapshot["version"] == 2 and snapshot["holds"][0]["state"] == "on_shelf"
    assert run(capsys, "holds", "cancel", str(hold), "--db", db)[0] == 0
    assert json.loads(run(capsys, "holds", "list", "--db", db, "--json")[1])["holds"] == []


def test_config_push_and_cmd_are_published_by_the_next_tick(
    db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run(capsys, "kiosk", "register", "k1", "--db", db, "--library", A)
    (tmp_path / "k1.json").write_text(json.dumps({"mode": "return"}), encoding="utf-8")
    status, out, _ = run(
        capsys, "config", "push", "k1", str(tmp_path / "k1.json"), "--db", db, "--json"
    )
    assert status == 0 and json.loads(out) == {"kiosk": "k1", "version": 1}
    status, out, _ = run(
        capsys,
        "cmd",
        "k1",
        "reboot",
        "--db",
        db,
        "--json",
        "--arg",
        "delay=5",
        "--expires-s",
        "600",
    )
    cmd_id = json.loads(out)["cmd_id"]
    domain = open_domain(db)
    handler = CentralHandler(domain, ServiceStore(domain.repo.db))  # type: ignore[attr-defined]
    sent = {m.topic: m for m in handler.tick(json.loads(out)["expires_ms"] - 600_000)}
    assert cbor2.loads(sent["lib/v1/kiosk/k1/config"].payload) == {
        "v": 1,
        "mode": "return",
        "version": 1,
    }
    command = cbor2.loads(sent["lib/v1/kiosk/k1/cmd/reboot"].payload)
    assert command["cmd_id"] == cmd_id and command["args"] == {"delay": "5"}


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["fleet"], "the following arguments are required: --db"),
        (["import", "--db", "{db}", "books", "x.csv"], "invalid choice: 'books'"),
        (["import", "--db", "{db}", "members", "{tmp}/missing.csv"], "No such file"),
        (["import", "--db", "{db}", "members", "{tmp}/bad.csv"], "bad.csv row 2"),
        (["import", "--db", "{db}", "json", "{tmp}/bad.json"], "not valid JSON"),
        (
            ["exceptions", "resolve", "99", "--db", "{db}", "--resolution", "x", "--staff", "y"],
            "exception 99: no such queue entry",
        ),
        (
            ["exceptions", "resolve", "x", "--db", "{db}", "--resolution", "x", "--staff", "y"],
            "invalid int value",
        ),
        (["kiosk", "register", "k/1", "--db", "{db}", "--library", A], "kiosk id 'k/1'"),
        (["kiosk", "register", "k2", "--db", "{db}", "--library", "CN-NOPE"], "not known"),
        (["config", "push", "k9", "{tmp}/bad.json", "--db", "{db}"], "not valid JSON"),
        (["cmd", "k9", "reboot", "--db", "{db}"], "kiosk 'k9': not registered"),
        (["cmd", "k9", "reboot", "--db", "{db}", "--arg", "novalue"], "expected KEY=VALUE"),
        (["holds", "cancel", "7", "--db", "{db}"], "hold 7: no such hold"),
        (["fleet", "--db", "{tmp}/no/such/dir/c.db"], "cannot open the central database"),
        (
            [
                "serve",
                "--db",
                "{db}",
                "--broker",
                "localhost",
                "--cafile",
                "a",
                "--cert",
                "b",
                "--key",
                "c",
            ],
            "expected HOST:PORT",
        ),
        (
            [
                "serve",
                "--db",
                "{db}",
                "--broker",
                "127.0.0.1:8883",
                "--cafile",
                "{tmp}/none.pem",
                "--cert",
                "b",
                "--key",
                "c",
            ],
            "--cafile",
        ),
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    db = str(tmp_path / "c.db")
    (tmp_path / "bad.csv").write_text("isil,code,name_zh\nCN-1,12,x\n", encoding="utf-8")
    (tmp_path / "bad.json").write_text("{nope", encoding="utf-8")
    args = [a.replace("{db}", db).replace("{tmp}", str(tmp_path)) for a in argv]
    try:
        status = main(args)
    except SystemExit as exit_:  # argparse's own complaints
        status = int(str(exit_.code))
    captured = capsys.readouterr()
    assert status == 2
    assert captured.err.count("\n") == 1 and message in captured.err, captured.err
    assert captured.out == ""
