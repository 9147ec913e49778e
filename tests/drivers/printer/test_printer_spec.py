"""Printer spec strings: the table of accepted forms, precise errors, and round trips."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from drivers.errors import DriverConfigError
from drivers.printer import PrinterSpec, format_printer_spec, parse_printer_spec


@pytest.mark.parametrize(
    ("text", "spec"),
    [
        ("dummy", PrinterSpec("dummy")),
        ("file:/dev/usb/lp0", PrinterSpec("file", "/dev/usb/lp0")),
        ("serial:/dev/ttyUSB1", PrinterSpec("serial", "/dev/ttyUSB1", baudrate=9600)),
        ("serial:/dev/ttyUSB1?baud=19200&timeout=0.5",
         PrinterSpec("serial", "/dev/ttyUSB1", baudrate=19200, timeout_s=0.5)),
        ("usb:04b8:0e15", PrinterSpec("usb", vendor_id=0x04B8, product_id=0x0E15)),
        ("usb:0416:5011?in_ep=0x81&out_ep=3",
         PrinterSpec("usb", vendor_id=0x0416, product_id=0x5011, in_ep=0x81, out_ep=3)),
        ("network:printer.lan", PrinterSpec("network", "printer.lan")),
        ("network:192.0.2.7:9101?profile=TM-T88III",
         PrinterSpec("network", "192.0.2.7", port=9101, profile="TM-T88III")),
        ("network:[2001:db8::7]:9100", PrinterSpec("network", "2001:db8::7", port=9100)),
        ("  dummy  ", PrinterSpec("dummy")),
    ],
)
def test_accepted_specs(text: str, spec: PrinterSpec) -> None:
    assert parse_printer_spec(text) == spec


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "printer spec '': unknown kind ''; expected one of dummy, file, serial, usb, network"),
        ("lp:/dev/lp0", "unknown kind 'lp'"),
        ("dummy:x", "'dummy' takes no target"),
        ("file:", "expected file:<device path>"),
        ("serial:?baud=9600", "expected serial:<device path>"),
        ("serial:/dev/ttyS0?baud=fast", "baud='fast' is not an integer"),
        ("serial:/dev/ttyS0?baud=10", "baud='10' is outside 50..4000000"),
        ("usb:04b8", "expected usb:<vendor id>:<product id> in hex"),
        ("usb:04b8:0e15?in_ep=0x100", "in_ep='0x100' is outside 0..255"),
        ("network:", "expected network:<host>[:<port>]"),
        ("network:host:99999", "port='99999' is outside 1..65535"),
        ("network:host:http", "port='http' is not an integer"),
        ("network:[::1", "expected network:[<ipv6 address>]:<port>"),
        ("network:bad host", "expected network:<host>[:<port>]"),
        ("file:/x?timeout=0", "timeout='0' is outside 0.001..3600"),
        ("file:/x?timeout=nan", "timeout='nan' is outside 0.001..3600"),
        ("file:/x?baud=9600", "unknown parameter 'baud'; allowed: timeout, profile"),
        ("file:/x?timeout", "parameter 'timeout' is not key=value"),
        ("file:/x?timeout=1&timeout=2", "parameter 'timeout' given twice"),
        ("dummy?profile=a;b", "profile='a;b' is not a printer profile name"),
    ],
)
def test_rejected_specs_say_what_was_expected(text: str, message: str) -> None:
    with pytest.raises(DriverConfigError, match=re.escape(message)):
        parse_printer_spec(text)


def test_non_string_spec() -> None:
    with pytest.raises(DriverConfigError, match="printer spec must be a string, got int"):
        parse_printer_spec(9100)  # type: ignore[arg-type]


_paths = st.from_regex(r"/[A-Za-z0-9_./-]{1,30}", fullmatch=True)
_timeouts = st.one_of(st.none(), st.floats(min_value=0.001, max_value=3600))
_profiles = st.one_of(st.none(), st.from_regex(r"[A-Za-z0-9._-]{1,20}", fullmatch=True))
_specs = st.one_of(
    st.builds(PrinterSpec, st.just("dummy"), timeout_s=_timeouts, profile=_profiles),
    st.builds(PrinterSpec, st.just("file"), _paths, timeout_s=_timeouts, profile=_profiles),
    st.builds(PrinterSpec, st.just("serial"), _paths,
              baudrate=st.integers(min_value=50, max_value=4_000_000), timeout_s=_timeouts,
              profile=_profiles),
    st.builds(PrinterSpec, st.just("usb"), vendor_id=st.integers(0, 0xFFFF),
              product_id=st.integers(0, 0xFFFF),
              in_ep=st.one_of(st.none(), st.integers(0, 255)),
              out_ep=st.one_of(st.none(), st.integers(0, 255)),
              timeout_s=_timeouts, profile=_profiles),
    st.builds(PrinterSpec, st.just("network"),
              st.one_of(st.from_regex(r"[a-z][a-z0-9.-]{0,20}", fullmatch=True),
                        st.ip_addresses().map(str)),
              port=st.one_of(st.none(), st.integers(1, 65535)), timeout_s=_timeouts,
              profile=_profiles),
)


@given(_specs)
def test_format_then_parse_round_trips(spec: PrinterSpec) -> None:
    assert parse_printer_spec(format_printer_spec(spec)) == spec


@given(st.text(max_size=60))
def test_any_text_parses_or_fails_with_a_config_error(text: str) -> None:
    try:
        spec = parse_printer_spec(text)
    except DriverConfigError:
        return
    assert parse_printer_spec(format_printer_spec(spec)) == spec
