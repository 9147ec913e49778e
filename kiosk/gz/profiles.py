"""DB4401/T 96 Annex D tag profiles: what an item, disc-set or reader-card tag must carry.

Works on decoded element dictionaries (``Mapping[int, str]``, OID → text, as the tag codec
produces them) — never on bytes. Three profiles:

``gz-item`` (Table D.1)
    mandatory OID 1 barcode without check character (an item category, not a disc package
    number — our reading, which keeps the profiles apart), OID 3 owner ISIL; optional OID 4 set
    information, OID 5 type of usage (class 1, ``10``-``15``), OID 15 shelf position, OID 6
    collection location, OID 16 circulation type. The tag must use the EAS bit
    (``requires_eas``; the bit itself follows the loan state, so element checks cannot see it).
``gz-disc`` (Table D.2)
    OID 1 package number ``{code}89nnnnnnn``, OID 4 volumes including the case, OID 22 the
    parts' barcodes (comma-separated), OID 7 media type ``DA``, OID 3 owner ISIL. Table D.2 lists
    all five for the set tag; we treat all five as mandatory (a set without its parts list cannot
    be checked for completeness at the return desk) — our reading.
``gz-card`` (Table D.3)
    mandatory OID 1 card number, OID 5 patron card (``80``-``83``), OID 3 owner ISIL.

Elements a profile does not list are allowed: each is reported as a note (the tag still
conforms), because DB4401 says what a tag carries, not what it must never carry. OID 2 (content
parameter) is structure, not data, and is ignored. A library code missing from the library table
is a note against the built-in placeholder table and a problem against a configured one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from kiosk.errors import ProfileError
from kiosk.gz import rules
from kiosk.gz.barcode import CATEGORY_BY_DIGIT, Category, is_disc_package
from kiosk.gz.code39 import is_ascii_digits
from kiosk.gz.libraries import DEFAULT_LIBRARIES, LibraryTable
from kiosk.gz.oids import oid_label
from kiosk.gz.rules import CheckContext, CrossCheck, Finding, ValueCheck

__all__ = [
    "PROFILES",
    "ElementRule",
    "Profile",
    "ProfileMatch",
    "ProfileReport",
    "check",
    "evaluate",
    "identify",
    "require",
]

_IGNORED_OIDS = frozenset({2})


@dataclass(frozen=True, slots=True)
class ElementRule:
    """One row of an Annex D table: the OID, its name in this profile, and its value check."""

    oid: int
    name_zh: str
    name_en: str
    mandatory: bool
    check: ValueCheck = rules.free_text

    @property
    def label(self) -> str:
        return f"OID {self.oid} {self.name_zh} / {self.name_en}"


@dataclass(frozen=True, slots=True)
class Profile:
    """A DB4401/T 96 tag profile (one table of Annex D)."""

    name: str
    title_zh: str
    title_en: str
    table: str
    rules: tuple[ElementRule, ...]
    requires_eas: bool = False
    cross_checks: tuple[CrossCheck, ...] = ()

    @property
    def mandatory_oids(self) -> frozenset[int]:
        return frozenset(rule.oid for rule in self.rules if rule.mandatory)

    @property
    def optional_oids(self) -> frozenset[int]:
        return frozenset(rule.oid for rule in self.rules if not rule.mandatory)

    def rule(self, oid: int) -> ElementRule | None:
        return next((rule for rule in self.rules if rule.oid == oid), None)

    def label(self, oid: int) -> str:
        """The OID with this profile's name for it (generic name if the profile lacks it)."""
        rule = self.rule(oid)
        return rule.label if rule is not None else oid_label(oid)


_ISIL_RULE = ElementRule(3, "所属馆ISIL", "owner library ISIL", True, rules.owner_isil)

