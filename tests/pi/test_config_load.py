"""Configuration errors name FILE, LINE and KEY and say what was expected."""

from __future__ import annotations

import math
import os
import tomllib
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pi_support import MINIMAL, REPO

from kiosk.config import SCHEMA, check_config, load_config, parse_config, render_toml
from kiosk.errors import ConfigError


def only_problem(path: Path):
    config, problems = check_config(path)
    assert config is None
    assert len(problems) == 1, problems
    return problems[0]


def test_minimal_config_fills_defaults(write_config) -> None:
    config = load_config(write_config(MINIMAL))
    assert config.kiosk.id == "k1"
    assert config.web.bind == "127.0.0.1"
    assert config.journal.path == Path("/var/lib/kiosk/journal.db")
    assert config.mqtt.enabled is False
    assert config.gpio.to_gpio_config().pins() == {}


def test_unknown_key_with_suggestion(write_config) -> None:
    path = write_config(MINIMAL + "pol_ms = 100\n")
    problem = only_problem(path)
    assert (problem.file, problem.line, problem.key) == (str(path), 7, "reader.pol_ms")
    assert "did you mean 'poll_ms'" in problem.message
    assert str(problem).startswith(f"{path}:7: reader.pol_ms: unknown key")


def test_unknown_section_and_key_in_wrong_section(write_config) -> None:
    path = write_config(MINIMAL + "\n[webb]\nport = 1\n\n[printer]\nbind = \"x\"\n")
    _, problems = check_config(path)
    assert [(p.line, p.key) for p in problems] == [(8, "[webb]"), (12, "printer.bind")]
    assert "did you mean [web]" in problems[0].message
    assert "belongs in [web]" in problems[1].message


def test_wrong_type(write_config) -> None:
    problem = only_problem(write_config(MINIMAL + 'poll_ms = "fast"\n'))
    assert (problem.line, problem.key) == (7, "reader.poll_ms")
    assert "wrong type" in problem.message and "an integer from 20 to 5000" in problem.message


def test_out_of_range(write_config) -> None:
    problem = only_problem(write_config(MINIMAL + "\n[mqtt]\nport = 70000\n"))
    assert (problem.line, problem.key) == (9, "mqtt.port")
    assert "out of range; expected an integer from 1 to 65535" in problem.message


def test_bad_enum(write_config) -> None:
    problem = only_problem(write_config(MINIMAL + '\n[security]\nmode = "rfid"\n'))
    assert (problem.line, problem.key) == (9, "security.mode")
    assert "'afi', 'eas', 'both'" in problem.message


def test_missing_required(write_config) -> None:
    problem = only_problem(write_config('[kiosk]\nid = "k1"\n\n[reader]\nspec = "virtual"\n'))
    assert (problem.line, problem.key) == (1, "kiosk.library")
    assert problem.message.startswith("missing; expected a string: an ISIL")


def test_toml_syntax_error_has_line(write_config) -> None:
    problem = only_problem(write_config(MINIMAL + "poll_ms = \n"))
    assert problem.line == 7 and "not valid TOML" in problem.message


def test_pin_used_twice_points_at_the_key(write_config) -> None:
    problem = only_problem(write_config(MINIMAL + "\n[gpio]\nlatch = 17\nbin_full = 17\n"))
    assert (problem.line, problem.key) == (10, "gpio.bin_full")
    assert "already used by latch" in problem.message


def test_bad_reader_and_printer_specs(write_config) -> None:
    text = MINIMAL.replace('"virtual"', '"3m:/dev/x"') + '\n[printer]\nspec = "usb:zz"\n'
    _, problems = check_config(write_config(text))
    assert [(p.line, p.key) for p in problems] == [(6, "reader.spec"), (9, "printer.spec")]


def test_broker_needs_tls_files(write_config) -> None:
    _, problems = check_config(write_config(MINIMAL + '\n[mqtt]\nhost = "broker.example"\n'))
    assert [p.key for p in problems] == ["mqtt.cafile", "mqtt.certfile", "mqtt.keyfile"]


