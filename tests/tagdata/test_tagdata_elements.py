"""Element registry, code tables and value rules (reference tagdata.md §3)."""

from __future__ import annotations

import dataclasses

import pytest

from kiosk.tagdata import (
    ELEMENTS,
    Compaction,
    DataSet,
    decode,
    element,
    media_format_description,
    supply_chain_stage_description,
    usage_description,
    validate_value,
)

NAMES = {
    1: ("Primary item identifier", "馆藏单件主标识符"),
    2: ("Content parameter", "内容参数"),
    3: ("Owner institution (ISIL)", "所属机构"),
    4: ("Set information", "卷(册)信息"),
    5: ("Type of usage", "应用类别"),
    6: ("Shelf location", "排架位置"),
    7: ("ONIX media format", "ONIX媒体格式"),
    8: ("MARC media format", "MARC媒体格式"),
    9: ("Supplier identifier", "供应商标识符"),
    10: ("Order number", "订购号"),
    11: ("ILL borrowing institution (ISIL)", "馆际互借借入机构(ISIL)"),
    12: ("ILL borrowing transaction number", "馆际互借作业编号"),
    13: ("GS1 product identifier", "GS1产品标识符"),
    14: ("Alternative unique item identifier", "备选馆藏单件唯一标识符"),
    15: ("Local data A", "本地数据A"),
    16: ("Local data B", "本地数据B"),
    17: ("Title", "题名"),
    18: ("Product identifier local", "本地产品标识符"),
    19: ("Media format (other)", "媒体格式(其他)"),
    20: ("Supply chain stage", "供应链阶段"),
    21: ("Supplier invoice number", "供应商发票编号"),
    22: ("Alternative item identifier", "备选馆藏单件标识符"),
    23: ("Alternative owner institution", "备选所属机构"),
    24: ("Subsidiary of an owner institution", "所属机构分馆标识"),
    25: ("Alternative ILL borrowing institution", "备选ILL互借机构标识"),
    26: ("Local data C", "本地数据C"),
}


def test_registry_names_match_the_reference_table() -> None:
    assert {oid: (info.name, info.name_zh) for oid, info in ELEMENTS.items()} == NAMES
    assert all(element(oid) is ELEMENTS[oid] for oid in NAMES)


def test_registry_flags() -> None:
    assert {o for o, i in ELEMENTS.items() if i.isil} == {3, 11}
    assert {o for o, i in ELEMENTS.items() if i.one_byte_code} == {5, 19, 20}
    assert {o for o, i in ELEMENTS.items() if i.application_defined} == {2, 3, 5, 11, 19, 20}
    assert not any(i.reserved for i in ELEMENTS.values())


@pytest.mark.parametrize("oid", range(27, 32))
def test_reserved_oids(oid: int) -> None:
    info = element(oid)
    assert info.reserved and info.name_zh == "预留数据元素"
    assert oid not in ELEMENTS


@pytest.mark.parametrize(
    ("code", "english", "chinese"),
    [
        ("10", ("item for circulation", "unspecified"), ("流通文献", "未指定")),
        (0x11, ("item for circulation", "for automatic sorting"), ("流通文献", "可自动分拣")),
        ("13", ("item for circulation", "not for issue while offline"),
         ("流通文献", "脱机时不可借出")),
        ("15", ("item for circulation", "not for issue or return while offline"),
         ("流通文献", "脱机时不可借出或归还")),
        ("02", ("acquisition item", "for manual process"), ("采访中的文献", "用于人工处理")),
        ("20", ("item not for circulation", "unspecified"), ("非流通文献", "未指定")),
        ("32", ("for local use", "sub-qualifier 2 (not defined)"),
         ("本地使用", "子限定符 2（未定义）")),
        ("60", ("no information about usage on the tag",
                "use when a locked value could change over time"),
         ("标签上无应用类别信息", "用于锁定后可能变化的值")),
        ("70", ("discarded item", "unspecified"), ("剔旧文献", "未指定")),
        ("73", ("discarded item", "for disposal"), ("剔旧文献", "待销毁")),
        ("80", ("patron card", "unspecified"), ("读者证", "未指定")),
        ("83", ("patron card", "child"), ("读者证", "儿童")),
        ("94", ("library equipment", "whiteboard"), ("图书馆设备", "白板")),
        ("5A", ("for future use", "sub-qualifier A"), ("预留", "子限定符 A")),
        ("f1", ("for future use", "sub-qualifier 1"), ("预留", "子限定符 1")),
    ],
)
def test_type_of_usage_table(code: int | str, english: tuple[str, str],
                             chinese: tuple[str, str]) -> None:
    assert usage_description(code) == english
    assert usage_description(code, lang="zh") == chinese


