"""Item identity from tag elements, and the kiosk-side item policy (issue §2), table by table."""

from __future__ import annotations

import pytest
from circ_world import HOME, MEMBER, STRANGER, item, make_policy, uid
from hypothesis import given
from hypothesis import strategies as st

from kiosk.circulation import ItemIdentity, Op, SetInfo
from kiosk.circulation.decision import ROUTE_STAFF
from kiosk.circulation.reasons import Reason

# ---------------------------------------------------------------- set information (OID 4)


@pytest.mark.parametrize(
    ("text", "total", "part"),
    [
        ("11", 1, 1),
        ("32", 3, 2),
        ("0302", 3, 2),
        ("1203", 12, 3),
        ("012003", 12, 3),
        ("100100", 100, 100),
        (" 0201 ", 2, 1),
    ],
)
def test_set_information_parses_total_then_ordinal(text: str, total: int, part: int) -> None:
    assert SetInfo.parse(text) == SetInfo(total, part)


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("1", "not 2, 4 or 6 digits"),
        ("123", "not 2, 4 or 6 digits"),
        ("12345678", "not 2, 4 or 6 digits"),
        ("ab", "not 2, 4 or 6 digits"),
        ("０２", "not 2, 4 or 6 digits"),  # full-width digits are not ASCII
        ("00", "part 0 of 0"),
        ("0100", "part 0 of 1"),
        ("0203", "part 3 of 2"),
        ("12", "part 2 of 1"),
    ],
)
def test_bad_set_information_says_what_is_wrong(text: str, says: str) -> None:
    with pytest.raises(ValueError, match=says):
        SetInfo.parse(text)


@given(st.integers(1, 999), st.data())
def test_set_information_round_trips_every_width(total: int, data: st.DataObject) -> None:
    part = data.draw(st.integers(1, total))
    width = data.draw(st.sampled_from([w for w in (1, 2, 3) if total < 10**w]))
    assert SetInfo.parse(f"{total:0{width}d}{part:0{width}d}") == SetInfo(total, part)


# ---------------------------------------------------------------- identity from elements


def test_identity_takes_every_element_it_needs() -> None:
    identity = ItemIdentity.from_elements(
        "e004010012345678",
        {1: " 4401000000001 ", 3: HOME, 4: "0302", 5: "13", 11: MEMBER, 17: "红楼梦", 6: "I242"},
    )
    assert identity == ItemIdentity(
        uid="E004010012345678",
        pii="4401000000001",
        owner=HOME,
        set_info=SetInfo(3, 2),
        usage=0x13,
        ill_institution=MEMBER,
        title="红楼梦",
    )
    assert (identity.usage_class, identity.usage_qualifier) == (1, 3)
    assert identity.readable and identity.is_multipart and not identity.is_patron_card


@pytest.mark.parametrize(
    ("elements", "problem"),
    [
        ({3: HOME}, "no primary item identifier (OID 1)"),
        ({1: "  "}, "no primary item identifier (OID 1)"),
        ({1: "X", 4: "0203"}, "OID 4: set information '0203' says part 3 of 2"),
        ({1: "X", 5: "1"}, "OID 5 type of usage '1' is not two hex digits"),
        ({1: "X", 5: "G0"}, "OID 5 type of usage 'G0' is not two hex digits"),
        ({5: "zz"}, "no primary item identifier (OID 1); OID 5 type of usage 'zz'"),
    ],
)
def test_unusable_elements_give_an_unreadable_identity(
    elements: dict[int, str], problem: str
) -> None:
    identity = ItemIdentity.from_elements(uid(1), elements)
    assert not identity.readable
    assert identity.problem.startswith(problem)
    assert identity.set_key is None


def test_unreadable_constructor_keeps_the_problem() -> None:
    identity = ItemIdentity.unreadable("e0040100aa", "CRC error at block 3")
    assert (identity.uid, identity.readable, identity.problem) == (
        "E0040100AA",
        False,
        "CRC error at block 3",
    )


def test_patron_card_is_usage_class_eight() -> None:
    assert ItemIdentity.from_elements(uid(1), {1: "P", 5: "8a"}).is_patron_card
    assert not item(1, usage="10").is_patron_card
    assert not item(1, usage=None).is_patron_card


