"""The demo library: three member libraries of the Guangzhou network, a few hundred tagged items,
patrons, loans and holds — generated, so it is the same on every run and needs no data file.

The cast (each one shows a rule of the machine):

- most items belong to 广州图书馆 (the kiosk's own library); a third each to 越秀区 and 海珠区
  (通借通还: returned here, they travel home in transit);
- 王小明 has four loans: his own library's book (return → shelf), a 越秀区 book (return →
  transit), a book 李华 has reserved (return refused → staff desk) and one overdue;
- a copy on the shelf is held for 陈静 (checkout by anyone else refused; by her, allowed);
- an inter-library-loan item (OID 11 on the tag → staff desk), a three-disc set (all parts on
  the pad or nothing), a discarded copy (refused), a blocked card (赵强, refused).

:func:`demo_library` gives the central import document plus the loans to seed;
:func:`item_tags` / :func:`card_tags` give the virtual tags, as the library's tagging station
would have written them (DB4401/T 96 ``gz-item`` / ``gz-card``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from drivers.virtual import VirtualTag, make_uid
from kiosk import gz, tagdata

__all__ = [
    "DemoCard",
    "DemoItem",
    "DemoLibrary",
    "DemoLoan",
    "demo_library",
]

HOME = "CN-440100-1-0001"
YUEXIU = "CN-440100-1-0002"
HAIZHU = "CN-440100-1-0003"
ILL_LENDER = "CN-110000-1-0001"  # outside the network: 国家图书馆 lends by ILL
KIOSK_ID = "gz-0001-k01"
DEMO_PIN = "1234"

_MEMBERS: tuple[tuple[str, str, str, str], ...] = (
    (HOME, "0001", "广州图书馆", "Guangzhou Library"),
    (YUEXIU, "0002", "越秀区图书馆", "Yuexiu District Library"),
    (HAIZHU, "0003", "海珠区图书馆", "Haizhu District Library"),
)

_TITLES: tuple[tuple[str, str, str], ...] = (
    ("三体", "刘慈欣", "I247.55"),
    ("活着", "余华", "I247.57"),
    ("围城", "钱锺书", "I246.5"),
    ("平凡的世界", "路遥", "I247.57"),
    ("红楼梦", "曹雪芹", "I242.4"),
    ("边城", "沈从文", "I246.5"),
    ("呐喊", "鲁迅", "I210.6"),
    ("骆驼祥子", "老舍", "I246.5"),
    ("白鹿原", "陈忠实", "I247.5"),
    ("长恨歌", "王安忆", "I247.5"),
    ("繁花", "金宇澄", "I247.5"),
    ("人生海海", "麦家", "I247.5"),
    ("额尔古纳河右岸", "迟子建", "I247.5"),
    ("文化苦旅", "余秋雨", "I267"),
    ("万历十五年", "黄仁宇", "K248.07"),
    ("乡土中国", "费孝通", "C912.82"),
    ("中国历代政治得失", "钱穆", "D691"),
    ("人间词话", "王国维", "I207.23"),
    ("朝花夕拾", "鲁迅", "I210.4"),
    ("城南旧事", "林海音", "I287.45"),
    ("草房子", "曹文轩", "I287.45"),
    ("小王子", "圣埃克苏佩里", "I565.88"),
    ("窗边的小豆豆", "黑柳彻子", "I313.88"),
    ("广州简史", "广州市地方志办公室", "K296.51"),
    ("粤菜烹饪技法", "陈添", "TS972.117"),
    ("Python编程：从入门到实践", "Eric Matthes", "TP311.561"),
    ("深入理解计算机系统", "Randal E. Bryant", "TP303"),
    ("时间简史", "霍金", "P159"),
    ("人类简史", "尤瓦尔·赫拉利", "K02"),
    ("百年孤独", "加西亚·马尔克斯", "I775.45"),
)
_FOREIGN: tuple[tuple[str, str, str], ...] = (
    ("The Old Man and the Sea", "Ernest Hemingway", "I712.45"),
    ("Pride and Prejudice", "Jane Austen", "I561.44"),
    ("The Little Prince", "Antoine de Saint-Exupéry", "I565.88"),
    ("Nineteen Eighty-Four", "George Orwell", "I561.45"),
)


@dataclass(frozen=True, slots=True)
class DemoItem:
    """One copy with a tag: its central record and what its tag carries."""

    pii: str
    owner: str
    title: str
    author: str
    call_number: str
    usage: str = "10"  # OID 5: circulating book
    parts: int = 1  # a disc set's number of parts (one tag each)
    ill_from: str | None = None
    discarded: bool = False
    children: bool = False
    role: str = ""  # what it shows in the demo ("" for an ordinary copy)

    def part_barcodes(self) -> list[str]:
        """A set's parts (OID 22): non-book barcodes numbered after the package."""
        base = int(self.pii[6:])
        return [f"{self.pii[:4]}8{base * 10 + n:08d}" for n in range(1, self.parts + 1)]

    def record(self) -> dict[str, Any]:
        row: dict[str, Any] = {
            "pii": self.pii,
            "owner": self.owner,
            "title": self.title,
            "author": self.author,
            "call_number": self.call_number,
        }
        if self.ill_from is not None:
            row.update(ill=True, ill_from=self.ill_from)
        if self.discarded:
            row["discarded"] = True
        if self.children:
            row["children"] = True
        return row


