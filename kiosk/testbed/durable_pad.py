"""A virtual reader whose tags survive the process: the kill tests' "physical world"."""

from __future__ import annotations

from pathlib import Path

from drivers.virtual import VirtualPad, VirtualReader, save_tags

__all__ = ["DurablePadReader"]


class DurablePadReader(VirtualReader):
    """Saves the pad's tags after every write: the physical tag keeps what was written."""

    def __init__(self, pad: VirtualPad, path: Path) -> None:
        super().__init__(pad, retry_delay=0.0)
        self.path = path

    def _save(self) -> None:
        save_tags(self.path, self.pad.tags())

    def write_afi(self, uid: bytes, afi: int) -> None:
        try:
            super().write_afi(uid, afi)
        finally:
            self._save()

    def set_eas(self, uid: bytes, enabled: bool) -> None:
        try:
            super().set_eas(uid, enabled)
        finally:
            self._save()