PROFILES: Mapping[str, Profile] = MappingProxyType(
    {
        profile.name: profile
        for profile in (
            Profile(
                name="gz-item",
                title_zh="馆藏文献标签",
                title_en="item tag",
                table="D.1",
                rules=(
                    ElementRule(1, "馆藏条码(不含校验位)", "item barcode without check digit",
                                True, rules.item_identifier),
                    _ISIL_RULE,
                    ElementRule(4, "卷(册)信息", "set information", False,
                                rules.set_information(1)),
                    ElementRule(5, "应用类别", "type of usage", False, rules.type_of_usage("1", 5)),
                    ElementRule(15, "架位", "shelf position", False),
                    ElementRule(6, "馆藏地", "collection location", False),
                    ElementRule(16, "流通类型", "circulation type", False),
                ),
                requires_eas=True,
                cross_checks=(rules.pii_library_matches_owner,),
            ),
            Profile(
                name="gz-disc",
                title_zh="光盘包标签",
                title_en="disc-set tag",
                table="D.2",
                rules=(
                    ElementRule(1, "光盘包号", "disc package number", True,
                                rules.disc_package_number),
                    ElementRule(4, "册数(含盒)", "volumes including the case", True,
                                rules.set_information(2)),
                    ElementRule(22, "原条码", "original barcodes", True, rules.original_barcodes),
                    ElementRule(7, "媒体类型", "media type", True, rules.media_type("DA")),
                    _ISIL_RULE,
                ),
                cross_checks=(rules.pii_library_matches_owner, rules.disc_parts_agree),
            ),
            Profile(
                name="gz-card",
                title_zh="读者证标签",
                title_en="reader-card tag",
                table="D.3",
                rules=(
                    ElementRule(1, "读者证号", "card number", True, rules.card_number),
                    ElementRule(5, "应用类别", "type of usage", True, rules.type_of_usage("8", 3)),
                    _ISIL_RULE,
                ),
                cross_checks=(rules.card_library_agrees,),
            ),
        )
    }
)


@dataclass(frozen=True, slots=True)
class ProfileReport:
    """How one element dictionary measures up against one profile."""

    profile: str
    problems: tuple[str, ...]
    notes: tuple[str, ...]
    extras: tuple[int, ...] = ()

    @property
    def conforms(self) -> bool:
        return not self.problems


@dataclass(frozen=True, slots=True)
class ProfileMatch:
    """Which profile a tag conforms to (``name``), or the closest one and why not.

    ``closest`` equals ``name`` on a match; ``problems`` are empty on a match and otherwise say
    what keeps the tag from the closest profile. ``reports`` holds the verdict for every profile.
    """

    name: str | None
    closest: str
    problems: tuple[str, ...]
    notes: tuple[str, ...]
    reports: tuple[ProfileReport, ...]

    @property
    def matched(self) -> bool:
        return self.name is not None

    def describe(self) -> str:
        """Multi-line text for people: verdict first, then problems, then notes."""
        profile = PROFILES[self.closest]
        head = (
            f"conforms to {profile.name} ({profile.title_zh} / {profile.title_en},"
            f" Table {profile.table})"
            if self.matched
            else f"conforms to no DB4401/T 96 profile; closest is {profile.name}"
            f" ({profile.title_zh} / {profile.title_en}, Table {profile.table})"
        )
        lines = [head]
        lines += [f"  problem: {text}" for text in self.problems]
        lines += [f"  note: {text}" for text in self.notes]
        return "\n".join(lines)


def _profile(name: str) -> Profile:
    profile = PROFILES.get(name) if isinstance(name, str) else None
    if profile is None:
        raise ProfileError(f"unknown tag profile {name!r}; expected one of: {', '.join(PROFILES)}")
    return profile


def _oid_order(oid: object) -> tuple[int, str]:
    """Numeric order for OIDs, and a stable place at the end for keys that are not integers."""
    return (oid, "") if isinstance(oid, int) else (1 << 30, repr(oid))


