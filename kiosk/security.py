"""Tag security: make an item secured (in library) or unsecured (on loan), verified.

Modes (architecture §5): ``afi`` writes AFI 0x07 (secured) / 0xC2 (on loan); ``eas`` sets / resets
the NXP EAS bit; ``both`` does both, which is what most Chinese installations do. Every write is
verified by reading back (AFI through Get System Information, EAS through EAS ALARM), with a bounded
number of attempts. The function never raises for a tag problem: it returns an outcome the
circulation layer records (``security_failed`` refuses a checkout or routes a return to staff).

Only the methods in :class:`TagSecurityAccess` are used, so any reader with them works (the
drivers' ``Reader`` does) and this module does not depend on the drivers package.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Protocol

__all__ = [
    "AFI_IN_LIBRARY",
    "AFI_ON_LOAN",
    "SecurityMode",
    "SecurityOutcome",
    "SecurityResult",
    "TagSecurityAccess",
    "apply_security",
    "security_state",
]

AFI_IN_LIBRARY = 0x07
AFI_ON_LOAN = 0xC2


class SecurityMode(enum.StrEnum):
    AFI = "afi"
    EAS = "eas"
    BOTH = "both"

    @property
    def uses_afi(self) -> bool:
        return self is not SecurityMode.EAS

    @property
    def uses_eas(self) -> bool:
        return self is not SecurityMode.AFI


class SecurityResult(enum.StrEnum):
    SECURED = "secured"
    UNSECURED = "unsecured"
    FAILED = "security_failed"
    TAG_GONE = "tag_gone"  # the tag left the field mid-write: ask the patron to put it back


class _SystemInfo(Protocol):
    @property
    def afi(self) -> int | None: ...


class TagSecurityAccess(Protocol):
    """The reader operations tag security needs (satisfied by ``drivers.reader.Reader``)."""

    def write_afi(self, uid: bytes, afi: int) -> None: ...
    def system_info(self, uid: bytes) -> _SystemInfo: ...
    def set_eas(self, uid: bytes, enabled: bool) -> None: ...
    def eas_alarm(self, uid: bytes) -> bool: ...


@dataclass(frozen=True, slots=True)
class SecurityOutcome:
    """What happened: the result, how many write attempts, and a reason for logs and staff."""

    result: SecurityResult
    attempts: int
    detail: str = ""

    @property
    def ok(self) -> bool:
        return self.result in (SecurityResult.SECURED, SecurityResult.UNSECURED)


def security_state(
    reader: TagSecurityAccess, uid: bytes, mode: SecurityMode
) -> tuple[bool | None, bool | None]:
    """Read ``(afi_secured, eas_set)`` for the parts ``mode`` uses (``None`` for the others).

    An AFI other than 0x07/0xC2 counts as not secured only when it is 0xC2; anything else
    (e.g. 0x00 on a fresh tag) is reported as ``False`` too, since the gate does not alarm on it.
    """
    afi_secured = None
    eas = None
    if mode.uses_afi:
        afi_secured = reader.system_info(uid).afi == AFI_IN_LIBRARY
    if mode.uses_eas:
        eas = reader.eas_alarm(uid)
    return afi_secured, eas


def apply_security(
    reader: TagSecurityAccess,
    uid: bytes,
    *,
    secured: bool,
    mode: SecurityMode,
    attempts: int = 3,
    tag_gone: tuple[type[BaseException], ...] = (LookupError,),
) -> SecurityOutcome:
    """Write and verify the security state; retry up to ``attempts`` times.

    ``tag_gone`` lists the exception types that mean the tag left the field (the drivers'
    ``NoTag`` is a ``LookupError``); other ``OSError``/``ValueError`` are failed attempts.
    """
    want_afi = AFI_IN_LIBRARY if secured else AFI_ON_LOAN
    last_problem = ""
    for attempt in range(1, attempts + 1):
        try:
            if mode.uses_eas:
                reader.set_eas(uid, secured)
            if mode.uses_afi:
                reader.write_afi(uid, want_afi)
            problems = []
            if mode.uses_afi:
                afi = reader.system_info(uid).afi
                if afi != want_afi:
                    problems.append(f"AFI reads back {_hex(afi)}, wrote 0x{want_afi:02X}")
            if mode.uses_eas and reader.eas_alarm(uid) != secured:
                problems.append(f"EAS reads back {'set' if not secured else 'reset'}")
            if not problems:
                result = SecurityResult.SECURED if secured else SecurityResult.UNSECURED
                return SecurityOutcome(result, attempt)
            last_problem = "; ".join(problems)
        except tag_gone as exc:
            if _still_there(reader, uid, tag_gone):
                # It answers plain ISO 15693 but not the NXP command: no EAS on this chip.
                return SecurityOutcome(
                    SecurityResult.FAILED, attempt, f"tag does not support this command: {exc}"
                )
            return SecurityOutcome(SecurityResult.TAG_GONE, attempt, str(exc))
        except (OSError, ValueError) as exc:
            last_problem = str(exc)
    return SecurityOutcome(SecurityResult.FAILED, attempts, last_problem)


def _still_there(
    reader: TagSecurityAccess, uid: bytes, tag_gone: tuple[type[BaseException], ...]
) -> bool:
    """Whether the tag still answers an addressed Get System Information."""
    try:
        reader.system_info(uid)
    except tag_gone:
        return False
    except (OSError, ValueError):
        return False
    return True


def _hex(value: int | None) -> str:
    return "nothing" if value is None else f"0x{value:02X}"
