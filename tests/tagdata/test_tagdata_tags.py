"""Whole tags: vectors C1-C5 (reference §7.1) both ways and the real-world variants of §7.2."""

from __future__ import annotations

import pytest

from kiosk.tagdata import (
    CHIP_CAPACITY,
    Compaction,
    DataSet,
    TagDataError,
    compact,
    decode,
    encode,
    isil_compact,
)


def h(text: str) -> bytes:
    return bytes.fromhex(text.replace("|", " "))


C1 = h("91 00 05 1C BE 99 1A 14 | 02 01 D0 | 14 02 04 B3 | 46 07 44 1C B6 E2 E3 35 D6 "
       "| 83 02 07 AC C0 9E BA A0 6F 6B 00 00")
C2 = h("91 00 05 1C BE 99 1A 14 | 02 02 D0 02 | 14 02 04 B3 "
       "| C6 02 07 44 1C B6 E2 E3 35 D6 00 00 | 03 07 AC C0 9E BA A0 6F 6B | 7F 02 04 74 65 73 74")
C3 = h("91 00 05 1C BE 99 1A 14")
C4 = h("91 00 05 1C BE 99 1A 14 | 02 05 D0 00 00 00 00 | 14 02 04 B3 "
       "| 46 07 44 1C B6 E2 E3 35 D6 | 83 02 07 AC C0 9E BA A0 6F 6B 00 00")
C1_VALUES = {1: "123456789012", 3: "US-InU-Mu", 4: "1203", 6: "QA268.L55"}


# --- C1: ISO 28560-2 Annex D / GB/T 35660.2 example ---------------------------------------------


def test_c1_decodes() -> None:
    tag = decode(C1)
    assert dict(tag.elements) == C1_VALUES
    assert tag.content_parameter == frozenset({3, 4, 6})
    assert tag.problems == ()
    assert tag.used_bytes == 36 and tag.blocks_used == 9
    assert [(d.oid, d.compaction, d.offset, d.length, d.pad, d.end) for d in tag.datasets] == [
        (1, Compaction.INTEGER, 0, 5, 0, 8),
        (2, Compaction.APPLICATION_DEFINED, 8, 1, 0, 11),
        (4, Compaction.INTEGER, 11, 2, 0, 15),
        (6, Compaction.SIX_BIT, 15, 7, 0, 24),
        (3, Compaction.APPLICATION_DEFINED, 24, 7, 2, 36),
    ]
    assert tag.datasets[0].name == "Primary item identifier"
    assert tag.datasets[1].value == "3,4,6"


def test_c1_encodes_to_the_published_36_bytes_and_locks_blocks_0_1_6_7_8() -> None:
    encoded = encode(C1_VALUES, lock=(1, 3))
    assert encoded.data == C1
    assert encoded.lock_blocks == (0, 1, 6, 7, 8)
    assert encoded.block_size == 4
    assert [d.oid for d in encoded.layout] == [1, 2, 4, 6, 3]
    assert encoded.layout == decode(C1).datasets


def test_c1_fills_a_36_byte_memory_exactly_so_no_terminator() -> None:
    assert encode(C1_VALUES, lock=(1, 3), capacity=36).data == C1
    assert encode(C1_VALUES, lock=(1, 3), capacity=40).data == C1 + b"\x00"


# --- C2, C3, C4, C5 ----------------------------------------------------------------------------


def test_c2_decodes() -> None:
    tag = decode(C2)
    assert dict(tag.elements) == {**C1_VALUES, 17: "test"}
    assert tag.content_parameter == frozenset({3, 4, 6, 17})
    title = tag.datasets[-1]
    assert (title.oid, title.compaction, title.offset) == (17, Compaction.UTF8, 37)


def test_c2_encodes_with_title_forced_to_utf8() -> None:
    """dp2 always writes the title in UTF-8; our automatic choice for "test" would be 7-bit (4
    bytes either way), so the vector is reproduced with an explicit override."""
    encoded = encode({**C1_VALUES, 17: "test"}, lock=(1, 3, 17),
                     compaction={17: Compaction.UTF8})
    assert encoded.data == C2
    # ww.....wwww: the locked run OID 3 + OID 17 is aligned as a whole (blocks 7-10)
    assert encoded.lock_blocks == (0, 1, 7, 8, 9, 10)