@dataclass(frozen=True, slots=True)
class DemoCard:
    number: str
    name: str
    home: str
    blocked: bool = False
    role: str = ""

    def record(self) -> dict[str, Any]:
        row: dict[str, Any] = {
            "card": self.number,
            "name": self.name,
            "home": self.home,
            "limit": 10,
            "pin": DEMO_PIN,
        }
        if self.blocked:
            row.update(blocked=True, block_reason="挂失 reported lost")
        return row


@dataclass(frozen=True, slots=True)
class DemoLoan:
    owner: str
    pii: str
    patron: str
    days_ago: int  # lent this many days ago (30-day loans: > 30 is overdue)


@dataclass(frozen=True, slots=True)
class DemoLibrary:
    items: tuple[DemoItem, ...]
    cards: tuple[DemoCard, ...]
    loans: tuple[DemoLoan, ...]
    holds: tuple[dict[str, Any], ...]

    def document(self) -> dict[str, Any]:
        """The central import document (``kiosk-central import``)."""
        return {
            "members": [
                {
                    "isil": isil,
                    "code": code,
                    "name_zh": zh,
                    "name_en": en,
                    "pin_required": isil == HOME,
                    "loan_days": 30,
                }
                for isil, code, zh, en in _MEMBERS
            ],
            "kiosks": [{"kiosk": KIOSK_ID, "library": HOME}],
            "catalogue": [item.record() for item in self.items],
            "patrons": [card.record() for card in self.cards],
            "holds": list(self.holds),
        }

    def featured(self) -> list[DemoItem]:
        """The items the simulator shelves first: one per rule, then a few ordinary copies."""
        special = [item for item in self.items if item.role]
        ordinary = [item for item in self.items if not item.role][:9]
        return special + ordinary

    def names(self) -> dict[str, dict[str, str]]:
        return {isil: {"zh": zh, "en": en} for isil, _code, zh, en in _MEMBERS}


def _pii(code: str, category: str, serial: int) -> str:
    return f"{code}{category}{serial:08d}"


