"""Table C.1 (placeholder and configured) and the Guangzhou member ISIL."""

from __future__ import annotations

import pytest

from kiosk.errors import BarcodeError, ConfigError
from kiosk.gz.libraries import (
    DEFAULT_LIBRARIES,
    Library,
    LibraryTable,
    isil_library_code,
    library_isil,
    load_default_libraries,
)

DISTRICTS = ["越秀区", "海珠区", "荔湾区", "天河区", "白云区", "黄埔区", "番禺区", "花都区",
             "南沙区", "从化区", "增城区"]


def test_default_table_is_the_placeholder_guangzhou_network() -> None:
    assert DEFAULT_LIBRARIES.placeholder is True
    assert len(DEFAULT_LIBRARIES) == 12
    assert DEFAULT_LIBRARIES["0001"] == Library("0001", "广州图书馆", "Guangzhou Library")
    names = [library.name_zh for library in DEFAULT_LIBRARIES.values()]
    assert all(any(name.startswith(district) for name in names) for district in DISTRICTS)
    assert all(library.name_en for library in DEFAULT_LIBRARIES.values())
    assert list(DEFAULT_LIBRARIES) == [f"{n:04d}" for n in range(1, 13)]


def test_loading_twice_gives_equal_hashable_tables() -> None:
    again = load_default_libraries()
    assert again == DEFAULT_LIBRARIES
    assert hash(again) == hash(DEFAULT_LIBRARIES)


def test_library_name_and_isil() -> None:
    library = DEFAULT_LIBRARIES["0005"]
    assert library.name == "天河区图书馆 / Tianhe District Library"
    assert library.isil == "CN-440100-1-0005"
    assert Library("0100", "某馆", "").name == "某馆"
    assert Library("0100", "", "Some Library").name == "Some Library"


def test_isil_round_trip() -> None:
    assert library_isil("0001") == "CN-440100-1-0001"
    assert isil_library_code("CN-440100-1-0001") == "0001"


@pytest.mark.parametrize("code", ["001", "00001", "00a1", "٠٠٠١", "", 1])
def test_library_isil_refuses_non_codes(code) -> None:
    with pytest.raises(BarcodeError, match="expected 4 digits"):
        library_isil(code)


@pytest.mark.parametrize(
    "isil",
    ["CN-110108-1-NLC", "CN-440100-1-001", "CN-440100-1-00012", "cn-440100-1-0001",
     "CN-440100-1-٠٠٠١", " CN-440100-1-0001", "", None, 440100],
)
def test_isil_library_code_is_none_for_other_text(isil) -> None:
    assert isil_library_code(isil) is None


def test_configured_table_from_mapping() -> None:
    table = LibraryTable.from_mapping(
        {"1234": {"zh": "测试馆", "en": "Test Library"}, "0007": "另一馆"}
    )
    assert table.placeholder is False
    assert list(table) == ["0007", "1234"]
    assert table["1234"].name == "测试馆 / Test Library"
    assert table["0007"].name_en == ""
    assert "0001" not in table
    assert table.get("0001") is None
    assert "configure the real one" not in table.unknown_code_text("0001")
    assert "PLACEHOLDER" in DEFAULT_LIBRARIES.unknown_code_text("9999")


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ({"123": "x"}, "'123' is not 4 digits"),
        ({"12a4": "x"}, "'12a4' is not 4 digits"),
        ({1234: "x"}, "code 1234 is not text"),
        ({"1234": 5}, "code 1234: expected a name"),
        ({"1234": {"zh": ""}}, "non-empty zh or en"),
        ({"1234": {"zh": 3}}, "non-empty zh or en"),
        ({"1234": {"name": "x"}}, "unknown key"),
        (["1234"], "expected a mapping"),
    ],
)
def test_bad_configured_tables_say_which_code(table, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        LibraryTable.from_mapping(table)


def test_duplicate_codes_are_refused() -> None:
    with pytest.raises(ConfigError, match="listed twice"):
        LibraryTable((Library("0001", "a", ""), Library("0001", "b", "")))
