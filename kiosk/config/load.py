"""Loading ``kiosk.toml``: every problem as ``FILE:LINE: section.key: what; expected …``.

:func:`check_config` collects all problems (for ``kiosk config check``); :func:`load_config`
raises :class:`~kiosk.errors.ConfigError` with the first one. Checks, in order: TOML syntax;
unknown sections and keys (with a "did you mean" from :mod:`difflib`); missing required keys;
types, ranges, allowed values and patterns from :mod:`kiosk.config.schema`; then rules across
keys — reader and printer spec strings, GPIO wiring (no pin twice), TLS files present when a
broker is set, and a private key that only its owner can read.
"""

from __future__ import annotations

import difflib
import ipaddress
import math
import os
import re
import stat
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from drivers.errors import DriverConfigError, DriverUnavailable
from drivers.gpio.config import PinSpec
from drivers.printer.spec import parse_printer_spec
from drivers.registry import parse_reader_spec
from kiosk.config.lines import KeyLines, locate
from kiosk.config.model import (
    GpioSection,
    JournalSection,
    KioskConfig,
    KioskSection,
    LoggingSection,
    MqttSection,
    NfcSection,
    OfflineSection,
    PatronSection,
    PrinterSection,
    ReaderSection,
    ScannerSection,
    SecuritySection,
    SessionSection,
    WebSection,
)
from kiosk.config.schema import SCHEMA, SECTIONS, Key, Value, keys_of
from kiosk.errors import ConfigError

__all__ = ["ConfigProblem", "check_config", "check_text", "load_config", "parse_config"]

_SECTION_TYPES: dict[str, Callable[..., Any]] = {
    "kiosk": KioskSection,
    "reader": ReaderSection,
    "security": SecuritySection,
    "session": SessionSection,
    "patron": PatronSection,
    "gpio": GpioSection,
    "printer": PrinterSection,
    "scanner": ScannerSection,
    "nfc": NfcSection,
    "mqtt": MqttSection,
    "offline": OfflineSection,
    "web": WebSection,
    "journal": JournalSection,
    "logging": LoggingSection,
}
_PIN_NAME = re.compile(r"(?:GPIO|BCM|BOARD|WPI)\d{1,2}|J8:\d{1,2}|P1-\d{1,2}", re.IGNORECASE)
_TOML_LINE = re.compile(r"\s*\(at line (\d+), column (\d+)\)")
_TLS_FILES = ("cafile", "certfile", "keyfile")


@dataclass(frozen=True, slots=True)
class ConfigProblem:
    """One thing wrong with a configuration file, located for the person who fixes it."""

    file: str
    line: int
    key: str  # "section.key", "[section]" or "" for the whole file
    message: str

    def __str__(self) -> str:
        where = f"{self.key}: " if self.key else ""
        return f"{self.file}:{self.line}: {where}{self.message}"