def demo_library(copies: int = 300) -> DemoLibrary:
    """The demo library with ``copies`` ordinary items spread over the three libraries."""
    items: list[DemoItem] = []
    codes = [code for _isil, code, _zh, _en in _MEMBERS]
    for n in range(copies):
        isil, code = _MEMBERS[n % 3][0], codes[n % 3]
        foreign = n % 10 == 9
        title, author, klass = (_FOREIGN if foreign else _TITLES)[
            n // 3 % (len(_FOREIGN) if foreign else len(_TITLES))
        ]
        items.append(
            DemoItem(
                pii=_pii(code, "7" if foreign else "1", 1000 + n),
                owner=isil,
                title=title,
                author=author,
                call_number=f"{klass}/{100 + n % 97}",
                children=klass.startswith("I287"),
            )
        )
    special = [
        DemoItem(_pii("0001", "1", 1), HOME, "三体", "刘慈欣", "I247.55/1", role="own_loan"),
        DemoItem(_pii("0002", "1", 2), YUEXIU, "围城", "钱锺书", "I246.5/2", role="member_loan"),
        DemoItem(_pii("0001", "1", 3), HOME, "白鹿原", "陈忠实", "I247.5/3", role="reserved_loan"),
        DemoItem(_pii("0003", "1", 4), HAIZHU, "繁花", "金宇澄", "I247.5/4", role="overdue_loan"),
        DemoItem(_pii("0001", "1", 5), HOME, "乡土中国", "费孝通", "C912.82/5", role="held_shelf"),
        DemoItem(
            _pii("0001", "1", 6), HOME, "四库全书总目提要", "纪昀", "Z838/6",
            ill_from=ILL_LENDER, role="ill",
        ),
        DemoItem(
            "0001890000011", HOME, "中国古典音乐（3 张光盘）", "中国唱片", "J609.2/11",
            parts=3, role="disc_set",
        ),
        DemoItem(_pii("0001", "1", 7), HOME, "旧版电话簿", "—", "Z89/7", discarded=True,
                 role="discarded"),
        DemoItem(_pii("0002", "1", 8), YUEXIU, "草房子", "曹文轩", "I287.45/8", children=True,
                 role="member_shelf"),
    ]
    cards = (
        DemoCard("0001000012345", "王小明", HOME, role="loans"),
        DemoCard("0001000067890", "李华", HOME, role="reserver"),
        DemoCard("0002000011111", "陈静", YUEXIU, role="hold_pickup"),
        DemoCard("0001000099999", "赵强", HOME, blocked=True, role="blocked"),
    )
    loans = (
        DemoLoan(HOME, special[0].pii, cards[0].number, 5),
        DemoLoan(YUEXIU, special[1].pii, cards[0].number, 8),
        DemoLoan(HOME, special[2].pii, cards[0].number, 12),
        DemoLoan(HAIZHU, special[3].pii, cards[0].number, 40),
    )
    holds = (
        {"owner": HOME, "pii": special[2].pii, "patron": cards[1].number, "pickup": HOME},
        {"owner": HOME, "pii": special[4].pii, "patron": cards[2].number, "pickup": HOME},
    )
    return DemoLibrary(tuple(special + items), cards, loans, holds)


def _tag(uid: bytes, elements: dict[int, str], *, secured: bool) -> VirtualTag:
    encoded = tagdata.encode(elements, lock=(1, 3), capacity=tagdata.CHIP_CAPACITY["slix"])
    return VirtualTag(
        "slix",
        uid,
        encoded.data + bytes(tagdata.CHIP_CAPACITY["slix"] - len(encoded.data)),
        afi=0x07 if secured else 0xC2,
        dsfid=0x06,
        eas=secured,
        locked_blocks=encoded.lock_blocks,
    )


def item_tags(item: DemoItem, serial: int, *, secured: bool) -> list[VirtualTag]:
    """The item's tag(s): one per part of a set; ``secured`` as on the shelf (on loan: not)."""
    tags = []
    for part in range(1, item.parts + 1):
        elements = {1: item.pii, 3: item.owner, 5: item.usage, 6: item.call_number}
        if item.parts > 1:
            elements[4] = f"{item.parts:02d}{part:02d}"
            elements[7] = "DA"
            elements[22] = ",".join(item.part_barcodes())
        if item.ill_from is not None:
            elements[11] = item.ill_from
        profile = "gz-disc" if item.parts > 1 else "gz-item"
        gz.require(profile, elements)
        uid = make_uid("slix", 0x10000000 + serial * 8 + part)
        tags.append(_tag(uid, elements, secured=secured))
    return tags


def card_tag(card: DemoCard, serial: int) -> VirtualTag:
    elements = {1: card.number, 3: card.home, 5: "80"}
    return _tag(make_uid("slix", 0x20000000 + serial), elements, secured=False)
