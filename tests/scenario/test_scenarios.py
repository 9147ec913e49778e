"""Every scenario file in scenarios/ passes; bad files and failed expectations are reported."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kiosk.cli import main
from kiosk.errors import ConfigError
from kiosk.scenario import load, parse

ROOT = Path(__file__).resolve().parents[2]
FILES = sorted(p for p in (ROOT / "scenarios").glob("*.*") if p.name != "library.json")


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_scenario_file_passes(path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status = main(["scenario", "run", str(path), "--json"])
    doc = json.loads(capsys.readouterr().out)
    assert doc["failures"] == []
    assert status == 0 and doc["ok"]
    assert doc["tags"] and all({"afi", "eas"} <= set(tag) for tag in doc["tags"])


def _base(**extra: object) -> dict[str, object]:
    doc: dict[str, object] = {
        "library": str(ROOT / "scenarios" / "library.json"),
        "items": [{"pii": "0001000000001", "name": "book1"}],
        "steps": [{"card": "0001000012345"}, {"place": "book1"}],
    }
    doc.update(extra)
    return doc


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"steps": []}, "x.json: scenario: 'steps': expected a non-empty list"),
        (
            {"steps": [{"card": "1"}, {"plaice": "book1"}]},
            "x.json: step 2: 'plaice': expected one of",
        ),
        ({"steps": [{"place": "nope"}]}, "x.json: step 1: 'place': expected a tag name"),
        ({"steps": [{"advance": -5}]}, "x.json: step 1: 'advance': expected a whole number ≥ 1"),
        ({"steps": [{"choose": "borrow"}]}, "x.json: step 1: 'choose': expected one of"),
        (
            {"steps": [{"kill": {"after": "lunch"}}]},
            "x.json: step 1: 'kill.after': expected one of",
        ),
        ({"steps": [{"card": "1", "pin": "2"}]}, "x.json: step 1: expected exactly one of"),
        ({"machine": {"mode": "lend"}}, "x.json: machine: 'mode': expected one of"),
        (
            {"items": [{"pii": "0001000000001", "usage": "zz"}]},
            "x.json: items[0]: 'usage': expected two hex",
        ),
        (
            {"steps": [{"expect": {"results": [{"item": "book1", "result": "maybe"}]}}]},
            "x.json: step 1: 'expect.results[0].result': expected one of accepted, refused",
        ),
        ({"library": {"members": [{"isil": "bad"}]}}, "library"),
    ],
)
def test_bad_scenario_is_one_line_naming_place_key_and_expectation(
    change: dict[str, object], message: str
) -> None:
    with pytest.raises(ConfigError) as info:
        parse(_base(**change), "x.json")
    text = str(info.value)
    assert message in text and "\n" not in text


def test_bad_file_exits_2_with_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('library = "nowhere.json"\n[[steps]]\nfinish = true\n', encoding="utf-8")
    assert main(["scenario", "run", str(bad)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "bad.toml: library" in err


def test_toml_syntax_error_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("[[steps]\n", encoding="utf-8")
    assert main(["scenario", "run", str(bad)]) == 2
    assert "not TOML" in capsys.readouterr().err


def test_failed_expectation_exits_1_naming_each(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    doc = _base()
    doc["steps"] = [
        {"card": "0001000012345"},
        {"place": "book1"},
        {"expect": {"results": [{"item": "book1", "reason": "discarded"}], "loan_count": 3}},
    ]
    path = tmp_path / "wrong.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    assert main(["scenario", "run", str(path)]) == 1
    out = capsys.readouterr().out
    assert "step 3: results[0] 'book1': reason is 'ok', expected 'discarded'" in out
    assert "step 3: 1 loans, expected 3" in out
    assert "FAILED (2 expectations)" in out


def test_references_resolve_by_name_pii_and_uid() -> None:
    scenario = parse(_base(steps=[{"place": ["book1", "0001000000001"]}]), "x.json")
    uid = scenario.tags[0].uid
    assert scenario.steps[0].uids == (uid,)
    assert load(ROOT / "scenarios" / "returns.toml").machine.mode == "return_only"
