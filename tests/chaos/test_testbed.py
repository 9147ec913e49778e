"""The testbed pieces the commands rely on: binaries found, central's audit, clear failures."""

from __future__ import annotations

from pathlib import Path

import pytest

from kiosk.errors import KioskError
from kiosk.testbed import Pki, TestbedUnavailable, mosquitto_path, openssl_path
from kiosk.testbed.chaos import audit_order


def test_programs_are_found() -> None:
    assert Path(mosquitto_path()).name == "mosquitto"
    assert Path(openssl_path()).name == "openssl"


def test_unavailable_is_a_kiosk_error_for_the_cli() -> None:
    assert issubclass(TestbedUnavailable, KioskError)
    assert issubclass(TestbedUnavailable, RuntimeError)


def test_client_certificate_names_are_checked(tmp_path: Path) -> None:
    pki = Pki.create(tmp_path / "pki")
    files = pki.client("k-1")
    assert files.cert.read_text().startswith("-----BEGIN CERTIFICATE-----")
    with pytest.raises(ValueError, match="certificate name"):
        pki.client("a/b")


def test_audit_counts_repeats_and_order_per_kiosk() -> None:
    log = [("a:1", "a", 1), ("b:1", "b", 1), ("a:3", "a", 3), ("a:2", "a", 2), ("a:3", "a", 3)]
    assert audit_order(log) == (1, 1)
    assert audit_order([("a:1", "a", 1), ("a:2", "a", 2), ("b:5", "b", 5)]) == (0, 0)
