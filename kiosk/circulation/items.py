"""Item identity (what a tag says about its item) and the kiosk-side item policy.

:class:`ItemIdentity` is built from decoded ISO 28560 elements (OID → text, as
``kiosk.tagdata.TagData.elements`` gives them; one-byte codes such as OID 5 as two hex digits).
A tag whose data cannot be used is still an identity — ``readable`` false, with the problem in
words — so the session can give it a result (TAG_UNREADABLE) instead of losing it.

Multi-part items (ISO 28560-1 §4.2.4, OID 4 "set information"): every part carries the same
primary item identifier (OID 1) and owner (OID 3); OID 4 holds the number of parts followed by
the part's ordinal, in 2, 4 or 6 digits (``0302`` = 3 parts, this is part 2). DB4401/T 96 disc
sets (Table D.2, profile ``gz-disc`` in :mod:`kiosk.gz.profiles`) follow the same pattern: the
package number ``{library code}89nnnnnnn`` is OID 1 on every tag of the package, OID 4 counts the
volumes *including the case*, and OID 22 lists the discs' own barcodes (N−1 of them; not needed
here). So one rule serves both: a set is complete when, for one (owner, PII, total), ordinals
1…total are all on the pad. Tags that disagree on the total form different sets and so never
complete (the patron is told SET_INCOMPLETE and staff fix the tags).

:class:`ItemPolicy` refuses locally what needs no central (issue §2); everything else (patron
limits, holds, loans) is central's to decide, so ``check`` returns ``None`` for it.
"""

from __future__ import annotations

from collections.abc import Mapping, Set
from dataclasses import dataclass

from kiosk.circulation.config import ItemPolicyConfig
from kiosk.circulation.decision import ROUTE_STAFF, Decision, Op
from kiosk.circulation.reasons import Reason

__all__ = [
    "USAGE_DISCARDED",
    "USAGE_NOT_FOR_CIRCULATION",
    "USAGE_PATRON_CARD",
    "ItemIdentity",
    "ItemPolicy",
    "SetInfo",
    "SetKey",
]

# Type of usage (OID 5) classes: the high nibble (ISO 28560-1 table, as in tagdata.md §3).
USAGE_NOT_FOR_CIRCULATION = 0x2
USAGE_DISCARDED = 0x7
USAGE_PATRON_CARD = 0x8

OID_PII = 1
OID_OWNER = 3
OID_SET = 4
OID_USAGE = 5
OID_ILL = 11
OID_TITLE = 17

SetKey = tuple[str, str, int]
"""(owner ISIL case-folded or "", PII, number of parts): the parts of one set share it."""


@dataclass(frozen=True, slots=True)
class SetInfo:
    """OID 4: ``total`` parts, this tag is part ``part`` (1-based)."""

    total: int
    part: int

    @classmethod
    def parse(cls, text: str) -> SetInfo:
        """Parse 2, 4 or 6 digits (first half total, second half ordinal); ValueError otherwise."""
        digits = text.strip()
        if len(digits) not in (2, 4, 6) or not digits.isascii() or not digits.isdigit():
            raise ValueError(f"set information {text!r} is not 2, 4 or 6 digits")
        half = len(digits) // 2
        total, part = int(digits[:half]), int(digits[half:])
        if total < 1 or not 1 <= part <= total:
            raise ValueError(
                f"set information {text!r} says part {part} of {total} (expected 1 ≤ part ≤ total)"
            )
        return cls(total, part)