def test_set_key_groups_parts_by_owner_pii_and_total() -> None:
    a = item(1, "440189000001", set_info="0301")
    b = item(2, "440189000001", set_info="0302", owner=HOME.lower())
    other_total = item(3, "440189000001", set_info="0201")
    single = item(4, "440189000001", set_info="0101")
    assert a.set_key == b.set_key == (HOME.casefold(), "440189000001", 3)
    assert other_total.set_key != a.set_key
    assert single.set_key is None and item(5).set_key is None


# ---------------------------------------------------------------- the item policy table

C, R, N = Op.CHECKOUT, Op.RETURN, Op.RENEW
UNREADABLE = ItemIdentity.unreadable(uid(9), "no answer")

POLICY_TABLE = [
    # (op, identity, ordinals present, expected reason or None (central decides), route)
    (C, UNREADABLE, None, Reason.TAG_UNREADABLE, None),
    (R, UNREADABLE, None, Reason.TAG_UNREADABLE, None),
    (N, UNREADABLE, None, Reason.TAG_UNREADABLE, None),
    (C, item(1, usage="20"), None, Reason.NOT_FOR_CIRCULATION, None),
    (C, item(1, usage="70"), None, Reason.DISCARDED, None),
    (C, item(1, usage="73"), None, Reason.DISCARDED, None),
    (C, item(1, usage="10"), None, None, None),
    (C, item(1, usage="15"), None, None, None),  # offline flags are the offline policy's
    (C, item(1, usage=None), None, None, None),
    (C, item(1, owner=STRANGER), None, Reason.NOT_MEMBER_LIBRARY, None),
    (C, item(1, owner=MEMBER), None, None, None),
    (C, item(1, owner=MEMBER.lower()), None, None, None),
    (C, item(1, owner=None), None, None, None),  # no owner: the home library's
    (C, item(1, usage="20", owner=STRANGER), None, Reason.NOT_FOR_CIRCULATION, None),
    (C, item(1, ill=MEMBER), None, None, None),  # ILL loans are central's business
    (C, item(1, set_info="0301"), None, Reason.SET_INCOMPLETE, None),
    (C, item(1, set_info="0301"), {1, 2}, Reason.SET_INCOMPLETE, None),
    (C, item(1, set_info="0301"), {2, 3}, None, None),  # its own ordinal counts
    (C, item(1, set_info="0301"), {1, 2, 3}, None, None),
    (C, item(1, set_info="0101"), None, None, None),
    (R, item(1, usage="20"), None, None, None),
    (R, item(1, usage="70"), None, None, None),
    (R, item(1, owner=STRANGER), None, Reason.NOT_MEMBER_LIBRARY, None),
    (R, item(1, ill=MEMBER), None, Reason.ILL_ITEM, ROUTE_STAFF),
    (R, item(1, ill=MEMBER, owner=STRANGER), None, Reason.NOT_MEMBER_LIBRARY, None),
    (R, item(1, set_info="0201"), None, Reason.SET_INCOMPLETE, None),
    (R, item(1, set_info="0201"), {1, 2}, None, None),
    (R, item(1), None, None, None),
    (N, item(1, owner=STRANGER), None, None, None),
    (N, item(1, usage="20"), None, None, None),
    (N, item(1, set_info="0301"), None, None, None),  # renewing needs no parts on the pad
]


@pytest.mark.parametrize(("op", "identity", "parts", "reason", "route"), POLICY_TABLE)
def test_item_policy_rules(
    op: Op, identity: ItemIdentity, parts: set[int] | None, reason: Reason | None,
    route: str | None,
) -> None:
    decision = make_policy().check(op, identity, parts)
    if reason is None:
        assert decision is None
    else:
        assert decision is not None
        assert (decision.accepted, decision.reason, decision.route, decision.offline) == (
            False, reason, route, False,
        )


def test_complete_sets_can_be_switched_off_per_operation() -> None:
    policy = make_policy(complete_sets_for=frozenset({Op.CHECKOUT}))
    assert policy.check(Op.RETURN, item(1, set_info="0301")) is None
    decision = policy.check(Op.CHECKOUT, item(1, set_info="0301"))
    assert decision is not None and decision.reason is Reason.SET_INCOMPLETE
