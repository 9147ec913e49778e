"""Transit bins: packages of 20, per-destination separation, handover counts, numbering, state."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kiosk.errors import LogisticsError
from kiosk.logistics import (
    ChildrenRule,
    TransitBins,
    TransitItem,
    library_code,
)

HOME = "CN-440100-1-0001"
YUEXIU = "CN-440100-1-0002"
HAIZHU = "CN-440100-1-0003"
DAY = date(2026, 3, 2)


def _item(n: int, owner: str = YUEXIU, **kw: object) -> TransitItem:
    return TransitItem(f"{library_code(owner)}{n:09d}", owner, title=f"书 {n}", **kw)  # type: ignore[arg-type]


def _bins(**kw: object) -> TransitBins:
    return TransitBins(HOME, "广州图书馆", names={YUEXIU: "越秀区图书馆"}, **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("count", "sizes"),
    [(0, []), (1, [1]), (19, [19]), (20, [20]), (21, [20, 1]), (40, [20, 20]), (41, [20, 20, 1])],
)
def test_packages_of_twenty(count: int, sizes: list[int]) -> None:
    bins = _bins()
    for n in range(count):
        assert bins.add(_item(n)) == n + 1
    dispatch = bins.empty(DAY)
    packages = [p for tl in dispatch.lists for p in tl.packages]
    assert [len(p.items) for p in packages] == sizes
    assert [p.number for p in packages] == [f"20260302-0002-{i}" for i in range(1, len(sizes) + 1)]
    # arrival order is kept across package boundaries
    assert [i.barcode for p in packages for i in p.items] == [
        _item(n).barcode for n in range(count)
    ]
    assert len(dispatch.lists) == (1 if count else 0)
    assert dispatch.handover.total == count and dispatch.handover.packages == len(sizes)
    assert bins.counts() == {}


def test_destinations_are_kept_apart() -> None:
    bins = _bins()
    for n in range(25):
        bins.add(_item(n, YUEXIU))
    for n in range(3):
        bins.add(_item(n, HAIZHU))
    assert bins.counts() == {YUEXIU: 25, HAIZHU: 3}
    dispatch = bins.empty(DAY)
    by_dest = {tl.destination: tl for tl in dispatch.lists}
    assert set(by_dest) == {YUEXIU, HAIZHU}
    assert {i.owner for i in by_dest[YUEXIU].items} == {YUEXIU}
    assert {i.owner for i in by_dest[HAIZHU].items} == {HAIZHU}
    assert [p.number for p in by_dest[YUEXIU].packages] == ["20260302-0002-1", "20260302-0002-2"]
    assert [p.number for p in by_dest[HAIZHU].packages] == ["20260302-0003-1"]
    assert (by_dest[YUEXIU].destination_name, by_dest[HAIZHU].destination_name) == (
        "越秀区图书馆",
        "",
    )
    assert by_dest[YUEXIU].sending_name == "广州图书馆"


def test_handover_counts_ordinary_and_children() -> None:
    bins = _bins()
    bins.add(_item(1, call_number="I287.45/12"))  # CLC Chinese children's literature
    bins.add(_item(2, call_number="i287.7/3"))
    bins.add(_item(3, call_number="I247.5/1"))
    bins.add(_item(4, call_number="I287.45/1", children=False))  # the copy's own flag wins
    bins.add(_item(5, call_number="TP311/2", children=True))
    bins.add(_item(6, collection="少儿"))
    for n in range(7, 22):
        bins.add(_item(n))
    bins.add(_item(1, HAIZHU, children=True))
    sheet = bins.empty(DAY).handover
    assert (sheet.sending, sheet.sending_name, sheet.day) == (HOME, "广州图书馆", DAY)
    rows = {row.destination: row for row in sheet.rows}
    yuexiu = rows[YUEXIU]
    assert (yuexiu.ordinary, yuexiu.children, yuexiu.total, yuexiu.packages) == (17, 4, 21, 2)
    assert (yuexiu.destination_code, yuexiu.destination_name) == ("0002", "越秀区图书馆")
    haizhu = rows[HAIZHU]
    assert (haizhu.ordinary, haizhu.children, haizhu.packages) == (0, 1, 1)
    assert (sheet.ordinary, sheet.children, sheet.total, sheet.packages) == (17, 5, 22, 3)


def test_configured_children_rule() -> None:
    bins = _bins(children_rule=ChildrenRule(call_number_prefixes=("ET",), collections=frozenset()))
    bins.add(_item(1, call_number="ET/I287/1"))
    bins.add(_item(2, call_number="I287.45/12"))
    bins.add(_item(3, collection="少儿"))
    [package] = bins.empty(DAY).lists[0].packages
    assert package.children_flags == (True, False, False)
    assert (package.children, package.ordinary) == (1, 2)


def test_package_numbers_continue_the_same_day_and_restart_the_next() -> None:
    bins = _bins()
    bins.add(_item(1))
    assert bins.empty(DAY).lists[0].packages[0].number == "20260302-0002-1"
    bins.add(_item(2))
    assert bins.empty(DAY).lists[0].packages[0].number == "20260302-0002-2"
    bins.add(_item(3))
    assert bins.empty(date(2026, 3, 3)).lists[0].packages[0].number == "20260303-0002-1"


def test_empty_some_destinations_only() -> None:
    bins = _bins()
    bins.add(_item(1, YUEXIU))
    bins.add(_item(1, HAIZHU))
    dispatch = bins.empty(DAY, [HAIZHU])
    assert [tl.destination for tl in dispatch.lists] == [HAIZHU]
    assert bins.counts() == {YUEXIU: 1}


def test_same_copy_twice_counts_once_and_can_be_removed() -> None:
    bins = _bins()
    assert bins.add(_item(1)) == 1
    assert bins.add(_item(1)) == 1
    assert bins.remove(YUEXIU, _item(1).barcode)
    assert not bins.remove(YUEXIU, _item(1).barcode)
    assert bins.counts() == {}


def test_custom_code_of() -> None:
    bins = TransitBins(HOME, code_of={YUEXIU: "YX"}.__getitem__)
    bins.add(_item(1))
    assert bins.empty(DAY).lists[0].packages[0].number == "20260302-YX-1"


def test_library_code() -> None:
    assert library_code(YUEXIU) == "0002"
    assert library_code("CN-110108-1-NLC") == "NLC"


def test_from_reply() -> None:
    reply = {
        "tx_id": "k:1",
        "title": "三体",
        "author": "刘慈欣",
        "isbn": "9787536692930",
        "publisher": "重庆出版社",
        "price": "23.00",
        "call_number": "I247.55/2",
    }
    item = TransitItem.from_reply(reply, barcode="0002000000001", owner=YUEXIU)
    assert (item.title, item.price, item.call_number, item.children) == (
        "三体",
        "23.00",
        "I247.55/2",
        None,
    )
    bare = TransitItem.from_reply({"title": None}, barcode="x", owner=YUEXIU)
    assert bare.title == ""
    with pytest.raises(LogisticsError, match="transit item title: int, expected text"):
        TransitItem.from_reply({"title": 5}, barcode="x", owner=YUEXIU)


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: TransitItem("", YUEXIU), "transit item barcode: empty"),
        (lambda: TransitItem("1", " "), "transit item owner: empty"),
        (lambda: TransitItem("1", YUEXIU, children="yes"), "children: 'yes', expected true/false"),  # type: ignore[arg-type]
        (lambda: TransitBins(""), "sending library"),
        (lambda: TransitBins(HOME, package_size=0), "package size: 0"),
        (lambda: _bins().add(_item(1, HOME)), "owned by the sending library"),
        (lambda: _bins().add("0002"), "expected TransitItem"),  # type: ignore[arg-type]
        (lambda: _bins().empty("2026-03-02"), "expected a date"),  # type: ignore[arg-type]
    ],
)
def test_bad_input(build: object, message: str) -> None:
    with pytest.raises(LogisticsError) as caught:
        build()  # type: ignore[operator]
    assert message in str(caught.value)
    assert isinstance(caught.value, ValueError)


def test_state_round_trip() -> None:
    bins = _bins()
    bins.add(_item(1))
    bins.empty(DAY)
    bins.add(_item(2, call_number="I287/1", children=None, collection="x"))
    bins.add(_item(3, HAIZHU, children=True))
    restored = _bins()
    restored.load_state(bins.to_state())
    assert restored.counts() == bins.counts()
    assert restored.items(YUEXIU) == bins.items(YUEXIU)
    lists = {tl.destination: tl for tl in restored.empty(DAY).lists}
    assert lists[YUEXIU].packages[0].number == "20260302-0002-2"
    assert lists[HAIZHU].packages[0].number == "20260302-0003-1"


@pytest.mark.parametrize(
    ("state", "message"),
    [
        ({"items": {}}, "expected lists"),
        ({"items": [1]}, "items[0]: expected an object"),
        ({"items": [{"barcode": "1"}]}, "items[0]:"),
        ({"items": [{"barcode": "1", "owner": YUEXIU, "shelf": 2}]}, "items[0]:"),
        ({"packages": [{"day": "2026-03-02"}]}, "packages[0]: expected day, destination, last"),
    ],
)
def test_bad_state(state: dict[str, object], message: str) -> None:
    with pytest.raises(LogisticsError, match=message.replace("[", r"\[").replace("]", r"\]")):
        _bins().load_state(state)


@given(st.lists(st.sampled_from([YUEXIU, HAIZHU, "CN-440100-1-0004"]), max_size=90))
def test_every_copy_lands_in_exactly_one_package(owners: list[str]) -> None:
    bins = _bins()
    for n, owner in enumerate(owners):
        bins.add(_item(n, owner))
    dispatch = bins.empty(DAY)
    packed = [(i.owner, i.barcode) for tl in dispatch.lists for p in tl.packages for i in p.items]
    assert sorted(packed) == sorted((o, _item(n, o).barcode) for n, o in enumerate(owners))
    for tl in dispatch.lists:
        sizes = [len(p.items) for p in tl.packages]
        assert all(s == 20 for s in sizes[:-1]) and 1 <= sizes[-1] <= 20
        assert all(p.destination == tl.destination for p in tl.packages)
    assert dispatch.handover.total == len(owners)
    assert dispatch.handover.packages == sum(-(-owners.count(o) // 20) for o in set(owners))