def test_c3_pii_only_no_content_parameter() -> None:
    encoded = encode({1: "123456789012"}, lock=(1,))
    assert encoded.data == C3
    assert encoded.lock_blocks == (0, 1)
    tag = decode(C3)
    assert dict(tag.elements) == {1: "123456789012"}
    assert tag.content_parameter is None


def test_c4_reserved_content_parameter_length_decodes_like_c1() -> None:
    tag = decode(C4)
    assert dict(tag.elements) == C1_VALUES
    assert tag.content_parameter == frozenset({3, 4, 6})


def test_c5_single_element_with_offset_byte_and_no_padding() -> None:
    tag = decode(C3)
    pii = tag.datasets[0]
    assert (pii.value, pii.pad, pii.end, pii.raw) == ("123456789012", 0, 8, h("1C BE 99 1A 14"))


def test_unlocked_pii_needs_no_padding() -> None:
    assert encode({1: "123456789012"}).data == h("11 05 1C BE 99 1A 14")


# --- §7.2 real-world variants (bytes built here, one test each) --------------------------------

SIX_PII = compact("T0012345", Compaction.SIX_BIT)


@pytest.mark.parametrize(
    ("memory", "pii"),
    [
        (h("41 06") + SIX_PII, "T0012345"),  # 6-bit, no offset
        (h("C1 01 06") + SIX_PII + h("00"), "T0012345"),  # 6-bit, offset byte + one pad byte
        (h("11 05 1C BE 99 1A 14"), "123456789012"),  # integer
        (h("91 02 05 1C BE 99 1A 14 00 00"), "123456789012"),  # integer, 2 pad bytes
        (h("21 07 00 01 10 00 12 34 5F"), "0001100012345"),  # numeric
        (h("A1 02 07 00 01 10 00 12 34 5F 00 00"), "0001100012345"),  # numeric + pad
        (h("61 0D") + b"0001100012345", "0001100012345"),  # octet
        (h("E1 00 0D") + b"0001100012345", "0001100012345"),  # octet with offset byte 00
    ],
)
def test_pii_forms(memory: bytes, pii: str) -> None:
    tag = decode(memory + bytes(16))
    assert dict(tag.elements) == {1: pii}
    assert tag.problems == ()


def _with_owner(owner_set: bytes) -> bytes:
    return h("11 05 1C BE 99 1A 14 | 02 01 80") + owner_set + bytes(8)


def test_owner_institution_isil_compacted() -> None:
    isil = isil_compact("CN-110108-1-NLC")
    tag = decode(_with_owner(bytes([0x03, len(isil)]) + isil))
    assert tag.elements[3] == "CN-110108-1-NLC"


def test_owner_institution_empty() -> None:
    tag = decode(_with_owner(h("03 00")))
    assert tag.elements[3] == ""
    assert tag.problems == ()


def test_owner_institution_as_an_octet_local_code() -> None:
    tag = decode(_with_owner(h("63 08") + b"SM361001"))
    assert tag.elements[3] == "SM361001"
    assert tag.datasets[2].compaction is Compaction.OCTET


@pytest.mark.parametrize(
    ("usage_set", "value"),
    [
        (h("65 01 10"), "10"),  # GB/T: one octet
        (h("25 01 10"), "10"),  # numeric digits
        (h("E5 00 01 32"), "32"),  # octet with an offset byte (class 3, local use)
        (h("05 01 80"), "80"),  # compaction 0: the raw byte
        (h("15 01 0A"), "10"),  # integer 10: the digits are the hex digits
    ],
)
def test_type_of_usage_forms(usage_set: bytes, value: str) -> None:
    memory = h("11 05 1C BE 99 1A 14 | 02 01 20") + usage_set + bytes(4)
    tag = decode(memory)
    assert tag.elements[5] == value
    assert tag.problems == ()


@pytest.mark.parametrize(("oid_nibble", "bitmap"), [(0x6, 0x10), (0x7, 0x08)])
def test_one_byte_octet_elements_holding_zero(oid_nibble: int, bitmap: int) -> None:
    """Shelf location (6) or ONIX media format (7) set to 0x00 by a vendor: read as "00"."""
    memory = h("11 05 1C BE 99 1A 14") + bytes([0x02, 0x01, bitmap, 0x60 | oid_nibble, 1, 0])
    tag = decode(memory)
    assert tag.elements[oid_nibble] == "00"
    assert tag.problems == ()


