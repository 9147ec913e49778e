"""Printer connection spec strings, parsed into a :class:`PrinterSpec` (pure).

==========================================  ===============================================
spec                                        connection
==========================================  ===============================================
``dummy``                                   in-memory (tests, demo): bytes are kept
``file:/dev/usb/lp0``                       kernel usblp device (simplest on a Pi)
``serial:/dev/ttyUSB1?baud=19200``          serial port (default 9600 baud)
``usb:04b8:0e15``                           libusb, vendor:product in hex
                                            (``?in_ep=0x81&out_ep=0x03`` when not 0x82/0x01)
``network:192.0.2.7`` / ``network:host:9100``  raw TCP (default port 9100), ``[v6]:port``
==========================================  ===============================================

Every kind accepts ``timeout`` (seconds, for writes and status reads) and ``profile`` (a
python-escpos printer profile such as ``TM-T88III``), e.g. ``network:10.0.0.5?timeout=2``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from drivers.errors import DriverConfigError

__all__ = ["PrinterKind", "PrinterSpec", "format_printer_spec", "parse_printer_spec"]

PrinterKind = Literal["dummy", "file", "serial", "usb", "network"]

_KINDS = ("dummy", "file", "serial", "usb", "network")
_PARAMS: dict[str, tuple[str, ...]] = {
    "dummy": ("timeout", "profile"),
    "file": ("timeout", "profile"),
    "serial": ("baud", "timeout", "profile"),
    "usb": ("in_ep", "out_ep", "timeout", "profile"),
    "network": ("timeout", "profile"),
}
_USB_ID = re.compile(r"([0-9A-Fa-f]{1,4}):([0-9A-Fa-f]{1,4})")
_HOST = re.compile(r"[A-Za-z0-9.\-_]+|\[[0-9A-Fa-f:.]+\]")
_PROFILE = re.compile(r"[A-Za-z0-9._\-]{1,64}")


@dataclass(frozen=True, slots=True)
class PrinterSpec:
    """A parsed printer connection; fields that do not apply to ``kind`` stay ``None``."""

    kind: PrinterKind
    target: str = ""  # file or serial device path, or network host ("::1" without brackets)
    port: int | None = None
    vendor_id: int | None = None
    product_id: int | None = None
    in_ep: int | None = None
    out_ep: int | None = None
    baudrate: int | None = None
    timeout_s: float | None = None
    profile: str | None = None


def _fail(spec: str, why: str) -> DriverConfigError:
    return DriverConfigError(f"printer spec {spec!r}: {why}")


def parse_printer_spec(text: str) -> PrinterSpec:
    """Parse a spec string (see the module table); errors say what was expected."""
    if not isinstance(text, str):
        raise DriverConfigError(f"printer spec must be a string, got {type(text).__name__}")
    stripped = text.strip()
    kind = re.split(r"[:?]", stripped, maxsplit=1)[0]
    rest = stripped[len(kind) :]
    colon = rest.startswith(":")
    rest = rest[1:] if colon else rest
    if kind not in _KINDS:
        raise _fail(text, f"unknown kind {kind!r}; expected one of {', '.join(_KINDS)}")
    body, _, query = rest.partition("?")
    params = _parse_query(text, query, _PARAMS[kind])
    raw_timeout = params.get("timeout")
    timeout = None if raw_timeout is None else _float(text, "timeout", raw_timeout, 0.001, 3600.0)
    profile = _profile(text, params.get("profile"))
    if kind == "dummy":
        if colon:
            raise _fail(text, "'dummy' takes no target")
        return PrinterSpec("dummy", timeout_s=timeout, profile=profile)
    if kind in ("file", "serial"):
        if not body:
            raise _fail(text, f"expected {kind}:<device path>")
        if kind == "file":
            return PrinterSpec("file", body, timeout_s=timeout, profile=profile)
        baud = _int(text, "baud", params.get("baud", "9600"), 50, 4_000_000)
        return PrinterSpec("serial", body, baudrate=baud, timeout_s=timeout, profile=profile)
    if kind == "usb":
        match = _USB_ID.fullmatch(body)
        if match is None:
            raise _fail(text, "expected usb:<vendor id>:<product id> in hex, e.g. usb:04b8:0e15")
        in_ep, out_ep = (
            None if (raw := params.get(key)) is None else _int(text, key, raw, 0, 0xFF, base=0)
            for key in ("in_ep", "out_ep")
        )
        return PrinterSpec(
            "usb",
            vendor_id=int(match.group(1), 16),
            product_id=int(match.group(2), 16),
            in_ep=in_ep,
            out_ep=out_ep,
            timeout_s=timeout,
            profile=profile,
        )
    host, port = _host_port(text, body)
    return PrinterSpec("network", host, port=port, timeout_s=timeout, profile=profile)


def format_printer_spec(spec: PrinterSpec) -> str:
    """The spec string for ``spec`` (``parse_printer_spec`` gives it back)."""
    params: list[tuple[str, str]] = []
    if spec.kind == "dummy":
        head = "dummy"
    elif spec.kind in ("file", "serial"):
        head = f"{spec.kind}:{spec.target}"
        if spec.kind == "serial" and spec.baudrate not in (None, 9600):
            params.append(("baud", str(spec.baudrate)))
    elif spec.kind == "usb":
        head = f"usb:{spec.vendor_id or 0:04x}:{spec.product_id or 0:04x}"
        params += [(k, f"0x{v:02x}") for k, v in (("in_ep", spec.in_ep), ("out_ep", spec.out_ep))
                   if v is not None]
    else:
        host = f"[{spec.target}]" if ":" in spec.target else spec.target
        head = f"network:{host}" if spec.port is None else f"network:{host}:{spec.port}"
    if spec.timeout_s is not None:
        params.append(("timeout", repr(spec.timeout_s)))
    if spec.profile is not None:
        params.append(("profile", spec.profile))
    return head + ("?" + "&".join(f"{k}={v}" for k, v in params) if params else "")


def _parse_query(spec: str, query: str, allowed: tuple[str, ...]) -> dict[str, str]:
    params: dict[str, str] = {}
    if not query:
        return params
    for item in query.split("&"):
        key, eq, value = item.partition("=")
        if not eq or not value:
            raise _fail(spec, f"parameter {item!r} is not key=value")
        if key not in allowed:
            raise _fail(spec, f"unknown parameter {key!r}; allowed: {', '.join(allowed)}")
        if key in params:
            raise _fail(spec, f"parameter {key!r} given twice")
        params[key] = value
    return params


def _int(spec: str, key: str, raw: str, low: int, high: int, *, base: int = 10) -> int:
    try:
        value = int(raw, base)
    except ValueError:
        raise _fail(spec, f"{key}={raw!r} is not an integer") from None
    if not low <= value <= high:
        raise _fail(spec, f"{key}={raw!r} is outside {low}..{high}")
    return value


def _float(spec: str, key: str, raw: str, low: float, high: float) -> float:
    try:
        value = float(raw)
    except ValueError:
        raise _fail(spec, f"{key}={raw!r} is not a number") from None
    if not low <= value <= high:  # also rejects nan
        raise _fail(spec, f"{key}={raw!r} is outside {low:g}..{high:g}")
    return value


def _profile(spec: str, raw: str | None) -> str | None:
    if raw is not None and not _PROFILE.fullmatch(raw):
        raise _fail(spec, f"profile={raw!r} is not a printer profile name")
    return raw


def _host_port(spec: str, body: str) -> tuple[str, int | None]:
    """``host``, ``host:port``, ``[v6]`` or ``[v6]:port``; the host is returned bare."""
    if body.startswith("["):
        inside, bracket, tail = body[1:].partition("]")
        host, shown = inside, f"[{inside}]"
        if not bracket or (tail and not tail.startswith(":")):
            raise _fail(spec, "expected network:[<ipv6 address>]:<port>")
        port_text = tail[1:] if tail else None
    else:
        host, colon, port_part = body.partition(":")
        shown, port_text = host, (port_part if colon else None)
    if not _HOST.fullmatch(shown):
        raise _fail(spec, "expected network:<host>[:<port>]")
    port = None if port_text is None else _int(spec, "port", port_text, 1, 65535)
    return host, port
