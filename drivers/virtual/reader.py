"""VirtualReader: the :class:`~drivers.reader.Reader` interface over a :class:`VirtualPad`.

Every command goes the real bytes path: :func:`~drivers.iso15693.build_request` makes the air
frame, the pad's tags answer with frames, :func:`~drivers.iso15693.parse_response` reads them. So
the base class's error mapping, retries and re-opening are exercised exactly as with hardware.

Reader-side faults live on the pad (:meth:`VirtualPad.unplug`, :meth:`~VirtualPad.replug`,
:meth:`~VirtualPad.inject_reader_timeouts`), so tests and the demo UI need only the pad.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from drivers.errors import NoTag, ReaderUnavailable
from drivers.iso15693 import Cmd, Command, Reply, build_request, parse_response, uid_hex
from drivers.reader import Reader, ReaderHealth, TagSeen
from drivers.virtual.pad import VirtualPad
from drivers.virtual.store import load_tags

__all__ = ["SPEC_PREFIX", "VirtualReader", "open_virtual"]

SPEC_PREFIX = "virtual"


def _name(code: int) -> str:
    try:
        return Cmd(code).name.lower().replace("_", " ")
    except ValueError:
        return f"command 0x{code:02X}"


class VirtualReader(Reader):
    """A reader whose field is a :class:`VirtualPad` (``reader.pad``)."""

    def __init__(
        self,
        pad: VirtualPad | None = None,
        *,
        retries: int = 2,
        retry_delay: float = 0.02,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        super().__init__(retries=retries, retry_delay=retry_delay, sleep=sleep)
        self.pad = pad if pad is not None else VirtualPad()

    @classmethod
    def from_spec(cls, spec: str, *, sleep: Callable[[float], None] = time.sleep) -> VirtualReader:
        """``"virtual"`` (an empty pad) or ``"virtual:PATH"`` (tags loaded from a tag file)."""
        head, sep, path = spec.partition(":")
        if head != SPEC_PREFIX:
            raise ValueError(f"reader spec {spec!r}: expected 'virtual' or 'virtual:PATH'")
        if sep and not path:
            raise ValueError(f"reader spec {spec!r}: expected a tag file after 'virtual:'")
        pad = VirtualPad(load_tags(path)) if path else VirtualPad()
        return cls(pad, sleep=sleep)

    # ------------------------------------------------------------------ hooks
    def _open(self) -> None:
        if not self.pad.plugged:
            raise ReaderUnavailable("virtual reader unplugged")

    def _close(self) -> None:
        """Nothing to release: the pad outlives the reader."""

    def _inventory(self, afi: int | None) -> list[TagSeen]:
        self.pad.check_reader("inventory")
        return [TagSeen(uid, dsfid) for uid, dsfid in self.pad.inventory(afi)]

    def _transceive(self, command: Command) -> Reply:
        what = _name(command.code)
        self.pad.check_reader(what)
        answer = self.pad.request(build_request(command))
        if answer is None:
            target = f"tag {uid_hex(command.uid)}" if command.uid is not None else "any tag"
            raise NoTag(f"{what}: no answer from {target}")
        return parse_response(answer)

    def _health(self) -> ReaderHealth:
        self.pad.check_reader("health")
        count = len(self.pad)
        return ReaderHealth(
            ok=True,
            detail=f"virtual pad, {count} tag{'s' if count != 1 else ''} in the field",
            extra={"tags": str(count), "collisions": str(self.pad.collisions)},
        )


def open_virtual(
    path: str | None = None, *, sleep: Callable[[float], None] = time.sleep
) -> VirtualReader:
    """An opened VirtualReader, its pad loaded from the tag file at ``path`` if given."""
    reader = VirtualReader.from_spec(f"{SPEC_PREFIX}:{path}" if path else SPEC_PREFIX, sleep=sleep)
    reader.open()
    return reader
