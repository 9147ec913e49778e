"""ISO 28560-1 data elements (OIDs 1–26) and the code tables of the one-byte code elements.

English names follow ISO 28560-1/-4; Chinese names are the GB/T 35660.1 terms (reference
tagdata.md §3). The Chinese labels of the type-of-usage and media-format *codes* are our own
translations of the English labels (the GB/T code-table wording was not available).
Supply chain stage (OID 20) has five codes in ISO 28560-1 Table 2 whose labels we could not
retrieve, so codes are shown by number ("stage 1").
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from kiosk.errors import TagDataError

from ._types import ElementInfo

__all__ = [
    "ELEMENTS",
    "element",
    "media_format_description",
    "supply_chain_stage_description",
    "usage_description",
]

_VARIABLE = "variable-length text"

_TABLE: tuple[tuple[int, str, str, str], ...] = (
    (1, "Primary item identifier", "馆藏单件主标识符", "the item's barcode; first data set"),
    (2, "Content parameter", "内容参数", "bitmap of the OIDs present (computed)"),
    (3, "Owner institution (ISIL)", "所属机构", "ISIL (ISO 15511), ISIL compaction"),
    (4, "Set information", "卷(册)信息", "2, 4 or 6 digits: number of parts, then part number"),
    (5, "Type of usage", "应用类别", "one byte: class (high nibble), sub-qualifier (low nibble)"),
    (6, "Shelf location", "排架位置", "call number / shelf mark"),
    (7, "ONIX media format", "ONIX媒体格式", "2-character ONIX code list 7 code"),
    (8, "MARC media format", "MARC媒体格式", "2-character MARC code"),
    (9, "Supplier identifier", "供应商标识符", _VARIABLE),
    (10, "Order number", "订购号", _VARIABLE),
    (11, "ILL borrowing institution (ISIL)", "馆际互借借入机构(ISIL)", "ISIL, ISIL compaction"),
    (12, "ILL borrowing transaction number", "馆际互借作业编号", _VARIABLE),
    (13, "GS1 product identifier", "GS1产品标识符", "GTIN-13, 13 digits with check digit"),
    (14, "Alternative unique item identifier", "备选馆藏单件唯一标识符", _VARIABLE),
    (15, "Local data A", "本地数据A", _VARIABLE),
    (16, "Local data B", "本地数据B", _VARIABLE),
    (17, "Title", "题名", _VARIABLE),
    (18, "Product identifier local", "本地产品标识符", _VARIABLE),
    (19, "Media format (other)", "媒体格式(其他)", "one byte, media format code"),
    (20, "Supply chain stage", "供应链阶段", "one byte, supply chain stage code"),
    (21, "Supplier invoice number", "供应商发票编号", _VARIABLE),
    (22, "Alternative item identifier", "备选馆藏单件标识符", _VARIABLE),
    (23, "Alternative owner institution", "备选所属机构", "non-ISIL institution code"),
    (24, "Subsidiary of an owner institution", "所属机构分馆标识", _VARIABLE),
    (25, "Alternative ILL borrowing institution", "备选ILL互借机构标识", "non-ISIL code"),
    (26, "Local data C", "本地数据C", _VARIABLE),
)

_ONE_BYTE = frozenset({5, 19, 20})
_ISIL = frozenset({3, 11})


def _info(oid: int, name: str, name_zh: str, description: str) -> ElementInfo:
    return ElementInfo(
        oid=oid,
        name=name,
        name_zh=name_zh,
        description=description,
        application_defined=oid == 2 or oid in _ISIL or oid in _ONE_BYTE,
        isil=oid in _ISIL,
        one_byte_code=oid in _ONE_BYTE,
    )


_ALL: dict[int, ElementInfo] = {row[0]: _info(*row) for row in _TABLE}
for _reserved in range(27, 32):
    _ALL[_reserved] = ElementInfo(
        _reserved, f"Reserved (OID {_reserved})", "预留数据元素", "not defined", reserved=True
    )

#: OID → :class:`ElementInfo` for the defined elements 1–26
ELEMENTS: Mapping[int, ElementInfo] = MappingProxyType({k: v for k, v in _ALL.items() if k <= 26})


def element(oid: int) -> ElementInfo:
    """The element with this OID (27–31 come back ``reserved``); TagDataError outside 1–31."""
    info = _ALL.get(oid)
    if info is None:
        raise TagDataError(
            f"OID {oid} is not an ISO 28560-1 element (1-26 defined, 27-31 reserved)"
        )
    return info


# --- type of usage (OID 5) ----------------------------------------------------------------------

_Labels = tuple[str, str]  # (English, Chinese)
_UNSPECIFIED: _Labels = ("unspecified", "未指定")
_FUTURE: _Labels = ("for future use", "预留")
_LOCAL: _Labels = ("for local use", "本地使用")

_USAGE: dict[int, tuple[_Labels, dict[int, _Labels]]] = {
    0x0: (
        ("acquisition item", "采访中的文献"),
        {0: _UNSPECIFIED, 1: ("for automated process", "用于自动处理"),
         2: ("for manual process", "用于人工处理")},
    ),
    0x1: (
        ("item for circulation", "流通文献"),
        {0: _UNSPECIFIED, 1: ("for automatic sorting", "可自动分拣"),
         2: ("not for automatic sorting", "不可自动分拣"),
         3: ("not for issue while offline", "脱机时不可借出"),
         4: ("not for return while offline", "脱机时不可归还"),
         5: ("not for issue or return while offline", "脱机时不可借出或归还")},
    ),
    0x2: (("item not for circulation", "非流通文献"), {0: _UNSPECIFIED}),
    0x3: (_LOCAL, {0: _UNSPECIFIED}),
    0x4: (_LOCAL, {0: _UNSPECIFIED}),
    0x6: (
        ("no information about usage on the tag", "标签上无应用类别信息"),
        {0: ("use when a locked value could change over time", "用于锁定后可能变化的值")},
    ),
    0x7: (
        ("discarded item", "剔旧文献"),
        {0: _UNSPECIFIED, 1: ("for sale", "待售"), 2: ("sold", "已售"),
         3: ("for disposal", "待销毁")},
    ),
    0x8: (
        ("patron card", "读者证"),
        {0: _UNSPECIFIED, 1: ("adult", "成人"), 2: ("young adult", "青少年"),
         3: ("child", "儿童")},
    ),
    0x9: (
        ("library equipment", "图书馆设备"),
        {0: _UNSPECIFIED, 1: ("PC", "计算机"), 2: ("video projector", "视频投影仪"),
         3: ("overhead projector", "投影仪"), 4: ("whiteboard", "白板")},
    ),
}
_LANG = {"en": 0, "zh": 1}
_HEX_DIGITS = "0123456789abcdefABCDEF"


def _lang_index(lang: str) -> int:
    index = _LANG.get(lang)
    if index is None:
        raise ValueError(f"lang must be 'en' or 'zh', not {lang!r}")
    return index


def _code_byte(code: int | str) -> int:
    """A one-byte code given as an int 0–255 or as two hex digits."""
    if isinstance(code, str):
        if len(code) != 2 or code.strip(_HEX_DIGITS):
            raise TagDataError(f"{code!r} is not two hex digits")
        return int(code, 16)
    if not 0 <= code <= 0xFF:
        raise TagDataError(f"{code} is not a byte (0-255)")
    return code


def usage_description(code: int | str, *, lang: str = "en") -> tuple[str, str]:
    """(class, sub-qualifier) labels of a type-of-usage byte (OID 5), e.g. ``"10"`` or ``0x10``."""
    index = _lang_index(lang)
    byte = _code_byte(code)
    klass, sub = byte >> 4, byte & 0x0F
    if klass not in _USAGE:
        label = _FUTURE[index]
        sub_label = (f"sub-qualifier {sub:X}", f"子限定符 {sub:X}")[index]
        return label, sub_label
    class_labels, subs = _USAGE[klass]
    sub_labels = subs.get(sub)
    if sub_labels is None:
        return class_labels[index], (f"sub-qualifier {sub:X} (not defined)",
                                     f"子限定符 {sub:X}（未定义）")[index]
    return class_labels[index], sub_labels[index]


# --- media format (other), OID 19 ---------------------------------------------------------------

_MEDIA: dict[int, _Labels] = {
    0x00: ("undefined", "未定义"),
    0x01: ("book", "图书"),
    0x02: ("CD/DVD", "CD/DVD"),
    0x03: ("magnetic tape", "磁带"),
    0x04: ("other", "其他"),
    0x05: ("other - careful handling required", "其他（需小心处理）"),
    0x06: ("very small item - special handling required", "微小文献（需特殊处理）"),
}


def media_format_description(code: int | str, *, lang: str = "en") -> str:
    """Label of a media-format byte (OID 19): 00–06 defined, 07–7F reserved, 80–FF local."""
    index = _lang_index(lang)
    byte = _code_byte(code)
    if byte in _MEDIA:
        return _MEDIA[byte][index]
    if byte < 0x80:
        return ("reserved for ISO/TC 46/SC 4/WG 11", "ISO/TC 46/SC 4/WG 11 预留")[index]
    return ("free for library use", "图书馆自定义")[index]


def supply_chain_stage_description(code: int | str, *, lang: str = "en") -> str:
    """Label of a supply-chain-stage byte (OID 20); the ISO labels are unknown, so "stage N"."""
    index = _lang_index(lang)
    byte = _code_byte(code)
    return (f"stage {byte} (label not known)", f"供应链阶段 {byte}（名称未知）")[index]