class _Checker:
    """Collects problems while turning the parsed TOML into section values."""

    def __init__(self, file: str, lines: KeyLines, base_dir: Path) -> None:
        self.file = file
        self.lines = lines
        self.base_dir = base_dir
        self.problems: list[ConfigProblem] = []

    def problem(self, section: str, key: str | None, message: str) -> None:
        shown = f"{section}.{key}" if key else f"[{section}]"
        self.problems.append(
            ConfigProblem(self.file, self.lines.line_of(section, key), shown, message)
        )

    # -- structure ------------------------------------------------------------------------------

    def sections(self, data: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
        values: dict[str, dict[str, Any]] = {}
        for name, content in data.items():
            if name in SECTIONS and isinstance(content, dict):
                continue
            if name in SECTIONS:
                self.problem(name, None, "expected a table [" + name + "]")
            elif not isinstance(content, dict):
                home = [k.section for k in SCHEMA if k.name == name]
                hint = f"; did you mean [{home[0]}] {name}?" if home else ""
                self.problems.append(ConfigProblem(
                    self.file, self.lines.line_of("", name), name,
                    f"key outside any section{hint}"))
            else:
                self.problem(name, None, "unknown section" + _suggest(name, SECTIONS, "[", "]"))
        for section in SECTIONS:
            content = data.get(section, {})
            values[section] = self.section(section, content if isinstance(content, dict) else {})
        return values

    def section(self, section: str, content: Mapping[str, Any]) -> dict[str, Any]:
        known = {key.name: key for key in keys_of(section)}
        for name in content:
            if name not in known:
                self.unknown_key(section, name)
        values: dict[str, Any] = {}
        for key in known.values():
            if key.name not in content:
                if key.required:
                    self.problem(section, key.name, f"missing; expected {key.expected()}")
                    continue
                values[key.name] = self.convert(key, key.default)
                continue
            converted = self.value(key, content[key.name])
            if converted is not _BAD:
                values[key.name] = converted
        return values

    def unknown_key(self, section: str, name: str) -> None:
        hint = _suggest(name, [k.name for k in keys_of(section)], "'", "'")
        if not hint:
            elsewhere = [k.section for k in SCHEMA if k.name == name]
            if elsewhere:
                hint = f"; this key belongs in [{elsewhere[0]}]"
        self.problem(section, name, "unknown key" + hint)

    # -- values ---------------------------------------------------------------------------------

    def value(self, key: Key, raw: Any) -> object:
        """The checked value, or ``_BAD`` after recording the problem."""
        problem = _type_problem(key, raw)
        if problem is not None:
            self.problem(key.section, key.name, f"{_show(raw)}: {problem}; "
                         f"expected {key.expected()}")
            return _BAD
        try:
            return self.convert(key, raw)
        except RuntimeError as exc:  # a path "~name" for a user that does not exist
            self.problem(key.section, key.name, f"{_show(raw)}: {exc}; expected {key.expected()}")
            return _BAD

    def convert(self, key: Key, raw: Any) -> Value | Path:
        if key.kind == "float":
            return float(raw)
        if key.kind == "list":
            return tuple(str(item) for item in raw)
        if key.kind == "pin":
            return None if raw == "none" else raw
        if key.kind == "path":
            if not raw:
                return None
            path = Path(str(raw)).expanduser()
            return path if path.is_absolute() else self.base_dir / path
        plain: Value = raw
        return plain


_BAD = object()


def _type_problem(key: Key, raw: Any) -> str | None:
    """Why ``raw`` does not fit ``key``, or ``None`` if it does."""
    kind = key.kind
    if kind == "bool":
        return None if isinstance(raw, bool) else "wrong type"
    if kind in ("int", "float"):
        if isinstance(raw, bool) or not isinstance(raw, int | float):
            return "wrong type"
        if kind == "int" and isinstance(raw, float):
            return "wrong type (a whole number is needed)"
        if isinstance(raw, float) and not math.isfinite(raw):
            return "not a finite number"
        low, high = key.minimum, key.maximum
        number = float(raw)
        if (low is not None and number < low) or (high is not None and number > high):
            return "out of range"
        return None
    if kind == "pin":
        return _pin_problem(raw)
    if kind == "list":
        if not isinstance(raw, list) or not all(isinstance(item, str) for item in raw):
            return "wrong type"
        if len(set(raw)) != len(raw):
            return "an entry is repeated"
        for item in raw:
            if (key.choices is not None and item not in key.choices) or not key.matches(item):
                return f"{item!r} is not allowed"
        return None
    if not isinstance(raw, str):
        return "wrong type"
    if key.choices is not None and raw not in key.choices:
        return "not an allowed value"
    if not key.matches(raw):
        return "wrong form"
    return None


def _pin_problem(raw: Any) -> str | None:
    if isinstance(raw, bool) or not isinstance(raw, int | str):
        return "wrong type"
    if isinstance(raw, str) and raw != "none" and not _PIN_NAME.fullmatch(raw):
        return "not a pin name"
    if raw == "none":
        return None
    try:
        PinSpec(raw)
    except DriverConfigError:
        return "not a pin"
    return None


def _show(raw: Any) -> str:
    if isinstance(raw, bool):
        return "true" if raw else "false"
    if isinstance(raw, dict):
        return "a table"
    text = repr(raw)
    return text if len(text) <= 40 else text[:37] + "..."


def _suggest(name: str, candidates: Any, left: str, right: str) -> str:
    close = difflib.get_close_matches(name, list(candidates), n=1, cutoff=0.6)
    return f"; did you mean {left}{close[0]}{right}?" if close else ""


# -- rules across keys ----------------------------------------------------------------------------


def _cross_checks(checker: _Checker, values: dict[str, dict[str, Any]]) -> None:
    kiosk, reader, printer = values["kiosk"], values["reader"], values["printer"]
    if kiosk.get("operations") == ():
        checker.problem("kiosk", "operations", "empty; expected at least one operation")
    if "spec" in reader:
        try:
            parse_reader_spec(reader["spec"])
        except DriverUnavailable as exc:
            checker.problem("reader", "spec", str(exc))
    spec = printer.get("spec")
    if spec is not None and spec != "none":
        try:
            parse_printer_spec(spec)
        except DriverConfigError as exc:
            checker.problem("printer", "spec", str(exc))
    bind = values["web"].get("bind")
    if bind is not None:
        try:
            ipaddress.ip_address(bind)
        except ValueError:
            checker.problem("web", "bind", f"{bind!r} is not an IP address; expected e.g. "
                            "'127.0.0.1' (local screen only) or '0.0.0.0'")
    if values["journal"].get("path", Path()) is None:
        checker.problem("journal", "path", "empty; expected the journal database file")
    _check_gpio(checker, values["gpio"])
    _check_mqtt(checker, values["mqtt"])


def _check_gpio(checker: _Checker, gpio: dict[str, Any]) -> None:
    names = [key.name for key in keys_of("gpio")]
    if any(name not in gpio for name in names):
        return  # a bad value was already reported
    try:
        GpioSection(**gpio).to_gpio_config()
    except DriverConfigError as exc:
        match = re.search(r"gpio (\w+)", str(exc))
        key = match.group(1) if match and match.group(1) in names else None
        checker.problem("gpio", key, str(exc))


def _check_mqtt(checker: _Checker, mqtt: dict[str, Any]) -> None:
    if mqtt.get("host") and mqtt.get("tls"):
        for name in _TLS_FILES:
            if name in mqtt and mqtt[name] is None:
                checker.problem("mqtt", name, "missing; a TLS broker needs cafile, certfile and "
                                "keyfile (see docs/operations.md, 'Kiosk certificates')")
    for name in _TLS_FILES:
        path = mqtt.get(name)
        if path is None:
            continue
        try:
            info = path.stat()
        except OSError as exc:
            checker.problem("mqtt", name, f"{path}: {exc.strerror or exc}; expected a readable "
                            "PEM file")
            continue
        if not stat.S_ISREG(info.st_mode):
            checker.problem("mqtt", name, f"{path}: not a regular file")
        elif name == "keyfile" and info.st_mode & 0o077:
            checker.problem(
                "mqtt", name,
                f"{path}: private key is readable by group or others "
                f"(mode {stat.S_IMODE(info.st_mode):04o}); fix with: chmod 600 {path}",
            )


# -- entry points ---------------------------------------------------------------------------------


def check_text(
    text: str, *, file: str = "<config>", base_dir: Path | None = None
) -> tuple[KioskConfig | None, list[ConfigProblem]]:
    """Validate TOML ``text``: the config if it is usable, and every problem found."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        match = _TOML_LINE.search(message)
        line = int(match.group(1)) if match else 1
        message = _TOML_LINE.sub("", message)
        return None, [ConfigProblem(file, line, "", f"not valid TOML: {message}")]
    checker = _Checker(file, locate(text), base_dir or Path.cwd())
    values = checker.sections(data)
    _cross_checks(checker, values)
    if checker.problems:
        return None, sorted(checker.problems, key=lambda problem: problem.line)
    sections = {name: _SECTION_TYPES[name](**values[name]) for name in SECTIONS}
    return KioskConfig(**sections, source=None), []


def check_config(path: str | os.PathLike[str]) -> tuple[KioskConfig | None, list[ConfigProblem]]:
    """Validate the file at ``path`` (relative paths inside are taken from its directory)."""
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        return None, [ConfigProblem(str(file), 1, "", f"not UTF-8 text ({exc.reason} at byte "
                                    f"{exc.start})")]
    except OSError as exc:
        return None, [ConfigProblem(str(file), 1, "", f"cannot read: {exc.strerror or exc}")]
    config, problems = check_text(text, file=str(file), base_dir=file.resolve().parent)
    if config is None:
        return None, problems
    return _with_source(config, file), []


def _with_source(config: KioskConfig, file: Path) -> KioskConfig:
    sections = {name: getattr(config, name) for name in SECTIONS}
    return KioskConfig(**sections, source=file)


def _raise(problems: list[ConfigProblem]) -> ConfigError:
    more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
    return ConfigError(f"{problems[0]}{more}")


def load_config(path: str | os.PathLike[str]) -> KioskConfig:
    """The configuration in ``path``; :class:`ConfigError` names the first problem."""
    config, problems = check_config(path)
    if config is None:
        raise _raise(problems)
    return config


def parse_config(text: str, *, file: str = "<config>", base_dir: Path | None = None) -> KioskConfig:
    """The configuration in ``text`` (tests, and ``kiosk demo`` building one in memory)."""
    config, problems = check_text(text, file=file, base_dir=base_dir)
    if config is None:
        raise _raise(problems)
    return config