def evaluate(
    profile_name: str, elements: Mapping[int, str], *, libraries: LibraryTable = DEFAULT_LIBRARIES
) -> ProfileReport:
    """Every problem and note for ``elements`` against one profile."""
    profile = _profile(profile_name)
    if not isinstance(elements, Mapping):
        raise ProfileError(
            f"elements: expected a mapping OID → text, got {type(elements).__name__}"
        )
    ctx = CheckContext(libraries, profile.label)
    where = f"{profile.name}, Table {profile.table}"
    findings: list[Finding] = []
    for rule in profile.rules:
        if rule.oid not in elements:
            if rule.mandatory:
                findings.append(Finding("problem", f"{rule.label}: missing (mandatory in {where})"))
            continue
        value: object = elements[rule.oid]  # typed str, but tag data is checked, not trusted
        if not isinstance(value, str):
            findings.append(
                Finding("problem", f"{rule.label}: expected text, got {type(value).__name__}")
            )
            continue
        findings += [
            Finding(found.severity, f"{rule.label}: {found.text}")
            for found in rule.check(value, ctx)
        ]
    listed = {rule.oid for rule in profile.rules} | _IGNORED_OIDS
    extras = sorted((oid for oid in elements if oid not in listed), key=_oid_order)
    findings += [
        Finding("note", f"{oid_label(oid)}: not part of {where}; ignored") for oid in extras
    ]
    for cross_check in profile.cross_checks:
        findings += cross_check(elements, ctx)
    return ProfileReport(
        profile=profile.name,
        problems=tuple(f.text for f in findings if f.severity == "problem"),
        notes=tuple(f.text for f in findings if f.severity == "note"),
        extras=tuple(extras),
    )


def check(
    profile_name: str, elements: Mapping[int, str], *, libraries: LibraryTable = DEFAULT_LIBRARIES
) -> list[str]:
    """The problems (not the notes) of ``elements`` against one profile; empty if it conforms."""
    return list(evaluate(profile_name, elements, libraries=libraries).problems)


def require(
    profile_name: str, elements: Mapping[int, str], *, libraries: LibraryTable = DEFAULT_LIBRARIES
) -> None:
    """Raise :class:`ProfileError` listing every problem (``" | "`` between), unless conforming."""
    problems = check(profile_name, elements, libraries=libraries)
    if problems:
        raise ProfileError(f"tag does not conform to {profile_name}: " + " | ".join(problems))


def identify(
    elements: Mapping[int, str], *, libraries: LibraryTable = DEFAULT_LIBRARIES
) -> ProfileMatch:
    """Which profile ``elements`` conform to.

    The profiles are built to be exclusive (package number ↔ disc set, class-8 usage ↔ card);
    should several still conform (a disc-set tag that also carries type of usage ``80`` passes as
    a card too), the one that leaves the fewest elements unexplained wins, then the one with
    fewest notes, then table order. When none does, the closest is the profile the tag was
    evidently meant for (see :func:`_intended_profile`), so that the problems explain the
    writer's mistake; failing any such sign, the one with the fewest problems, then fewest
    extras, then first in table order.
    """
    reports = tuple(evaluate(name, elements, libraries=libraries) for name in PROFILES)
    conforming = [report for report in reports if report.conforms]
    if conforming:
        best = min(conforming, key=lambda report: (len(report.extras), len(report.notes)))
        return ProfileMatch(best.profile, best.profile, (), best.notes, reports)
    intended = _intended_profile(elements)
    best = next((report for report in reports if report.profile == intended), None) or min(
        reports, key=lambda report: (len(report.problems), len(report.extras))
    )
    return ProfileMatch(None, best.profile, best.problems, best.notes, reports)


def _intended_profile(elements: Mapping[int, str]) -> str | None:
    """The profile a non-conforming tag was meant for, judged by its telltale elements.

    Type of usage class 8 means a card; disc-set markers (OID 7 ``DA``, an OID 22 parts list, a
    ``…89…`` package number) mean a disc set; type of usage class 1 or an item-category barcode
    mean an item; a patron-category barcode means a card.
    """
    usage, pii, media = (elements.get(oid) for oid in (5, 1, 7))
    usage_class = usage[:1].upper() if isinstance(usage, str) and len(usage) == 2 else None
    if usage_class == "8":
        return "gz-card"
    if media == "DA" or 22 in elements or (isinstance(pii, str) and is_disc_package(pii)):
        return "gz-disc"
    if usage_class == "1":
        return "gz-item"
    if isinstance(pii, str) and len(pii) in (13, 14) and is_ascii_digits(pii[:13]):
        return "gz-card" if CATEGORY_BY_DIGIT[pii[4]] is Category.PATRON_CARD else "gz-item"
    return None
