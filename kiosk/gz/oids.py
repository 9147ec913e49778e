"""Names of the ISO 28560-1 / GB/T 35660.1 data elements, for messages about any OID.

A DB4401 profile gives its own (more specific) names to the elements it uses; these generic names
are for elements a profile does not list, so a report can still say what the tag carried.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

__all__ = ["OID_NAMES", "TYPE_OF_USAGE_CLASSES", "oid_label"]

OID_NAMES: Mapping[int, tuple[str, str]] = MappingProxyType(
    {
        1: ("馆藏单件主标识符", "primary item identifier"),
        2: ("内容参数", "content parameter"),
        3: ("所属机构", "owner institution (ISIL)"),
        4: ("卷(册)信息", "set information"),
        5: ("应用类别", "type of usage"),
        6: ("排架位置", "shelf location"),
        7: ("ONIX媒体格式", "ONIX media format"),
        8: ("MARC媒体格式", "MARC media format"),
        9: ("供应商标识符", "supplier identifier"),
        10: ("订购号", "order number"),
        11: ("馆际互借借入机构", "ILL borrowing institution (ISIL)"),
        12: ("馆际互借作业编号", "ILL borrowing transaction number"),
        13: ("GS1产品标识符", "GS1 product identifier"),
        14: ("备选馆藏单件唯一标识符", "alternative unique item identifier"),
        15: ("本地数据A", "local data A"),
        16: ("本地数据B", "local data B"),
        17: ("题名", "title"),
        18: ("本地产品标识符", "product identifier local"),
        19: ("媒体格式(其他)", "media format (other)"),
        20: ("供应链阶段", "supply chain stage"),
        21: ("供应商发票编号", "supplier invoice number"),
        22: ("备选馆藏单件标识符", "alternative item identifier"),
        23: ("备选所属机构", "alternative owner institution"),
        24: ("所属机构分馆标识", "subsidiary of an owner institution"),
        25: ("备选ILL互借机构标识", "alternative ILL borrowing institution"),
        26: ("本地数据C", "local data C"),
    }
)

#: Type of usage (OID 5) classes, by the high hex digit of the byte (ISO 28560-1).
TYPE_OF_USAGE_CLASSES: Mapping[str, tuple[str, str]] = MappingProxyType(
    {
        "0": ("采访", "acquisition item"),
        "1": ("流通馆藏", "item for circulation"),
        "2": ("非流通馆藏", "item not for circulation"),
        "3": ("本地使用", "for local use"),
        "4": ("本地使用", "for local use"),
        "5": ("预留", "for future use"),
        "6": ("标签无用途信息", "no usage information on the tag"),
        "7": ("剔除馆藏", "discarded item"),
        "8": ("读者证", "patron card"),
        "9": ("图书馆设备", "library equipment"),
        **{digit: ("预留", "for future use") for digit in "ABCDEF"},
    }
)


def oid_label(oid: object) -> str:
    """``OID 17 题名 / title`` (or just ``OID 40`` for an OID without a name)."""
    names = OID_NAMES.get(oid) if isinstance(oid, int) else None
    return f"OID {oid} {names[0]} / {names[1]}" if names else f"OID {oid!r}"
