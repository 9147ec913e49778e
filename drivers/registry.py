"""Readers chosen by name: ``open_reader("virtual:tags.json")``, ``open_reader("feig:URL")``.

A reader spec is ``NAME`` or ``NAME:ARGUMENT``. The table maps each name to a factory that is
imported only when used, so a missing optional library fails with :class:`DriverUnavailable` for
that reader alone. FEIG specs take the pyserial URL and optional settings after ``?``::

    feig:/dev/ttyUSB0                       38400 8E1, bus address 0xFF (any reader)
    feig:/dev/serial/by-id/usb-FTDI…?baud=19200&parity=N&address=3
    feig:socket://192.168.1.20:10001        FEIG LAN reader
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from urllib.parse import parse_qsl

from drivers.errors import DriverConfigError, DriverUnavailable
from drivers.reader import Reader

__all__ = ["READERS", "open_reader", "parse_reader_spec"]


def _virtual(argument: str) -> Reader:
    module = importlib.import_module("drivers.virtual.reader")
    spec = f"virtual:{argument}" if argument else "virtual"
    reader: Reader = module.VirtualReader.from_spec(spec)
    return reader


_FEIG_OPTIONS = ("baud", "parity", "address", "timeout", "idle")


def _feig(argument: str) -> Reader:
    feig = importlib.import_module("drivers.feig")
    url, _, query = argument.partition("?")
    if not url:
        raise DriverConfigError("reader spec 'feig:': expected a serial port or socket:// URL")
    options = dict(parse_qsl(query, keep_blank_values=True, strict_parsing=False))
    unknown = sorted(set(options) - set(_FEIG_OPTIONS))
    if unknown:
        raise DriverConfigError(
            f"reader spec feig:{argument}: unknown option {unknown[0]!r}; "
            f"expected {', '.join(_FEIG_OPTIONS)}"
        )
    try:
        settings = feig.SerialSettings(
            baudrate=int(options.get("baud", "38400")),
            parity=options.get("parity", "E").upper(),
            idle=float(options["idle"]) if "idle" in options else None,
        )
        address = int(options.get("address", "255"), 0)
        timeout = float(options.get("timeout", "1.0"))
    except ValueError as exc:
        raise DriverConfigError(f"reader spec feig:{argument}: {exc}") from None
    if not 0 <= address <= 255:
        raise DriverConfigError(f"reader spec feig:{argument}: address must be 0–255")
    reader: Reader = feig.FeigReader(url, settings=settings, address=address, timeout=timeout)
    return reader


READERS: dict[str, Callable[[str], Reader]] = {
    "virtual": _virtual,
    "feig": _feig,
}


def parse_reader_spec(spec: str) -> tuple[str, str]:
    """Split ``NAME:ARGUMENT``; refuse unknown names with the list of known ones."""
    name, _, argument = spec.partition(":")
    if name not in READERS:
        raise DriverUnavailable(
            f"reader spec {spec!r}: unknown reader {name!r}; expected one of "
            + ", ".join(f"{known}:…" for known in READERS)
        )
    return name, argument


def open_reader(spec: str) -> Reader:
    """Build the reader named by ``spec`` (not yet opened: the first operation opens it)."""
    name, argument = parse_reader_spec(spec)
    return READERS[name](argument)