def test_loose_key_permissions_refused_with_fix(write_config, tmp_path: Path) -> None:
    for name in ("ca.crt", "kiosk.crt", "kiosk.key"):
        (tmp_path / name).write_text("pem\n")
    key = tmp_path / "kiosk.key"
    os.chmod(key, 0o640)
    text = MINIMAL + (
        '\n[mqtt]\nhost = "broker.example"\ncafile = "ca.crt"\ncertfile = "kiosk.crt"\n'
        'keyfile = "kiosk.key"\n'
    )
    path = write_config(text)
    problem = only_problem(path)
    assert (problem.line, problem.key) == (12, "mqtt.keyfile")
    assert f"chmod 600 {key}" in problem.message and "0640" in problem.message
    os.chmod(key, 0o600)
    config = load_config(path)
    assert config.mqtt.keyfile == key  # relative to the config file's directory


def test_load_config_raises_config_error_with_location(write_config) -> None:
    path = write_config(MINIMAL + "pol_ms = 1\npoll_ms = 1\n")
    with pytest.raises(ConfigError, match=rf"^{path}:7: reader.pol_ms: .*\(and 1 more\)$"):
        load_config(path)
    with pytest.raises(ValueError):  # ConfigError is a ValueError
        load_config(path)


def test_missing_file_is_one_problem(tmp_path: Path) -> None:
    problem = only_problem(tmp_path / "absent.toml")
    assert "cannot read" in problem.message


def test_example_config_passes_and_covers_the_schema() -> None:
    example = REPO / "config" / "kiosk.example.toml"
    config, problems = check_config(example)
    assert problems == [] and config is not None
    data = tomllib.loads(example.read_text(encoding="utf-8"))
    in_file = {(section, key) for section, table in data.items() for key in table}
    assert in_file == {(k.section, k.name) for k in SCHEMA}


def test_every_example_key_has_a_comment_above() -> None:
    lines = (REPO / "config" / "kiosk.example.toml").read_text(encoding="utf-8").splitlines()
    for number, line in enumerate(lines):
        if "=" in line and not line.startswith(("#", "[")):
            assert lines[number - 1].startswith("#"), f"line {number + 1} has no comment: {line}"


def test_demo_config_passes() -> None:
    config = load_config(REPO / "config" / "demo.toml")
    assert config.reader.spec == "virtual" and config.gpio.factory == "mock"
    assert config.printer.spec == "dummy"


def test_show_output_is_a_valid_config_with_the_same_values() -> None:
    config = load_config(REPO / "config" / "kiosk.example.toml")
    again = parse_config(render_toml(config))
    assert again == config.__class__(**{**{f: getattr(config, f) for f in (
        "kiosk", "reader", "security", "session", "patron", "gpio", "printer", "scanner", "nfc",
        "mqtt", "offline", "web", "journal", "logging")}, "source": None})


def test_model_fields_match_the_schema() -> None:
    config = load_config(REPO / "config" / "demo.toml")
    for key in SCHEMA:
        assert hasattr(getattr(config, key.section), key.name), key.dotted


@given(st.one_of(st.integers(), st.floats(), st.booleans(), st.text(max_size=8),
                 st.lists(st.text(max_size=3), max_size=3)))
def test_any_value_for_any_key_is_accepted_or_located(value) -> None:
    import json

    for key in SCHEMA[:: max(1, len(SCHEMA) // 12)]:
        rendered = json.dumps(value) if not isinstance(value, bool) else str(value).lower()
        if isinstance(value, float) and math.isnan(value):
            rendered = "nan"
        elif isinstance(value, float) and abs(value) == float("inf"):
            rendered = "inf" if value > 0 else "-inf"
        text = (
            '[kiosk]\nid = "k1"\nlibrary = "CN-1"\n[reader]\nspec = "virtual"\n'
            f"[{key.section}]\n{key.name} = {rendered}\n"
        )
        if key.section in ("kiosk", "reader"):
            text = text.replace(f"[{key.section}]\n{key.name} =", f"[{key.section}x]\nzz =")
        from kiosk.config import check_text

        config, problems = check_text(text, file="f.toml")
        assert (config is None) == bool(problems)
        for problem in problems:
            assert problem.file == "f.toml" and problem.line >= 1


def test_session_section_sets_the_machines_timings() -> None:
    text = (REPO / "config" / "demo.toml").read_text(encoding="utf-8")
    config = parse_config(text + "\n[session]\ngoodbye_s = 8\nidle_s = 90\n"
                          "return_secure_first = false\n")
    timeouts = config.session.timeouts()
    assert (timeouts.goodbye_ms, timeouts.idle_ms) == (8_000, 90_000)
    assert config.session.return_secure_first is False
    with pytest.raises(ConfigError, match=r"<config>:\d+: session.goodbye_s: 0"):
        parse_config(text + "\n[session]\ngoodbye_s = 0\n")