def test_content_parameter_with_an_offset_byte() -> None:
    memory = h("11 05 1C BE 99 1A 14 | 82 00 01 A0 | 63 02 41 42 | 65 01 10 | 00")
    tag = decode(memory)
    assert tag.content_parameter == frozenset({3, 5})
    assert dict(tag.elements) == {1: "123456789012", 3: "AB", 5: "10"}
    assert tag.datasets[1].pad == 0 and tag.datasets[1].end == 11


def test_alternative_owner_institution_oid_23_in_seven_bit() -> None:
    lib01 = compact("Lib01", Compaction.SEVEN_BIT)
    assert len(lib01) == 5
    memory = h("11 05 1C BE 99 1A 14 | 02 03 00 00 08 | 5F 08 05") + lib01 + bytes(4)
    tag = decode(memory)
    assert tag.elements[23] == "Lib01"
    assert tag.datasets[2].oid == 23 and tag.datasets[2].offset == 12


def test_long_seven_bit_shelf_location_with_slashes() -> None:
    shelf = "TP312.8/Py/2019/v.2 copy 3"
    raw = compact(shelf, Compaction.SEVEN_BIT)
    memory = h("11 05 1C BE 99 1A 14 | 02 01 10") + bytes([0x56, len(raw)]) + raw + b"\x00"
    assert decode(memory).elements[6] == shelf


def test_stray_bytes_after_the_terminator_are_ignored() -> None:
    tag = decode(C3 + h("00 FF 12 34 91 00 05"))
    assert dict(tag.elements) == {1: "123456789012"}
    assert tag.used_bytes == 9
    assert tag.problems == ()


def test_blank_memory_decodes_to_nothing() -> None:
    tag = decode(bytes(CHIP_CAPACITY["slix"]))
    assert dict(tag.elements) == {}
    assert tag.datasets == () and tag.problems == ()
    assert tag.content_parameter is None
    assert tag.used_bytes == 1 and tag.blocks_used == 1
    assert decode(b"").used_bytes == 0


def test_malformed_numeric_first_data_set() -> None:
    memory = h("21 03 12 A4 56 | 00") + bytes(8)
    with pytest.raises(TagDataError) as info:
        decode(memory)
    assert info.value.offset == 3  # the byte holding the nibble A
    assert "invalid digit nibble A" in str(info.value)
    tag = decode(memory, errors="relax")
    assert dict(tag.elements) == {}
    assert tag.problems == (
        "OID 1 (Primary item identifier), compaction 2: numeric value has the invalid digit "
        "nibble A at byte 3",
    )
    assert tag.datasets[0].problem == tag.problems[0]
    assert tag.datasets[0].value == "12A456"


def test_relax_keeps_good_elements_around_a_bad_one() -> None:
    memory = h("11 05 1C BE 99 1A 14 | 02 01 D0 | 03 00 | 24 02 1A 2B | 46 01 06 | 00")
    tag = decode(memory, errors="relax")
    assert dict(tag.elements) == {1: "123456789012", 3: "", 6: "A"}
    assert [p.split(":")[0] for p in tag.problems] == [
        "OID 4 (Set information), compaction 2",
    ]


# --- encoder layout --------------------------------------------------------------------------


GZ_ITEM = {
    1: "0001100012345",
    3: "CN-440100-1-0001",
    5: "10",
    6: "I247.5/1234",
    15: "3F-A12-03",
    16: "PT01",
}


