"""Check-character schemes for DB4401 barcodes: vectors, definitions, pluggability."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kiosk.errors import BarcodeError, ConfigError
from kiosk.gz.checkdigit import (
    CHECK_DIGIT_SCHEMES,
    DEFAULT_CHECK,
    CheckDigitScheme,
    gs1_check_digit,
    luhn_check_digit,
    mod11_check_digit,
    resolve_scheme,
)

payloads = st.text(alphabet="0123456789", min_size=1, max_size=30)


def luhn_valid(number: str) -> bool:
    """Textbook Luhn validation of a full number (check digit included), written independently."""
    total = 0
    for position, ch in enumerate(reversed(number), start=1):
        value = int(ch) * (2 if position % 2 == 0 else 1)
        total += value // 10 + value % 10
    return total % 10 == 0


def mod11_2_valid(number: str) -> bool:
    """ISO/IEC 7064 MOD 11-2 definition: sum of a_i * 2^(i-1), i from the right, is 1 mod 11."""
    values = [10 if ch == "X" else int(ch) for ch in number]
    return sum(v * pow(2, i, 11) for i, v in enumerate(reversed(values))) % 11 == 1


@pytest.mark.parametrize(
    ("payload", "check"),
    [
        ("3023400051786", "1"),  # reference §5 (14-digit library barcode example)
        ("7992739871", "3"),  # the classic Luhn example 79927398713
        ("0000000000000", "0"),
        ("0001100000001", "5"),
    ],
)
def test_luhn_vectors(payload: str, check: str) -> None:
    assert luhn_check_digit(payload) == check
    assert luhn_valid(payload + check)


@pytest.mark.parametrize(
    ("payload", "check"), [("400638133393", "1"), ("978030640615", "7")]
)
def test_gs1_vectors(payload: str, check: str) -> None:
    assert gs1_check_digit(payload) == check


@pytest.mark.parametrize(
    ("payload", "check"),
    [("000000021825009", "7"), ("000000021694233", "X"), ("000000015109370", "0")],
)
def test_mod11_vectors(payload: str, check: str) -> None:
    assert mod11_check_digit(payload) == check
    assert mod11_2_valid(payload + check)


@given(payloads)
def test_luhn_matches_textbook_validation(payload: str) -> None:
    assert luhn_valid(payload + luhn_check_digit(payload))


@given(payloads)
def test_mod11_matches_iso7064_definition(payload: str) -> None:
    assert mod11_2_valid(payload + mod11_check_digit(payload))


@given(payloads, st.data())
def test_luhn_catches_every_single_digit_substitution(payload: str, data: st.DataObject) -> None:
    index = data.draw(st.integers(0, len(payload) - 1))
    new = data.draw(st.sampled_from([d for d in "0123456789" if d != payload[index]]))
    changed = payload[:index] + new + payload[index + 1 :]
    assert luhn_check_digit(changed) != luhn_check_digit(payload)


@pytest.mark.parametrize("compute", [luhn_check_digit, gs1_check_digit, mod11_check_digit])
@pytest.mark.parametrize(
    ("payload", "position"), [("12a4", "position 3"), ("١٢", "position 1"), ("12 ", "position 3")]
)
def test_non_digit_payload_is_refused_with_position(compute, payload: str, position: str) -> None:
    with pytest.raises(BarcodeError, match=position):
        compute(payload)


@pytest.mark.parametrize("compute", [luhn_check_digit, gs1_check_digit, mod11_check_digit])
def test_empty_payload_is_refused(compute) -> None:
    with pytest.raises(BarcodeError, match="empty"):
        compute("")


def test_registry_names_and_default() -> None:
    assert set(CHECK_DIGIT_SCHEMES) == {"luhn", "gs1", "mod11", "unchecked", "none"}
    assert DEFAULT_CHECK == "luhn"
    assert CHECK_DIGIT_SCHEMES["none"].width == 0
    assert all(CHECK_DIGIT_SCHEMES[name].width == 1 for name in ("luhn", "gs1", "mod11"))


def test_verify_says_true_false_or_cannot_tell() -> None:
    assert CHECK_DIGIT_SCHEMES["luhn"].verify("3023400051786", "1") is True
    assert CHECK_DIGIT_SCHEMES["luhn"].verify("3023400051786", "2") is False
    assert CHECK_DIGIT_SCHEMES["unchecked"].verify("3023400051786", "2") is None
    assert CHECK_DIGIT_SCHEMES["none"].verify("3023400051786", "") is None


def test_resolve_scheme_by_name_or_object() -> None:
    assert resolve_scheme("mod11") is CHECK_DIGIT_SCHEMES["mod11"]
    custom = CheckDigitScheme("always7", "test scheme", 1, lambda payload: "7")
    assert resolve_scheme(custom) is custom


@pytest.mark.parametrize("name", ["LUHN", "crc", "", None])
def test_unknown_scheme_is_a_config_error_listing_the_known(name) -> None:
    with pytest.raises(ConfigError, match="expected one of: luhn, gs1, mod11"):
        resolve_scheme(name)
