"""Annex D tag profiles: each rule, consistency checks, identify()."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kiosk.errors import ProfileError
from kiosk.gz.libraries import LibraryTable
from kiosk.gz.profiles import PROFILES, check, evaluate, identify, require
from kiosk.gz.rules import join_original_barcodes, split_original_barcodes

ISIL = "CN-440100-1-0001"
ITEM = {1: "0001100000001", 3: ISIL}
FULL_ITEM = {**ITEM, 4: "0201", 5: "10", 15: "I247.5/123", 6: "二楼中文借阅区", 16: "普通外借"}
DISC = {1: "0001890000001", 3: ISIL, 4: "0301", 7: "DA", 22: "0001800000001,0001800000002"}
CARD = {1: "00010000000012", 5: "80", 3: ISIL}
REAL_TABLE = LibraryTable.from_mapping({"0001": {"zh": "广州图书馆", "en": "Guangzhou Library"}})


def only_problem(profile: str, elements: dict) -> str:
    problems = check(profile, elements)
    assert len(problems) == 1, problems
    return problems[0]


def test_profile_tables() -> None:
    assert list(PROFILES) == ["gz-item", "gz-disc", "gz-card"]
    item, disc, card = PROFILES.values()
    assert (item.table, disc.table, card.table) == ("D.1", "D.2", "D.3")
    assert item.mandatory_oids == {1, 3}
    assert item.optional_oids == {4, 5, 6, 15, 16}
    assert disc.mandatory_oids == {1, 3, 4, 7, 22}
    assert card.mandatory_oids == {1, 3, 5}
    assert (item.requires_eas, disc.requires_eas, card.requires_eas) == (True, False, False)
    assert item.title_zh and item.title_en
    assert item.rule(15) is not None and item.rule(15).name_en == "shelf position"
    assert item.rule(22) is None
    assert item.label(22) == "OID 22 备选馆藏单件标识符 / alternative item identifier"


@pytest.mark.parametrize(
    ("profile", "elements"),
    [("gz-item", ITEM), ("gz-item", FULL_ITEM), ("gz-disc", DISC), ("gz-card", CARD)],
)
def test_conforming_tags(profile: str, elements: dict) -> None:
    report = evaluate(profile, elements)
    assert report.conforms
    assert report.problems == ()
    assert report.notes == ()
    require(profile, elements)


@pytest.mark.parametrize(
    ("profile", "elements", "oid", "name"),
    [
        ("gz-item", ITEM, 1, "馆藏条码(不含校验位) / item barcode without check digit"),
        ("gz-item", ITEM, 3, "所属馆ISIL / owner library ISIL"),
        ("gz-disc", DISC, 1, "光盘包号 / disc package number"),
        ("gz-disc", DISC, 3, "所属馆ISIL / owner library ISIL"),
        ("gz-disc", DISC, 4, "册数(含盒) / volumes including the case"),
        ("gz-disc", DISC, 7, "媒体类型 / media type"),
        ("gz-disc", DISC, 22, "原条码 / original barcodes"),
        ("gz-card", CARD, 1, "读者证号 / card number"),
        ("gz-card", CARD, 3, "所属馆ISIL / owner library ISIL"),
        ("gz-card", CARD, 5, "应用类别 / type of usage"),
    ],
)
def test_each_missing_mandatory_element(profile: str, elements: dict, oid: int, name: str) -> None:
    remaining = {k: v for k, v in elements.items() if k != oid}
    table = PROFILES[profile].table
    assert check(profile, remaining) == [
        f"OID {oid} {name}: missing (mandatory in {profile}, Table {table})"
    ]


@pytest.mark.parametrize("oid", [4, 5, 6, 15, 16])
def test_item_optional_elements_may_be_absent(oid: int) -> None:
    assert check("gz-item", {k: v for k, v in FULL_ITEM.items() if k != oid}) == []


@pytest.mark.parametrize(
    ("pii", "message"),
    [
        ("00011000000015", "has 14 characters; OID 1 holds the barcode WITHOUT its check"),
        ("000110000000", "has 12 digits; expected 13"),
        ("0001A00000001", "position 5 holds 'A'"),
        ("", "has 0 digits"),
        ("0001000000001", "starts with 0 (读者证 / patron card); an item tag needs category"),
        ("0001200000001", "starts with 2 (预留 / reserved)"),
    ],
)
def test_item_identifier_range(pii: str, message: str) -> None:
    problem = only_problem("gz-item", {**ITEM, 1: pii})
    assert problem.startswith("OID 1 馆藏条码(不含校验位) / item barcode without check digit: ")
    assert message in problem


@pytest.mark.parametrize("pii", ["0001100000001", "0001400000001", "0001700000001",
                                 "0001800000001"])
def test_item_identifier_categories_allowed(pii: str) -> None:
    assert check("gz-item", {**ITEM, 1: pii}) == []


@pytest.mark.parametrize(
    "isil", ["CN-110108-1-NLC", "CN-440100-1-01", "", "SM361001", "CN-440100-1-0001 "]
)
def test_owner_isil_range(isil: str) -> None:
    problem = only_problem("gz-item", {**ITEM, 3: isil})
    assert problem.startswith("OID 3 所属馆ISIL / owner library ISIL: ")
    assert "expected CN-440100-1- followed by the 4-digit library code" in problem


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("123", "expected 2, 4 or 6 digits"),
        ("12a4", "expected 2, 4 or 6 digits"),
        ("", "expected 2, 4 or 6 digits"),
        ("0000", "gives 0 part(s); expected at least 1"),
        ("0305", "ordinal part 5 is outside 1-3"),
        ("1200", "ordinal part 0 is outside 1-12"),
    ],
)
def test_item_set_information_range(value: str, message: str) -> None:
    problem = only_problem("gz-item", {**ITEM, 4: value})
    assert problem.startswith("OID 4 卷(册)信息 / set information: ")
    assert message in problem


@pytest.mark.parametrize("value", ["11", "1203", "012012", "999999"])
def test_item_set_information_allowed(value: str) -> None:
    assert check("gz-item", {**ITEM, 4: value}) == []


@pytest.mark.parametrize("value", ["10", "11", "12", "13", "14", "15"])
def test_item_usage_for_circulation(value: str) -> None:
    assert check("gz-item", {**ITEM, 5: value}) == []


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("16", "sub-qualifier 6 is not defined; expected 10-15"),
        ("1F", "sub-qualifier F is not defined"),
        ("20", "20 is class 2 (非流通馆藏 / item not for circulation); expected class 1"),
        ("80", "80 is class 8 (读者证 / patron card)"),
        ("70", "class 7 (剔除馆藏 / discarded item)"),
        ("1", "expected one byte as two hex digits, 10-15"),
        ("100", "expected one byte as two hex digits"),
        ("G0", "expected one byte as two hex digits"),
    ],
)
def test_item_usage_range(value: str, message: str) -> None:
    problem = only_problem("gz-item", {**ITEM, 5: value})
    assert problem.startswith("OID 5 应用类别 / type of usage: ")
    assert message in problem


def test_hex_usage_is_read_case_insensitively() -> None:
    problem = only_problem("gz-item", {**ITEM, 5: "1a"})
    assert problem.endswith("1A: sub-qualifier A is not defined; expected 10-15")
    problem = only_problem("gz-card", {**CARD, 5: "8f"})
    assert problem.endswith("8F: sub-qualifier F is not defined; expected 80-83")


def test_item_library_mismatch() -> None:
    assert check("gz-item", {**ITEM, 3: "CN-440100-1-0002"}) == [
        "OID 1 馆藏条码(不含校验位) / item barcode without check digit starts with library code"
        " 0001 but OID 3 所属馆ISIL / owner library ISIL is CN-440100-1-0002 (library code 0002)"
    ]


def test_extras_are_notes_not_problems() -> None:
    report = evaluate("gz-item", {**ITEM, 17: "三体", 22: "x", 99: "?"})
    assert report.conforms
    assert report.extras == (17, 22, 99)
    assert report.notes == (
        "OID 17 题名 / title: not part of gz-item, Table D.1; ignored",
        "OID 22 备选馆藏单件标识符 / alternative item identifier: not part of gz-item, Table D.1;"
        " ignored",
        "OID 99: not part of gz-item, Table D.1; ignored",
    )


def test_content_parameter_is_ignored() -> None:
    report = evaluate("gz-item", {**ITEM, 2: "80"})
    assert (report.problems, report.notes) == ((), ())


def test_non_text_values_are_problems_not_crashes() -> None:
    problem = only_problem("gz-item", {**ITEM, 1: 1100000001})
    assert problem == (
        "OID 1 馆藏条码(不含校验位) / item barcode without check digit: expected text, got int"
    )


def test_unknown_library_note_or_problem_depends_on_table() -> None:
    elements = {1: "0099100000001", 3: "CN-440100-1-0099"}
    placeholder = evaluate("gz-item", elements)
    assert placeholder.conforms
    assert len(placeholder.notes) == 2 and all("0099" in note for note in placeholder.notes)
    configured = evaluate("gz-item", elements, libraries=REAL_TABLE)
    assert configured.problems == (
        "OID 1 馆藏条码(不含校验位) / item barcode without check digit: library code 0099 is not in"
        " the library table (Table C.1)",
        "OID 3 所属馆ISIL / owner library ISIL: library code 0099 is not in the library table"
        " (Table C.1)",
    )
    assert check("gz-item", ITEM, libraries=REAL_TABLE) == []


# --- disc sets ---------------------------------------------------------------------------------


@pytest.mark.parametrize("pii", ["0001890000001", "0001899999999", "0001891234567"])
def test_disc_package_range_allowed(pii: str) -> None:
    assert check("gz-disc", {**DISC, 1: pii}) == []


@pytest.mark.parametrize(
    ("pii", "message"),
    [
        ("0001890000000", "is below the package range 0001890000001-0001899999999"),
        ("0001880000001", "positions 5-6 are '88', expected '89'"),
        ("0001190000001", "positions 5-6 are '19'"),
        ("00018900000015", "WITHOUT its check character"),
        ("000189000001", "has 12 digits"),
    ],
)
def test_disc_package_range_violations(pii: str, message: str) -> None:
    problem = only_problem("gz-disc", {**DISC, 1: pii})
    assert problem.startswith("OID 1 光盘包号 / disc package number: ")
    assert message in problem


def test_disc_media_type_must_be_da() -> None:
    problem = only_problem("gz-disc", {**DISC, 7: "DB"})
    assert problem == "OID 7 媒体类型 / media type: 'DB': expected 'DA'"


@pytest.mark.parametrize(("value", "message"), [("0101", "gives 1 part(s); expected at least 2"),
                                                ("0304", "ordinal part 4 is outside 1-3"),
                                                ("3", "expected 2, 4 or 6 digits")])
def test_disc_volumes_range(value: str, message: str) -> None:
    problem = only_problem("gz-disc", {**DISC, 4: value})
    assert problem.startswith(f"OID 4 册数(含盒) / volumes including the case: {value!r}")
    assert message in problem


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("0001800000001,,0001800000002", "entry #2 is empty"),
        ("0001800000001,", "entry #2 is empty"),
        ("0001800000001;0001800000002", "position 14 holds ';'"),
        ("0001800000001,00018000000", "entry #2 '00018000000': expected a barcode of 13 digits"),
        ("0001800000001,0001A00000002", "entry #2 '0001A00000002'"),
        ("0001800000001,00018000000015", "entry #2 '00018000000015' is listed twice"),
    ],
)
def test_disc_original_barcodes_violations(value: str, message: str) -> None:
    problems = [p for p in check("gz-disc", {**DISC, 22: value})]
    assert len(problems) == 1, problems
    assert problems[0].startswith("OID 22 原条码 / original barcodes: ")
    assert message in problems[0]


def test_disc_original_barcodes_tolerate_spaces_and_check_characters() -> None:
    assert check("gz-disc", {**DISC, 22: "00018000000015 , 0001800000002"}) == []


def test_disc_part_count_and_library_are_notes() -> None:
    report = evaluate("gz-disc", {**DISC, 4: "0401", 22: "0001800000001,0002800000002"})
    assert report.conforms
    assert report.notes == (
        "OID 22 原条码 / original barcodes lists 2 barcode(s) but OID 4 册数(含盒) / volumes"
        " including the case gives 4 volumes including the case (expected 3)",
        "OID 22 原条码 / original barcodes: 0002800000002 not from the owner library 0001",
    )


def test_disc_library_mismatch_is_a_problem() -> None:
    problems = check("gz-disc", {**DISC, 3: "CN-440100-1-0002"})
    assert problems == [
        "OID 1 光盘包号 / disc package number starts with library code 0001 but OID 3 所属馆ISIL"
        " / owner library ISIL is CN-440100-1-0002 (library code 0002)"
    ]


def test_original_barcode_helpers() -> None:
    codes = ("0001800000001", "00018000000029")
    assert join_original_barcodes(codes) == "0001800000001,00018000000029"
    assert split_original_barcodes(join_original_barcodes(codes)) == codes
    assert split_original_barcodes(" a , b") == ("a", "b")


@pytest.mark.parametrize("codes", [[], [""], [" 0001800000001"], ["0001800000001,x"], ["a\n"]])
def test_join_original_barcodes_refuses_what_would_not_read_back(codes: list) -> None:
    with pytest.raises(ProfileError):
        join_original_barcodes(codes)


# --- reader cards ------------------------------------------------------------------------------


@pytest.mark.parametrize("usage", ["80", "81", "82", "83"])
def test_card_usage_codes(usage: str) -> None:
    assert check("gz-card", {**CARD, 5: usage}) == []


@pytest.mark.parametrize(
    ("usage", "message"),
    [("84", "sub-qualifier 4 is not defined; expected 80-83"), ("10", "10 is class 1"),
     ("90", "class 9 (图书馆设备 / library equipment)"), ("", "two hex digits")],
)
def test_card_usage_violations(usage: str, message: str) -> None:
    problem = only_problem("gz-card", {**CARD, 5: usage})
    assert problem.startswith("OID 5 应用类别 / type of usage: ")
    assert message in problem


@pytest.mark.parametrize(
    ("number", "message"),
    [
        ("a123", "position 1 holds 'a'"),
        ("GZ_1", "position 3 holds '_'"),
        ("1" * 21, "expected 1-20 characters"),
        ("", "expected 1-20 characters"),
        (" 123", "without leading or trailing spaces"),
    ],
)
def test_card_number_violations(number: str, message: str) -> None:
    problem = only_problem("gz-card", {**CARD, 1: number})
    assert problem.startswith("OID 1 读者证号 / card number: ")
    assert message in problem


@pytest.mark.parametrize("number", ["1" * 20, "GZ-2020/01", "A", "00010000000012"])
def test_card_numbers_allowed(number: str) -> None:
    assert check("gz-card", {**CARD, 1: number}) == []


def test_card_number_of_another_library_is_a_note() -> None:
    report = evaluate("gz-card", {**CARD, 3: "CN-440100-1-0002"})
    assert report.conforms
    assert report.notes == (
        "OID 1 读者证号 / card number 00010000000012 looks like a patron barcode of library 0001"
        " but OID 3 所属馆ISIL / owner library ISIL is CN-440100-1-0002",
    )


# --- check / require / identify ----------------------------------------------------------------


def test_require_lists_every_problem_in_one_message() -> None:
    with pytest.raises(ProfileError) as caught:
        require("gz-item", {5: "20"})
    message = str(caught.value)
    assert message.startswith("tag does not conform to gz-item: ")
    assert "OID 1 " in message and "OID 3 " in message and "OID 5 " in message
    assert message.count(" | ") == 2


@pytest.mark.parametrize("name", ["gz-book", "", None])
def test_unknown_profile(name) -> None:
    with pytest.raises(ProfileError, match="expected one of: gz-item, gz-disc, gz-card"):
        check(name, ITEM)


def test_elements_must_be_a_mapping() -> None:
    with pytest.raises(ProfileError, match="expected a mapping"):
        evaluate("gz-item", [(1, "x")])  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("elements", "name"),
    [(ITEM, "gz-item"), (FULL_ITEM, "gz-item"), (DISC, "gz-disc"), (CARD, "gz-card"),
     ({**CARD, 5: "83"}, "gz-card")],
)
def test_identify_each_profile(elements: dict, name: str) -> None:
    match = identify(elements)
    assert match.matched
    assert (match.name, match.closest, match.problems) == (name, name, ())
    assert [report.profile for report in match.reports] == list(PROFILES)
    assert match.describe().startswith(f"conforms to {name} (")


def test_a_package_number_is_not_an_item() -> None:
    problem = only_problem("gz-item", {**ITEM, 1: "0001890000001"})
    assert "is a disc package number (000189nnnnnnn), which belongs on a gz-disc tag" in problem
    assert check("gz-item", {**ITEM, 1: "0001890000000"}) == []  # below the package range
    assert identify(DISC).name == "gz-disc"


def test_identify_non_conforming_tag_explains_against_the_closest() -> None:
    match = identify({1: "0001100000001", 3: "CN-440100-1-0002", 5: "20"})
    assert not match.matched
    assert match.name is None
    assert match.closest == "gz-item"
    assert len(match.problems) == 2
    text = match.describe()
    assert text.startswith("conforms to no DB4401/T 96 profile; closest is gz-item")
    assert "  problem: OID 5 应用类别 / type of usage: 20 is class 2" in text


@pytest.mark.parametrize(
    ("elements", "closest"),
    [
        ({1: "12345", 3: "bad", 5: "80"}, "gz-card"),  # card usage but bad ISIL
        ({1: "0001890000001", 3: ISIL, 7: "DA"}, "gz-disc"),  # disc markers, parts missing
        ({1: "00010000000012", 5: "7F"}, "gz-card"),  # patron-category barcode
        ({1: "0001100000001", 5: "1Z"}, "gz-item"),  # usage class 1
        ({}, "gz-item"),  # nothing at all: fewest problems
        ({17: "x"}, "gz-item"),
    ],
)
def test_identify_closest_profile(elements: dict, closest: str) -> None:
    match = identify(elements)
    assert not match.matched
    assert match.closest == closest
    assert match.problems


def test_identify_empty_tag() -> None:
    match = identify({})
    assert match.problems == (
        "OID 1 馆藏条码(不含校验位) / item barcode without check digit: missing (mandatory in"
        " gz-item, Table D.1)",
        "OID 3 所属馆ISIL / owner library ISIL: missing (mandatory in gz-item, Table D.1)",
    )


element_values = st.one_of(
    st.text(max_size=20),
    st.sampled_from(["10", "80", "DA", ISIL, "0001890000001", "0001100000001", "0301"]),
    st.integers(),
    st.none(),
)


@given(st.dictionaries(st.integers(0, 40), element_values, max_size=8))
def test_identify_never_crashes_and_always_explains(elements: dict) -> None:
    match = identify(elements)
    assert match.closest in PROFILES
    assert match.matched is (not match.problems)
    assert match.describe()


@given(
    st.text(alphabet="0123456789", min_size=4, max_size=4),
    st.sampled_from("1478"),
    st.text(alphabet="01234567", min_size=8, max_size=8),
    st.sampled_from(["10", "11", "12", "13", "14", "15"]),
)
def test_any_well_formed_item_tag_is_identified(code: str, category: str, rest: str,
                                                usage: str) -> None:
    elements = {1: code + category + rest, 3: f"CN-440100-1-{code}", 5: usage}
    assert identify(elements).name == "gz-item"


def test_when_two_profiles_conform_the_one_explaining_more_elements_wins() -> None:
    elements = {**DISC, 5: "80"}
    assert check("gz-card", elements) == [] and check("gz-disc", elements) == []
    match = identify(elements)
    assert match.name == "gz-disc"
    assert match.notes == (
        "OID 5 应用类别 / type of usage: not part of gz-disc, Table D.2; ignored",
    )