def test_guangzhou_item_tag_round_trip_on_a_slix() -> None:
    encoded = encode(GZ_ITEM, lock=(1, 3), capacity=CHIP_CAPACITY["slix"])
    tag = decode(encoded.data)
    assert dict(tag.elements) == GZ_ITEM
    assert [d.oid for d in tag.datasets] == [1, 2, 5, 6, 15, 16, 3]
    assert encoded.data[-1] == 0 and tag.used_bytes == len(encoded.data)
    assert [d.compaction for d in tag.datasets] == [
        Compaction.NUMERIC, Compaction.APPLICATION_DEFINED, Compaction.OCTET,
        Compaction.SIX_BIT, Compaction.SIX_BIT, Compaction.SIX_BIT,
        Compaction.APPLICATION_DEFINED,
    ]
    pii, owner = tag.datasets[0], tag.datasets[-1]
    assert pii.end % 4 == 0 and owner.offset % 4 == 0 and owner.end % 4 == 0
    assert encoded.lock_blocks == (
        *range(0, pii.end // 4), *range(owner.offset // 4, owner.end // 4))


def test_blocks_are_zero_filled_to_the_block_size() -> None:
    encoded = encode({1: "123456789012"})  # 7 bytes
    assert encoded.blocks == (h("11 05 1C BE"), h("99 1A 14 00"))
    assert encode({1: "123456789012"}, block_size=8).blocks == (h("11 05 1C BE 99 1A 14 00"),)


def test_eight_byte_blocks() -> None:
    encoded = encode(C1_VALUES, lock=(1, 3), block_size=8)
    tag = decode(encoded.data, block_size=8)
    assert dict(tag.elements) == C1_VALUES
    assert tag.datasets[0].end == 8
    owner = tag.datasets[-1]
    assert owner.offset % 8 == 0 and owner.end % 8 == 0
    assert encoded.lock_blocks == (0, owner.offset // 8, *range(owner.offset // 8 + 1,
                                                                  owner.end // 8))


def test_oid_15_and_above_with_offset_byte_order_is_precursor_ext_offset_length() -> None:
    encoded = encode({1: "12", 17: "Harry Potter"}, lock=(17,), compaction={17: Compaction.UTF8})
    # PII 11 01 0C | CP 82 00 02 00 02 (one byte of alignment) | title from byte 8, aligned:
    # dp2's own example of both an OID extension and an offset byte is FF 02 00 0C "Harry…"
    title = encoded.layout[-1]
    assert encoded.data[:8] == h("11 01 0C 82 00 02 00 02")
    assert encoded.data[title.offset:title.offset + 5] == h("FF 02 00 0C 48")
    assert encoded.lock_blocks == (2, 3, 4, 5)
    assert decode(encoded.data).elements[17] == "Harry Potter"


def test_capacity_overflow_says_how_many_bytes_over() -> None:
    elements = {1: "0001100012345", 17: "x" * 120, 6: "y" * 100}
    with pytest.raises(TagDataError) as info:
        encode(elements, capacity=112)
    need = len(encode(elements).data)
    assert info.value.reason == (
        f"tag data needs {need} bytes, {need - 112} over the 112-byte capacity")
    assert len(encode(elements, capacity=316).data) == need + 1


def test_one_byte_codes_accept_bytes_or_hex_and_other_forms() -> None:
    for value in (b"\x10", "10"):
        assert encode({5: value}).data == h("02 01 20 65 01 10")
    assert encode({5: "1a"}).layout[-1].value == "1A"
    forms = {
        Compaction.NUMERIC: h("25 01 10"),
        Compaction.APPLICATION_DEFINED: h("05 01 10"),
        Compaction.INTEGER: h("15 01 0A"),
    }
    for scheme, data_set in forms.items():
        encoded = encode({5: "10"}, compaction={5: scheme})
        assert encoded.data == h("02 01 20") + data_set
        assert decode(encoded.data).elements[5] == "10"


def test_octet_override_writes_a_local_code_in_oid_3() -> None:
    encoded = encode({3: "SM361001"}, compaction={3: Compaction.OCTET})
    assert encoded.data == h("02 01 80 63 08") + b"SM361001"


def test_bytes_values_are_octet_strings_and_read_back_as_text_or_hex() -> None:
    encoded = encode({6: b"\x00", 9: b"ABC", 10: b"\x01\x02"})
    tag = decode(encoded.data)
    assert dict(tag.elements) == {6: "00", 9: "ABC", 10: "0102"}


def test_layout_is_what_decode_reads() -> None:
    encoded = encode({**GZ_ITEM, 17: "哈利·波特", 23: "Lib01"}, lock=(1, 3, 23),
                     capacity=CHIP_CAPACITY["slix2"])
    assert encoded.layout == decode(encoded.data).datasets
    assert all(isinstance(d, DataSet) for d in encoded.layout)