@dataclass(frozen=True, slots=True)
class ItemIdentity:
    """What one tag says about its item; ``uid`` is upper-case hex.

    ``usage`` is the type-of-usage byte (OID 5: class in the high nibble, sub-qualifier in the
    low one) or ``None`` when the tag has none.
    """

    uid: str
    pii: str | None = None
    owner: str | None = None
    set_info: SetInfo | None = None
    usage: int | None = None
    ill_institution: str | None = None
    title: str = ""
    readable: bool = True
    problem: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "uid", self.uid.strip().upper())

    @classmethod
    def from_elements(cls, uid_hex: str, elements: Mapping[int, str]) -> ItemIdentity:
        """Build from decoded elements; unusable values give an unreadable identity, never raise."""
        problems: list[str] = []
        pii = _text(elements.get(OID_PII))
        if pii is None:
            problems.append("no primary item identifier (OID 1)")
        set_info = None
        raw_set = _text(elements.get(OID_SET))
        if raw_set is not None:
            try:
                set_info = SetInfo.parse(raw_set)
            except ValueError as exc:
                problems.append(f"OID 4: {exc}")
        usage = None
        raw_usage = _text(elements.get(OID_USAGE))
        if raw_usage is not None:
            if len(raw_usage) == 2 and all(c in "0123456789abcdefABCDEF" for c in raw_usage):
                usage = int(raw_usage, 16)
            else:
                problems.append(f"OID 5 type of usage {raw_usage!r} is not two hex digits")
        return cls(
            uid=uid_hex,
            pii=pii,
            owner=_text(elements.get(OID_OWNER)),
            set_info=set_info,
            usage=usage,
            ill_institution=_text(elements.get(OID_ILL)),
            title=_text(elements.get(OID_TITLE)) or "",
            readable=not problems,
            problem="; ".join(problems),
        )

    @classmethod
    def unreadable(cls, uid_hex: str, problem: str) -> ItemIdentity:
        return cls(uid=uid_hex, readable=False, problem=problem)

    @property
    def usage_class(self) -> int | None:
        return None if self.usage is None else self.usage >> 4

    @property
    def usage_qualifier(self) -> int | None:
        return None if self.usage is None else self.usage & 0x0F

    @property
    def is_patron_card(self) -> bool:
        return self.usage_class == USAGE_PATRON_CARD

    @property
    def is_multipart(self) -> bool:
        return self.set_info is not None and self.set_info.total > 1

    @property
    def set_key(self) -> SetKey | None:
        """The key the parts of this set share, or ``None`` for a single-part item."""
        if not self.readable or self.set_info is None or self.set_info.total < 2:
            return None
        return ((self.owner or "").casefold(), self.pii or "", self.set_info.total)


def _text(value: str | None) -> str | None:
    if value is None:
        return None
    stripped = value.strip()
    return stripped or None


# Usage classes refused at checkout without asking central.
_CHECKOUT_USAGE_REFUSALS: dict[int, Reason] = {
    USAGE_NOT_FOR_CIRCULATION: Reason.NOT_FOR_CIRCULATION,
    USAGE_DISCARDED: Reason.DISCARDED,
}


class ItemPolicy:
    """Local refusals and routes, checked before an item's request goes to central.

    Order of the rules, per operation (the first that applies wins):

    ========  =================================================================================
    checkout  unreadable → TAG_UNREADABLE; usage class 2 → NOT_FOR_CIRCULATION; class 7 →
              DISCARDED; owner not a member → NOT_MEMBER_LIBRARY; set incomplete → SET_INCOMPLETE
    return    unreadable → TAG_UNREADABLE; owner not a member → NOT_MEMBER_LIBRARY; ILL item
              (OID 11) → refused ILL_ITEM, route staff; set incomplete → SET_INCOMPLETE
    renew     unreadable → TAG_UNREADABLE (no PII to renew); the rest is central's
    ========  =================================================================================

    The set rule applies only to the operations in ``complete_sets_for``; the session treats
    SET_INCOMPLETE as "wait for the other parts", not as a final answer.
    """

    def __init__(self, config: ItemPolicyConfig) -> None:
        self._config = config

    @property
    def config(self) -> ItemPolicyConfig:
        return self._config

    def check(
        self, op: Op, identity: ItemIdentity, parts_present: Set[int] | None = None
    ) -> Decision | None:
        """A local decision for ``identity``, or ``None`` when central must decide.

        ``parts_present`` are the ordinals of this item's set now on the pad (this tag's own
        ordinal is always counted).
        """
        if not identity.readable:
            return Decision.refuse(Reason.TAG_UNREADABLE)
        if op is Op.RENEW:
            return None
        if op is Op.CHECKOUT:
            usage_class = identity.usage_class
            refusal = _CHECKOUT_USAGE_REFUSALS.get(usage_class) if usage_class is not None else None
            if refusal is not None:
                return Decision.refuse(refusal)
        if not self._config.is_member(identity.owner):
            return Decision.refuse(Reason.NOT_MEMBER_LIBRARY)
        if op is Op.RETURN and identity.ill_institution is not None:
            return Decision.refuse(Reason.ILL_ITEM, route=ROUTE_STAFF)
        info = identity.set_info
        if info is not None and info.total > 1 and op in self._config.complete_sets_for:
            present = set(parts_present or ()) | {info.part}
            if not set(range(1, info.total + 1)) <= present:
                return Decision.refuse(Reason.SET_INCOMPLETE)
        return None
