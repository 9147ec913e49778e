"""Tag security written and verified on the virtual pad, with its faults."""

from __future__ import annotations

import pytest

from drivers.virtual import VirtualPad, VirtualReader, VirtualTag, make_uid
from kiosk.security import (
    SecurityMode,
    SecurityResult,
    apply_security,
    security_state,
)

UID = make_uid("slix", 7)


def _reader(chip: str = "slix", **tag: object) -> tuple[VirtualReader, VirtualPad]:
    uid = UID if chip == "slix" else make_uid(chip, 7)
    pad = VirtualPad([VirtualTag(chip, uid, **tag)])  # type: ignore[arg-type]
    return VirtualReader(pad, sleep=lambda _: None), pad


@pytest.mark.parametrize("mode", list(SecurityMode))
@pytest.mark.parametrize("secured", [True, False])
def test_each_mode_writes_and_verifies(mode: SecurityMode, secured: bool) -> None:
    reader, _ = _reader(afi=0x00 if secured else 0x07, eas=not secured)
    outcome = apply_security(reader, UID, secured=secured, mode=mode)
    assert outcome.ok and outcome.attempts == 1
    assert outcome.result is (SecurityResult.SECURED if secured else SecurityResult.UNSECURED)
    afi, eas = security_state(reader, UID, mode)
    if mode.uses_afi:
        assert afi is secured
    else:
        assert afi is None
    if mode.uses_eas:
        assert eas is secured
    else:
        assert eas is None


def test_a_write_that_does_not_stick_is_retried_then_reported() -> None:
    reader, pad = _reader(afi=0x07, eas=True)
    pad.lose_writes(UID, "afi", n=5)
    outcome = apply_security(reader, UID, secured=False, mode=SecurityMode.AFI, attempts=3)
    assert outcome.result is SecurityResult.FAILED and outcome.attempts == 3
    assert "AFI reads back 0x07" in outcome.detail


def test_a_lost_write_recovers_on_retry() -> None:
    reader, pad = _reader(afi=0x07, eas=True)
    pad.lose_writes(UID, "eas", n=1)
    outcome = apply_security(reader, UID, secured=False, mode=SecurityMode.BOTH)
    assert outcome.result is SecurityResult.UNSECURED and outcome.attempts == 2


def test_a_tag_lifted_mid_write_is_reported_as_gone() -> None:
    reader, pad = _reader(afi=0x07, eas=True)
    pad.remove_after(UID, commands=1)
    outcome = apply_security(reader, UID, secured=False, mode=SecurityMode.BOTH)
    assert outcome.result is SecurityResult.TAG_GONE


def test_a_locked_afi_fails_after_bounded_attempts() -> None:
    reader, _ = _reader(afi=0x07, locked_afi=True)
    outcome = apply_security(reader, UID, secured=False, mode=SecurityMode.AFI, attempts=2)
    assert outcome.result is SecurityResult.FAILED and outcome.attempts == 2
    assert "locked" in outcome.detail


def test_a_chip_without_nxp_eas_fails_instead_of_looking_gone() -> None:
    reader, _ = _reader("mb89r118", afi=0x07)
    uid = make_uid("mb89r118", 7)
    outcome = apply_security(reader, uid, secured=False, mode=SecurityMode.EAS)
    assert outcome.result is SecurityResult.FAILED
    assert "does not support" in outcome.detail
