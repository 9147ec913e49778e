"""Importing members, kiosks, catalogue, patrons and holds from JSON and CSV."""

from __future__ import annotations

import json
from datetime import date

import pytest
from central_world import CHEAP, NOW

from central.domain import (
    CentralDomain,
    DataImportError,
    DomainConfig,
    HoldState,
    ItemStatus,
    Result,
    verify_pin,
)

A = "CN-440100-1-0001"
B = "CN-440100-1-0002"

MEMBERS_HEADER = (
    "isil,code,name_zh,name_en,member,loan_days,category_loan_days,closed_weekdays,closed_dates"
)
MEMBERS = (
    MEMBERS_HEADER
    + """
CN-440100-1-0001,0001,广州图书馆,Guangzhou Library,是,30,child=60;teen=45,0,2026-10-01;2026-10-02
CN-440100-1-0002,0002,越秀区图书馆,"Yuexiu District Library, Guangzhou",yes,,,,
CN-440300-1-SZL,9001,深圳图书馆,Shenzhen Library,no,,,,
"""
)
KIOSKS = (
    "kiosk,library,accepts_reserved_to_staff_bin\nk1,CN-440100-1-0001,1\nk2,CN-440100-1-0002,\n"
)
CATALOGUE = '''pii,owner,title,author,isbn,publisher,price,call_number,circulates,children
A1,CN-440100-1-0001,"呐喊, 彷徨",鲁迅,9787020002207,人民文学出版社,45,I210.4/12,true,false
A2,CN-440100-1-0001,"Say ""hello""",Ann,,,,I287.5/3,,1
B1,CN-440100-1-0002,书,,,,12.5,,false,
'''
PATRONS = """card,name,home,category,limit,blocked,expires,pin
P1,张三,CN-440100-1-0001,adult,5,false,2027-12-31,1234
P2,李四,CN-440100-1-0002,,,true,,
"""
HOLDS = """owner,pii,patron,pickup,state,expires,placed
CN-440100-1-0001,A1,P1,CN-440100-1-0002,on_shelf,2026-03-09,1000
CN-440100-1-0001,A2,P2,CN-440100-1-0001,,,
"""


def _fresh() -> CentralDomain:
    return CentralDomain(config=DomainConfig(pin_salt=lambda: b"0123456789abcdef", pin_cost=CHEAP))


def _load_all(domain: CentralDomain) -> None:
    for kind, text in [
        ("members", MEMBERS),
        ("kiosks", KIOSKS),
        ("catalogue", CATALOGUE),
        ("patrons", PATRONS),
        ("holds", HOLDS),
    ]:
        domain.load_csv(kind, text)


def test_csv_import_of_everything() -> None:
    domain = _fresh()
    _load_all(domain)
    a = domain.library(A)
    assert (a.code, a.name_en, a.member, a.loan_days) == ("0001", "Guangzhou Library", True, 30)
    assert dict(a.category_loan_days) == {"child": 60, "teen": 45}
    assert a.closed_weekdays == {0} and a.closed_dates == {date(2026, 10, 1), date(2026, 10, 2)}
    assert domain.library(B).name_en == "Yuexiu District Library, Guangzhou"
    assert domain.library_by_code("9001").member is False
    assert domain.kiosk("k1").accepts_reserved_to_staff_bin
    assert not domain.kiosk("k2").accepts_reserved_to_staff_bin
    a1 = domain.repo.get_item((A, "A1"))
    assert a1 is not None and (a1.title, a1.price, a1.children) == ("呐喊, 彷徨", "45.00", False)
    a2 = domain.repo.get_item((A, "A2"))
    assert a2 is not None and (a2.title, a2.price, a2.children) == ('Say "hello"', "", True)
    b1 = domain.repo.get_item((B, "B1"))
    assert b1 is not None and (b1.price, b1.circulates) == ("12.50", False)
    p1 = domain.repo.get_patron("P1")
    assert p1 is not None and (p1.limit, p1.expires) == (5, date(2027, 12, 31))
    assert p1.pin_hash is not None and verify_pin("1234", p1.pin_hash)
    p2 = domain.repo.get_patron("P2")
    assert p2 is not None and (p2.category, p2.limit, p2.blocked) == ("adult", 10, True)
    assert domain.blocked_cards()["cards"] == ["P2"]
    holds = domain.holds()
    assert [(h.pii, h.state, h.placed_ms) for h in holds] == [
        ("A1", HoldState.ON_SHELF, 1000),
        ("A2", HoldState.WAITING, 0),
    ]
    assert domain.item("A1", A).status is ItemStatus.ON_HOLD_SHELF
    assert domain.holds_snapshot()["version"] == 1
    assert domain.patron("P1", "1234", NOW, kiosk="k1").result is Result.ACCEPTED


