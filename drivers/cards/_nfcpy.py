"""The one module that imports nfcpy: ISO 14443A UIDs from PN53x, RC-S380 or the udp simulator.

==========================  ===========================================================
nfcpy path                  device
==========================  ===========================================================
``usb``                     first supported USB reader (PN531/PN533/RC-S380/…)
``usb:054c:06c3``           Sony RC-S380/P (``usb:VID:PID``)
``tty:AMA0:pn532``          PN532 on the Pi UART (only ``ttyS/ACM/AMA/USB`` names)
``udp:127.0.0.1:54321``     nfcpy's simulated frontend (tests, demo)
==========================  ===========================================================

Each :meth:`NfcpyUidSource.read_uid` is one ``sense()`` for a 106 kbit/s type A target; the UID is
the anticollision result (``sdd_res``), so it works for MIFARE Classic, Type 2 and Type 4A cards
alike without activating the tag — nfcpy cannot read Classic sectors anyway (no Crypto1), and
skipping activation avoids RATS/READ exchanges that Classic cards answer with NAK.
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any

from drivers.errors import CardReaderError, DriverConfigError, DriverUnavailable

__all__ = ["NfcpyUidSource", "open_nfcpy"]


def _import_nfc() -> ModuleType:
    try:
        nfc = importlib.import_module("nfc")
        importlib.import_module("nfc.clf")
    except ImportError as exc:
        raise DriverUnavailable(
            f"nfcpy is not installed ({exc}); install the 'nfc' extra: pip install nfcpy"
        ) from exc
    return nfc


def open_nfcpy(path: str) -> NfcpyUidSource:
    """Open the nfcpy frontend at ``path`` (see the module table).

    Raises :class:`~drivers.errors.DriverUnavailable` without nfcpy,
    :class:`~drivers.errors.DriverConfigError` for a malformed path and
    :class:`~drivers.errors.CardReaderError` when no reader answers at ``path``.
    """
    if not isinstance(path, str) or not path.strip():
        raise DriverConfigError(f"nfcpy path {path!r}: expected e.g. 'usb', 'tty:AMA0:pn532'")
    nfc = _import_nfc()
    try:
        clf = nfc.ContactlessFrontend(path)
    except OSError as exc:  # ENODEV: nothing there (yet); EBUSY/EACCES: kernel driver, udev
        raise CardReaderError(f"no nfcpy reader at {path!r}: {exc}") from exc
    except (ValueError, TypeError) as exc:
        raise DriverConfigError(f"nfcpy path {path!r}: {exc}") from exc
    return NfcpyUidSource(clf, path, nfc)


class NfcpyUidSource:
    """A :class:`~drivers.cards.reader.UidSource` over an open ``nfc.ContactlessFrontend``."""

    def __init__(self, clf: Any, path: str, nfc: ModuleType) -> None:
        self._clf = clf
        self._target = nfc.clf.RemoteTarget("106A")
        self.path = path

    def read_uid(self) -> bytes | None:
        try:
            found = self._clf.sense(self._target, iterations=1, interval=0.0)
        except Exception as exc:  # IOError when unplugged; nfcpy errors on odd hardware
            raise CardReaderError(
                f"nfcpy reader at {self.path!r} failed: {type(exc).__name__}: {exc}"
            ) from exc
        uid = getattr(found, "sdd_res", None) if found is not None else None
        return bytes(uid) if uid else None

    def close(self) -> None:
        self._clf.close()
