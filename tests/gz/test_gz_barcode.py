"""Annex C barcodes: shape errors with positions, categories, check digits, conversions."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kiosk.errors import BarcodeError, ConfigError
from kiosk.gz.barcode import (
    Barcode,
    Category,
    barcode_to_pii,
    is_disc_package,
    make_barcode,
    parse_barcode,
    pii_to_barcode,
)
from kiosk.gz.checkdigit import CHECK_DIGIT_SCHEMES, CheckDigitScheme
from kiosk.gz.libraries import DEFAULT_LIBRARIES, LibraryTable

GOOD = "00011000000015"  # Guangzhou Library (placeholder 0001), Chinese material, Luhn check 5
REAL_TABLE = LibraryTable.from_mapping({"0001": {"zh": "广州图书馆", "en": "Guangzhou Library"}})


def test_parse_good_barcode() -> None:
    barcode = parse_barcode(GOOD)
    assert barcode == Barcode(
        code=GOOD,
        library_code="0001",
        serial="100000001",
        check_digit="5",
        category=Category.CHINESE,
        library=DEFAULT_LIBRARIES["0001"],
        scheme="luhn",
        check_ok=True,
        problems=(),
        notes=(),
    )
    assert barcode.valid
    assert barcode.pii == "0001100000001"
    assert barcode.isil == "CN-440100-1-0001"
    assert barcode.library_name == "广州图书馆 / Guangzhou Library"
    assert not barcode.is_disc_package


def test_as_dict_has_what_the_cli_prints() -> None:
    document = parse_barcode(GOOD).as_dict()
    assert document == {
        "valid": True,
        "library_code": "0001",
        "library": "广州图书馆 / Guangzhou Library",
        "serial": "100000001",
        "category": "chinese",
        "check_digit": "5",
        "isil": "CN-440100-1-0001",
        "problems": [],
        "notes": [],
    }


@pytest.mark.parametrize(
    ("digit", "category", "valid"),
    [
        ("0", Category.PATRON_CARD, True),
        ("1", Category.CHINESE, True),
        ("2", Category.RESERVED, False),
        ("3", Category.RESERVED, False),
        ("4", Category.PERIODICAL, True),
        ("5", Category.RESERVED, False),
        ("6", Category.RESERVED, False),
        ("7", Category.FOREIGN, True),
        ("8", Category.NON_BOOK, True),
        ("9", Category.RESERVED, False),
    ],
)
def test_each_category(digit: str, category: Category, valid: bool) -> None:
    barcode = parse_barcode(make_barcode("0002", digit + "00000123"))
    assert barcode.category is category
    assert barcode.check_ok is True
    assert barcode.valid is valid
    if not valid:
        assert barcode.problems == (f"serial starts with {digit}, a category Annex C reserves",)


def test_bad_check_digit_is_invalid_not_an_exception() -> None:
    barcode = parse_barcode("00011000000010")
    assert barcode.valid is False
    assert barcode.check_ok is False
    assert barcode.problems == ("check character is '0' but the luhn scheme gives '5'",)


def test_a_code39_letter_as_check_character_is_a_wrong_check_not_a_shape_error() -> None:
    barcode = parse_barcode("0001100000001X")
    assert barcode.check_digit == "X"
    assert barcode.valid is False


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("0001a000000015", r"position 5 holds 'a' \(U\+0061\), which Code 39 cannot carry"),
        ("00011000000015\n", r"position 15 holds '\\n' \(U\+000A\)"),
        ("*00011000000015*", r"position 1 holds '\*'"),
        ("0001١00000015", r"position 5 holds '١' \(U\+0661\)"),
        ("0001_000000015", "position 5 holds '_'"),
        ("0001A000000015", r"position 5 holds 'A' \(U\+0041\); .* here the serial"),
        ("00-11000000015", "position 3 holds '-'.* here the library code"),
        ("0001 000000015", "position 5 holds ' '"),
        ("0001100000001", "has 13 characters; expected 14 characters"),
        ("000110000000155", "has 15 characters; expected 14"),
        ("", "empty"),
    ],
)
def test_malformed_barcodes_raise_with_position(code: str, message: str) -> None:
    with pytest.raises(BarcodeError, match=message):
        parse_barcode(code)


def test_non_text_barcode_is_refused() -> None:
    with pytest.raises(BarcodeError, match="expected text, got int"):
        parse_barcode(11000000015)  # type: ignore[arg-type]


def test_unknown_library_is_a_note_with_the_placeholder_table() -> None:
    barcode = parse_barcode(make_barcode("9999", "100000001"))
    assert barcode.valid
    assert barcode.library is None
    assert barcode.library_name is None
    assert barcode.as_dict()["library"] is None
    assert barcode.notes and "PLACEHOLDER" in barcode.notes[0]


def test_unknown_library_is_a_problem_with_a_configured_table() -> None:
    barcode = parse_barcode(make_barcode("0002", "100000001"), libraries=REAL_TABLE)
    assert not barcode.valid
    assert barcode.problems == ("library code 0002 is not in the library table (Table C.1)",)
    assert parse_barcode(GOOD, libraries=REAL_TABLE).valid


@pytest.mark.parametrize("scheme", ["luhn", "gs1", "mod11"])
def test_schemes_are_pluggable(scheme: str) -> None:
    code = make_barcode("0003", "400000017", check=scheme)
    assert parse_barcode(code, check=scheme).check_ok is True
    others = [name for name in ("luhn", "gs1", "mod11") if name != scheme]
    # The same payload generally gets different check characters under different schemes.
    assert any(make_barcode("0003", "400000017", check=o) != code for o in others)


def test_mod11_can_end_in_x() -> None:
    serial = next(f"1{n:08d}" for n in range(1000)
                  if make_barcode("0001", f"1{n:08d}", check="mod11").endswith("X"))
    code = make_barcode("0001", serial, check="mod11")
    assert parse_barcode(code, check="mod11").valid


def test_custom_scheme_object() -> None:
    always7 = CheckDigitScheme("always7", "test", 1, lambda payload: "7")
    assert make_barcode("0001", "100000001", check=always7) == "00011000000017"
    assert parse_barcode("00011000000017", check=always7).scheme == "always7"


def test_scheme_none_means_thirteen_characters() -> None:
    assert make_barcode("0001", "100000001", check="none") == "0001100000001"
    barcode = parse_barcode("0001100000001", check="none")
    assert (barcode.valid, barcode.check_digit, barcode.check_ok) == (True, "", None)
    assert barcode.as_dict()["check_digit"] is None
    with pytest.raises(BarcodeError, match="expected 13 characters"):
        parse_barcode(GOOD, check="none")
    assert pii_to_barcode("0001100000001", check="none") == "0001100000001"


def test_scheme_unchecked_carries_but_cannot_make() -> None:
    barcode = parse_barcode("00011000000010", check="unchecked")
    assert (barcode.valid, barcode.check_ok, barcode.check_digit) == (True, None, "0")
    with pytest.raises(BarcodeError, match="cannot compute"):
        make_barcode("0001", "100000001", check="unchecked")
    assert barcode_to_pii("00011000000010", check="unchecked") == "0001100000001"


def test_unknown_scheme_name_is_a_config_error() -> None:
    with pytest.raises(ConfigError):
        parse_barcode(GOOD, check="crc32")


@pytest.mark.parametrize(
    ("library_code", "serial", "message"),
    [
        ("001", "100000001", "library code '001'"),
        ("000a", "100000001", "library code '000a'"),
        ("0001", "10000001", "serial '10000001'"),
        ("0001", "1000000011", "serial '1000000011'"),
        ("0001", "10000000x", "serial '10000000x'"),
        ("0001", "١٠٠٠٠٠٠٠١", "serial"),
        (1, "100000001", "library code 1"),
    ],
)
def test_make_barcode_refuses_bad_parts(library_code, serial, message: str) -> None:
    with pytest.raises(BarcodeError, match=message):
        make_barcode(library_code, serial)


def test_pii_conversions() -> None:
    assert barcode_to_pii(GOOD) == "0001100000001"
    assert pii_to_barcode("0001100000001") == GOOD
    assert barcode_to_pii("30234000517861", check="luhn") == "3023400051786"  # reference §5


def test_barcode_to_pii_refuses_a_wrong_check_character() -> None:
    with pytest.raises(BarcodeError, match="check character is '0' but the luhn scheme gives '5'"):
        barcode_to_pii("00011000000010")


@pytest.mark.parametrize("pii", ["000110000000", "00011000000015", "0001A00000001", "", None])
def test_pii_to_barcode_refuses_non_pii(pii) -> None:
    with pytest.raises(BarcodeError, match="expected 13 digits"):
        pii_to_barcode(pii)


@pytest.mark.parametrize(
    ("pii", "expected"),
    [
        ("0001890000001", True),  # lowest package number
        ("0001899999999", True),  # highest
        ("0001890000000", False),  # all-zero serial part
        ("0001880000001", False),  # not the 89 range
        ("0001800000001", False),
        ("00018900000015", False),  # a barcode (with check digit), not a PII
        ("000189000001", False),
        ("0001٨٩0000001", False),
        ("", False),
        (None, False),
    ],
)
def test_is_disc_package_bounds(pii, expected: bool) -> None:
    assert is_disc_package(pii) is expected


def test_barcode_of_a_package_knows_it() -> None:
    assert parse_barcode(make_barcode("0001", "890000001")).is_disc_package


library_codes = st.text(alphabet="0123456789", min_size=4, max_size=4)
serials = st.text(alphabet="0123456789", min_size=9, max_size=9)


@given(library_codes, serials, st.sampled_from(["luhn", "gs1", "mod11", "none"]))
def test_make_then_parse_round_trip(library_code: str, serial: str, scheme: str) -> None:
    code = make_barcode(library_code, serial, check=scheme)
    barcode = parse_barcode(code, check=scheme)
    assert (barcode.library_code, barcode.serial) == (library_code, serial)
    assert barcode.check_ok is (None if scheme == "none" else True)
    assert barcode.pii == library_code + serial
    assert pii_to_barcode(barcode.pii, check=scheme) == code
    assert barcode_to_pii(code, check=scheme) == barcode.pii
    expect_valid = barcode.category is not Category.RESERVED
    assert barcode.valid is expect_valid
    assert (barcode.library is not None) is (library_code in DEFAULT_LIBRARIES)


@given(library_codes, serials, st.data())
def test_any_single_digit_error_makes_a_luhn_barcode_invalid(
    library_code: str, serial: str, data: st.DataObject
) -> None:
    code = make_barcode(library_code, serial)
    index = data.draw(st.integers(0, 13))
    new = data.draw(st.sampled_from([d for d in "0123456789" if d != code[index]]))
    assert parse_barcode(code[:index] + new + code[index + 1 :]).check_ok is False


@given(st.text(max_size=20))
def test_parse_never_raises_anything_but_barcode_error(text: str) -> None:
    try:
        barcode = parse_barcode(text)
    except BarcodeError:
        return
    assert len(barcode.code) == 14


def test_schemes_registry_is_read_only() -> None:
    with pytest.raises(TypeError):
        CHECK_DIGIT_SCHEMES["x"] = CHECK_DIGIT_SCHEMES["luhn"]  # type: ignore[index]