def test_json_import_equals_csv_import() -> None:
    document = {
        "members": [
            {"isil": A, "code": "0001", "name_zh": "广州图书馆", "closed_weekdays": [0, 6]},
            {
                "isil": B,
                "code": "0002",
                "name_zh": "越秀区图书馆",
                "category_loan_days": {"child": 60},
            },
        ],
        "kiosks": [{"kiosk": "k1", "library": A, "accepts_reserved_to_staff_bin": True}],
        "catalogue": [
            {"pii": "A1", "owner": A, "title": "呐喊", "price": "45.00", "children": True}
        ],
        "patrons": [{"card": "P1", "name": "张三", "home": A, "limit": 3, "pin": "1234"}],
        "holds": [{"owner": A, "pii": "A1", "patron": "P1", "pickup": B}],
    }
    domain = _fresh()
    counts = domain.load_json(json.dumps(document, ensure_ascii=False).encode(), "demo.json")
    assert counts == {"members": 2, "kiosks": 1, "catalogue": 1, "patrons": 1, "holds": 1}
    assert domain.library(A).closed_weekdays == {0, 6}
    assert dict(domain.library(B).category_loan_days) == {"child": 60}
    assert domain.repo.get_patron("P1").limit == 3  # type: ignore[union-attr]
    assert domain.holds()[0].pickup == B


def test_utf8_bom_from_spreadsheets_is_ignored() -> None:
    domain = _fresh()
    assert domain.load_csv("members", "\ufeff" + MEMBERS) == 3


@pytest.mark.parametrize(
    ("kind", "text", "message"),
    [
        (
            "members",
            "isil,code,name_zh\nCN-440100-1-0001,01,馆\n",
            "members.csv row 2, column 'code': '01', expected a 4-digit library code",
        ),
        (
            "members",
            "isil,code,name_zh\nnot an isil,0001,馆\n",
            "row 2, column 'isil': 'not an isil', expected an ISIL",
        ),
        (
            "members",
            "isil,code\nCN-440100-1-0001,0001\n",
            "row 1, column 'name_zh': required column missing",
        ),
        ("members", "isil,code,name_zh,titel\n", "row 1, column 'titel': unknown column"),
        (
            "members",
            "isil,code,name_zh\nCN-440100-1-0001,0001,\n",
            "row 2, column 'name_zh': empty",
        ),
        (
            "members",
            "isil,code,name_zh,member\nCN-440100-1-0001,0001,馆,maybe\n",
            "column 'member': 'maybe', expected true/false",
        ),
        (
            "members",
            "isil,code,name_zh,loan_days\nCN-440100-1-0001,0001,馆,ten\n",
            "column 'loan_days': 'ten', expected a whole number 1..3650",
        ),
        (
            "members",
            "isil,code,name_zh\nCN-440100-1-0001,0001,馆\nCN-440100-1-0001,0001,馆\n",
            "row 3, column 'isil': duplicate 'CN-440100-1-0001', first in row 2",
        ),
        (
            "members",
            "isil,code,name_zh\nCN-440100-1-0001,0001,馆\nCN-440100-1-0002,0001,馆\n",
            "row 3, column 'code': code 0001 already belongs to CN-440100-1-0001",
        ),
        (
            "members",
            "isil,code,name_zh\nCN-440100-1-0001,0001,馆,extra\n",
            "row 2: 4 cells, the header has 3",
        ),
        ("members", "", "row 1: empty file"),
        (
            "members",
            "isil,code,name_zh,closed_dates\nCN-440100-1-0001,0001,馆,2026-02-30\n",
            "column 'closed_dates': '2026-02-30', expected a date YYYY-MM-DD",
        ),
        (
            "members",
            "isil,code,name_zh,category_loan_days\nCN-440100-1-0001,0001,馆,child:60\n",
            "column 'category_loan_days': 'child:60', expected category=days",
        ),
        (
            "catalogue",
            "pii,owner,title\nA1,CN-440100-1-0009,书\n",
            "catalogue.csv row 2, column 'owner': "
            "library 'CN-440100-1-0009' is not among the members loaded",
        ),
        (
            "catalogue",
            "pii,owner,title,price\nA1,CN-440100-1-0001,书,4.999\n",
            "column 'price': '4.999', expected an amount ≥ 0 with at most 2 decimals",
        ),
        (
            "catalogue",
            "pii,owner,title,price\nA1,CN-440100-1-0001,书,免费\n",
            "column 'price': '免费', expected an amount like 45.00",
        ),
        (
            "patrons",
            "card,name,home,pin_hash\nP1,张三,CN-440100-1-0001,md5$abc\n",
            "column 'pin_hash': PIN hash: expected 'scrypt$n$r$p$salt_hex$key_hex'",
        ),
        (
            "patrons",
            "card,name,home,expires\nP1,张三,CN-440100-1-0001,31/12/2027\n",
            "column 'expires': '31/12/2027', expected a date YYYY-MM-DD",
        ),
        (
            "holds",
            "owner,pii,patron,pickup\nCN-440100-1-0001,ZZ,P1,CN-440100-1-0001\n",
            "holds.csv row 2, column 'pii': item CN-440100-1-0001/ZZ is not in the catalogue",
        ),
        (
            "holds",
            "owner,pii,patron,pickup,state\nCN-440100-1-0002,B1,P1,CN-440100-1-0001,on_shelf\n",
            "column 'expires': required when state is on_shelf",
        ),
        (
            "holds",
            "owner,pii,patron,pickup,state\nCN-440100-1-0001,A1,P1,CN-440100-1-0001,lost\n",
            "column 'state': 'lost', expected waiting or on_shelf",
        ),
        (
            "holds",
            "owner,pii,patron,pickup\nCN-440100-1-0001,A1,P1,CN-440300-1-SZL\n",
            "column 'pickup': library 'CN-440300-1-SZL' is not a member",
        ),
        (
            "kiosks",
            "kiosk,library\nk9,CN-440300-1-SZL\n",
            "kiosks.csv row 2, column 'library': library 'CN-440300-1-SZL' is not a member",
        ),
        ("loans", "a\n", "kind 'loans', expected one of members"),
    ],
)
def test_bad_rows_name_file_row_and_column(kind: str, text: str, message: str) -> None:
    domain = _fresh()
    if kind != "members":
        _load_all(domain)
    with pytest.raises(DataImportError) as caught:
        domain.load_csv(kind, text)
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)
    assert isinstance(caught.value, ValueError)