def test_media_format_table() -> None:
    assert media_format_description("01") == "book"
    assert media_format_description(0x06) == "very small item - special handling required"
    assert media_format_description("07") == "reserved for ISO/TC 46/SC 4/WG 11"
    assert media_format_description("80") == "free for library use"
    assert media_format_description("02", lang="zh") == "CD/DVD"
    assert media_format_description("01", lang="zh") == "图书"


def test_supply_chain_stage_labels_are_unknown_so_numbers_are_shown() -> None:
    assert supply_chain_stage_description("01") == "stage 1 (label not known)"
    assert supply_chain_stage_description(3, lang="zh") == "供应链阶段 3（名称未知）"


@pytest.mark.parametrize(
    ("oid", "value", "compaction"),
    [
        (4, "1203", None),
        (4, "11", None),
        (4, "0101", None),
        (4, "010005", None),
        (13, "9787111234562", None),
        (3, "CN-440100-1-0001", None),
        (3, "SM361001", Compaction.OCTET),  # a local code written as an octet string
        (11, "DE-Heu1", Compaction.APPLICATION_DEFINED),
        (7, "BA", None),
        (7, "00", None),
        (5, "1a", None),
        (19, "FF", None),
        (20, "01", None),
        (6, "anything at all", None),
    ],
)
def test_valid_values(oid: int, value: str, compaction: Compaction | None) -> None:
    assert validate_value(oid, value, compaction) is None


@pytest.mark.parametrize(
    ("oid", "value", "fragment"),
    [
        (4, "12", "OID 4 (Set information): '12' says part 2 of 1"),
        (4, "1213", "part 13 of 12"),
        (4, "0000", "part 0 of 0"),
        (4, "010203", "part 203 of 10"),
        (4, "1", "is not 2, 4 or 6 digits"),
        (4, "12a4", "is not 2, 4 or 6 digits"),
        (13, "9787111234567", "has check digit 7, expected 2"),
        (13, "978711123456", "is not a GTIN-13"),
        (3, "SM361001", "OID 3 (Owner institution (ISIL)): ISIL 'SM361001' needs a prefix"),
        (7, "Ba", "not an ONIX code list 7 code"),
        (7, "BAA", "not an ONIX code list 7 code"),
        (5, "1G", "OID 5 (Type of usage): '1G' is not one byte"),
        (20, "100", "is not one byte"),
        (2, "3,4", "OID 2 (Content parameter) is computed by the encoder"),
        (28, "x", "OID 28 (Reserved (OID 28)) is reserved"),
        (6, "", "OID 6 (Shelf location): empty value"),
    ],
)
def test_invalid_values(oid: int, value: str, fragment: str) -> None:
    problem = validate_value(oid, value)
    assert problem is not None and fragment in problem


def test_decoded_datasets_are_ordinary_frozen_dataclasses() -> None:
    """The decoder builds DataSets with a fast constructor; they must be indistinguishable."""
    built = decode(bytes.fromhex("110501020304 05")).datasets[0]
    normal = DataSet(1, "Primary item identifier", Compaction.INTEGER, 0, 5, 0,
                     bytes.fromhex("0102030405"), str(0x0102030405), 7)
    assert type(built) is DataSet
    assert built == normal and hash(built) == hash(normal)
    assert dataclasses.astuple(built) == dataclasses.astuple(normal)
    with pytest.raises(dataclasses.FrozenInstanceError):
        built.oid = 3  # type: ignore[misc]
