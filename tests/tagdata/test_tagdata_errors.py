"""Every TagDataError the codec raises: the message says what and where (byte offset)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from kiosk.tagdata import (
    Compaction,
    TagDataError,
    compact,
    decode,
    element,
    encode,
    isil_compact,
    media_format_description,
    usage_description,
)


def h(text: str) -> bytes:
    return bytes.fromhex(text.replace("|", " "))


BAD_GTIN = compact("9787111234560", Compaction.INTEGER)  # check digit should be 2
SM_AS_ISIL = isil_compact("SM361001")

# (memory, offset, fragment of the reason)
DECODE_ERRORS: list[tuple[bytes, int, str]] = [
    (h("91 00"), 0, "data set header cut off by the end of memory (2 bytes)"),
    (h("11 05 1C BE 99 1A 14 | 1F"), 7, "data set header cut off"),
    (h("11 80") + bytes(128), 1, "length byte 80 is over 127"),
    (h("11 05 1C BE"), 0, "OID 1 (Primary item identifier) needs 5 bytes of data, memory has 2"),
    (h("91 03 01 0C 00"), 4, "3 pad bytes run past the end of memory"),
    (h("91 01 01 0C 07"), 4, "pad byte is 07, not 00"),
    (h("02 01 80 | 63 01 41 | 11 01 0C"), 6, "OID 1 (Primary item identifier) must be the first"),
    (h("11 01 0C | 63 01 41"), 3, "OID 3 (Owner institution (ISIL)) comes before any content"),
    (h("21 03 12 A4 56"), 3, "numeric value has the invalid digit nibble A"),
    (h("11 01 0C | 02 01 08 | 06 01 41"), 8, "compaction 0 (application-defined) has no meaning"),
    (h("02 01 20 | 65 02 10 11"), 5, "a one-byte code element holds 2 bytes"),
    (h("02 01 20 | 45 01 04"), 5, "'A' is not a one-byte code written as two hex digits"),
    (h("02 01 80 | 03 02 EF 00"), 5, "ISIL value has a shift followed by another switch code"),
    (h("02 01 40 | 14 01 0C"), 3, "OID 4 (Set information): '12' says part 2 of 1"),
    (h("02 02 00 20 | 1D") + bytes([len(BAD_GTIN)]) + BAD_GTIN, 4,
     "GTIN-13 '9787111234560' has check digit 0, expected 2"),
    (h("02 01 80 | 03") + bytes([len(SM_AS_ISIL)]) + SM_AS_ISIL, 3,
     "ISIL 'SM361001' needs a prefix, '-' and an identifier"),
    (h("02 01 08 | 67 02 62 61"), 3, "'ba' is not an ONIX code list 7 code"),
    (h("11 01 0C | 02 01 80 | 02 01 80"), 6,
     "the content parameter (OID 2) must be the first data set or follow OID 1"),
    (h("11 01 0C | 62 01 80 | 63 01 41"), 3, "content parameter (OID 2) uses compaction 6"),
    (h("02 04 00 00 00 01"), 0, "declares OID 34, which is not a defined element"),
    (h("02 04 00 00 00 20"), 0, "declares OID 29 (Reserved (OID 29)), which is not a defined"),
    (h("1F 0C 01 41"), 0, "OID 27 (Reserved (OID 27)) is reserved (ISO 28560-1 defines"),
    (h("1F 11 01 41"), 0, "OID 32 is not defined (ISO 28560-1 defines OIDs 1-26)"),
    (h("10 01 41"), 0, "OID 0 is not defined"),
    (h("02 01 80 | 63 01 41 | 63 01 42"), 6,
     "duplicate OID 3 (Owner institution (ISIL)) (first at byte 3)"),
    (h("02 01 80 | 63 01 41 | 64 02 31 31"), 6,
     "OID 4 (Set information) is not declared in the content parameter"),
    (h("02 01 C0 | 63 01 41"), 0,
     "the content parameter declares OID 4 (Set information) but the tag has no data set"),
]


@pytest.mark.parametrize(("memory", "offset", "fragment"), DECODE_ERRORS)
def test_strict_decode_error(memory: bytes, offset: int, fragment: str) -> None:
    with pytest.raises(TagDataError) as info:
        decode(memory)
    assert info.value.offset == offset
    assert fragment in info.value.reason
    assert str(info.value).endswith(f" at byte {offset}")


@pytest.mark.parametrize(("memory", "offset", "fragment"), DECODE_ERRORS)
def test_relax_reports_the_same_problem_first(memory: bytes, offset: int, fragment: str) -> None:
    tag = decode(memory, errors="relax")
    assert tag.problems
    assert fragment in tag.problems[0]
    assert tag.problems[0].endswith(f" at byte {offset}")


def test_relax_reads_a_declared_reserved_oid_but_keeps_it_out_of_elements() -> None:
    tag = decode(h("02 04 00 00 00 20 | 1F 0E 01 41 | 00"), errors="relax")
    assert tag.content_parameter == frozenset({29})
    assert [d.oid for d in tag.datasets] == [2, 29]
    assert tag.datasets[1].name == "Reserved (OID 29)" and tag.datasets[1].value == "A"
    assert dict(tag.elements) == {}


def test_relax_treats_an_over_long_length_byte_as_a_plain_count() -> None:
    tag = decode(h("61 81") + b"x" * 129, errors="relax")
    assert tag.elements[1] == "x" * 129
    assert tag.problems == ("length byte 81 is over 127 (multi-byte lengths are not supported) "
                            "at byte 1",)


def test_relax_keeps_the_first_of_duplicates() -> None:
    tag = decode(h("02 01 80 | 63 01 41 | 63 01 42"), errors="relax")
    assert tag.elements[3] == "A"
    assert len(tag.datasets) == 3


@pytest.mark.parametrize("block_size", [0, 33, -4, True, 4.0, "4"])
def test_block_size_must_be_1_to_32(block_size: Any) -> None:
    with pytest.raises(TagDataError, match="block size must be an int from 1 to 32"):
        decode(b"", block_size=block_size)
    with pytest.raises(TagDataError, match="block size must be an int from 1 to 32"):
        encode({1: "12"}, block_size=block_size)


def test_errors_argument_is_checked() -> None:
    with pytest.raises(ValueError, match="errors must be 'strict' or 'relax', not 'ignore'"):
        decode(b"", errors="ignore")


def test_data_must_be_bytes_like() -> None:
    with pytest.raises(TypeError, match="data must be bytes, not str"):
        decode("0201D0")  # type: ignore[arg-type]
    assert decode(bytearray(h("11 01 0C"))).elements[1] == "12"
    assert decode(memoryview(h("11 01 0C"))).elements[1] == "12"


# (elements, options, fragment of the reason)
ENCODE_ERRORS: list[tuple[Mapping[Any, Any], dict[str, Any], str]] = [
    ({1: "12"}, {"compaction": {1: 9}}, "OID 1 (Primary item identifier): compaction 9 is not"),
    ({5: b"\x10\x11"}, {}, "OID 5 (Type of usage): a one-byte code needs 1 byte, got 2"),
    ({5: "1"}, {}, "OID 5 (Type of usage): '1' is not one byte written as two hex digits"),
    ({19: "1A"}, {"compaction": {19: Compaction.NUMERIC}},
     "OID 19 (Media format (other)): '1A' cannot be written in NUMERIC"),
    ({4: "1213"}, {}, "OID 4 (Set information): '1213' says part 13 of 12"),
    ({3: "SM361001"}, {}, "(to write a local code, give compaction OCTET for this OID)"),
    ({11: "cn-1"}, {}, "OID 11 (ILL borrowing institution (ISIL)): ISIL 'cn-1'"),
    ({6: "A"}, {"compaction": {6: Compaction.APPLICATION_DEFINED}},
     "OID 6 (Shelf location) has no application-defined form (compaction 0)"),
    ({6: "abc"}, {"compaction": {6: Compaction.SIX_BIT}},
     "OID 6 (Shelf location): 'abc' cannot be written in SIX_BIT"),
    ({6: b"A"}, {"compaction": {6: Compaction.SIX_BIT}},
     "OID 6 (Shelf location): a bytes value is written as an octet string; give text to use "
     "SIX_BIT"),
    ({6: b""}, {}, "OID 6 (Shelf location): empty value (leave the element out instead)"),
    ({1: ""}, {}, "OID 1 (Primary item identifier): empty value"),
    ({13: b"123"}, {}, "OID 13 (GS1 product identifier): '123' is not a GTIN-13"),
    ({7: "ba"}, {}, "OID 7 (ONIX media format): 'ba' is not an ONIX code list 7 code"),
    ({0: "x"}, {}, "element key 0 is not a defined OID (1, 3-26)"),
    ({27: "x"}, {}, "element key 27 is not a defined OID"),
    ({"1": "x"}, {}, "element key '1' is not a defined OID"),
    ({2: "x"}, {}, "OID 2 (Content parameter) is computed by the encoder; leave it out"),
    ({1: 12}, {}, "OID 1 (Primary item identifier): value must be str or bytes, not int"),
    ({5: 16}, {}, "OID 5 (Type of usage): value must be str or bytes, not int"),
    ({6: bytearray(b"A")}, {}, "OID 6 (Shelf location): value must be str or bytes, not bytearray"),
    ({17: "题" * 43}, {}, "OID 17 (Title): compacted value is 129 bytes, at most 127 fit"),
    ({1: "12", 3: "CN-1"}, {"lock": (2,)}, "OID 2 (Content parameter) cannot be locked"),
    ({1: "12"}, {"lock": (3,)}, "OID 3 (Owner institution (ISIL)) is in lock but not in elements"),
    ({1: "12"}, {"compaction": {6: Compaction.OCTET}},
     "compaction names OID 6, which is not in elements"),
    ({1: "12"}, {"capacity": -1}, "capacity must be a byte count (int >= 0) or None, not -1"),
    ({1: "12"}, {"capacity": "112"}, "capacity must be a byte count"),
    ({1: "12"}, {"capacity": 2}, "tag data needs 3 bytes, 1 over the 2-byte capacity"),
]


@pytest.mark.parametrize(("elements", "options", "fragment"), ENCODE_ERRORS)
def test_encode_error(elements: Mapping[Any, Any], options: dict[str, Any], fragment: str) -> None:
    with pytest.raises(TagDataError) as info:
        encode(elements, **options)
    assert fragment in info.value.reason
    assert info.value.offset is None


def test_encode_needs_a_mapping() -> None:
    with pytest.raises(TypeError, match="elements must be a mapping OID -> value, not list"):
        encode([(1, "12")])  # type: ignore[arg-type]


def test_element_outside_1_to_31() -> None:
    with pytest.raises(TagDataError, match="OID 32 is not an ISO 28560-1 element"):
        element(32)


@pytest.mark.parametrize("code", ["1", "0x", " 1", "+1", "1G", 256, -1])
def test_code_tables_refuse_what_is_not_a_byte(code: Any) -> None:
    with pytest.raises(TagDataError, match=r"not two hex digits|not a byte"):
        usage_description(code)
    with pytest.raises(TagDataError, match=r"not two hex digits|not a byte"):
        media_format_description(code)


def test_code_tables_refuse_unknown_languages() -> None:
    with pytest.raises(ValueError, match="lang must be 'en' or 'zh', not 'fr'"):
        usage_description("10", lang="fr")