def test_a_bad_row_keeps_nothing_of_the_file() -> None:
    domain = _fresh()
    text = "isil,code,name_zh\nCN-440100-1-0001,0001,馆\nCN-440100-1-0002,2,馆\n"
    with pytest.raises(DataImportError, match="row 3"):
        domain.load_csv("members", text)
    assert domain.libraries() == []


def test_a_bad_json_section_keeps_nothing_of_the_document() -> None:
    domain = _fresh()
    document = {
        "members": [{"isil": A, "code": "0001", "name_zh": "馆"}],
        "patrons": [{"card": "P1", "name": "张三", "home": A, "limit": "lots"}],
    }
    with pytest.raises(DataImportError) as caught:
        domain.load_json(document, "demo.json")
    assert str(caught.value) == (
        "demo.json patrons row 1, column 'limit': 'lots', expected a whole number 0..1000"
    )
    assert domain.libraries() == []


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ("{not json", "demo.json: not valid JSON"),
        ("[]", "demo.json: expected a JSON object"),
        ({"books": []}, "demo.json: unknown section 'books'"),
        ({"members": {}}, "demo.json members: expected a list of objects"),
        ({"members": [1]}, "demo.json members row 1: int, expected an object"),
        (
            {"members": [{"isil": A, "code": "0001", "name_zh": "馆", "nmae": 1}]},
            "column 'nmae': unknown field",
        ),
        (
            {"members": [{"isil": A, "code": 1, "name_zh": "馆"}]},
            "column 'code': int 1, expected text",
        ),
    ],
)
def test_bad_json_documents(document: object, message: str) -> None:
    with pytest.raises(DataImportError) as caught:
        _fresh().load_json(document, "demo.json")  # type: ignore[arg-type]
    assert message in str(caught.value)


def test_plain_pins_need_a_salt_source() -> None:
    domain = CentralDomain()
    domain.load_csv("members", MEMBERS)
    with pytest.raises(DataImportError, match="column 'pin': plain PINs need a salt source"):
        domain.load_csv("patrons", "card,name,home,pin\nP1,张三,CN-440100-1-0001,1234\n")


def test_pin_and_pin_hash_together_are_refused() -> None:
    domain = _fresh()
    domain.load_csv("members", MEMBERS)
    digest = "scrypt$16$1$1$" + "00" * 8 + "$" + "11" * 32
    with pytest.raises(DataImportError, match="either pin or pin_hash"):
        domain.load_csv(
            "patrons", f"card,name,home,pin,pin_hash\nP1,张三,CN-440100-1-0001,1234,{digest}\n"
        )
