"""The virtual RFID pad: the tags in a reader's field, the air between them, and injected faults.

The pad is what every virtual reader and emulator talks to. It does not know any reader protocol:
it takes ISO 15693 request frames (with CRC) and gives back the tags' response frames, as the air
would.

- :meth:`VirtualPad.exchange` / :meth:`~VirtualPad.request` deliver one request frame to every tag
  in the field (so that, for example, selecting one tag deselects another). No answer, or answers
  from more than one tag at once (a collision: the reader hears garbage), give ``None``;
  collisions are counted.
- :meth:`VirtualPad.inventory_result` runs real 16-slot anticollision: an inventory frame with an
  empty mask, then for every slot where responses collided another round with the mask extended
  by that slot's 4 bits, until every tag has answered alone. Rounds and slot counts feed the
  timing model. A reader's buffer has a limit (``max_tags_per_inventory``): beyond it only the
  first tags found are reported and the result says ``truncated``.
- Faults (per tag or pad-wide, deterministic or from an injected :class:`random.Random`): failing
  writes, writes that do not stick, lost answers, a tag that leaves after n more commands; and on
  the reader side, unplugging and reader timeouts, which readers/emulators built on the pad honour
  (:meth:`~VirtualPad.check_reader`).
- Thread-safe: every method holds ``pad.lock`` (re-entrant), which UI code can also hold while it
  changes a tag in place.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Iterable
from dataclasses import dataclass

from drivers.errors import ReaderTimeout, ReaderUnavailable
from drivers.iso15693 import parse_inventory_response, uid_hex
from drivers.virtual.faults import DropRule, WriteKind
from drivers.virtual.tag import Outcome, TagState, VirtualTag, inventory_frame
from drivers.virtual.timing import AirTiming, exchange_s, inventory_round_s

__all__ = ["DEFAULT_MAX_TAGS", "Exchange", "InventoryResult", "VirtualPad"]

DEFAULT_MAX_TAGS = 16
_SLOTS = 16


@dataclass(frozen=True, slots=True)
class InventoryResult:
    """One complete anticollision run.

    ``tags``: ``(uid, dsfid)`` in the order found; ``truncated``: more tags answered than the
    pad's limit; ``rounds``: inventory requests sent; slot counts over all rounds; ``air_time_s``:
    modelled air time of the run (0 without a timing model).
    """

    tags: tuple[tuple[bytes, int], ...]
    truncated: bool
    rounds: int
    empty_slots: int
    single_slots: int
    collided_slots: int
    air_time_s: float


@dataclass(frozen=True, slots=True)
class Exchange:
    """One request frame on the air: the answer (``None``: silence or collision)."""

    answer: bytes | None
    collision: bool
    air_time_s: float


class VirtualPad:
    """Tags in the field of one reader antenna (see the module docstring)."""

    def __init__(
        self,
        tags: Iterable[VirtualTag] = (),
        *,
        max_tags_per_inventory: int = DEFAULT_MAX_TAGS,
        timing: AirTiming | None = None,
    ) -> None:
        self.lock = threading.RLock()
        self.max_tags_per_inventory = max_tags_per_inventory
        self.timing = timing
        #: Pad-wide answer loss (applies to every tag's answers, after the tag's own rule).
        self.drop = DropRule()
        #: Statistics: request frames delivered, collisions heard.
        self.commands = 0
        self.collisions = 0
        self._field: dict[bytes, VirtualTag] = {}
        self._leave_after: dict[bytes, int] = {}
        self._plugged = True
        self._reader_timeouts = 0
        for tag in tags:
            self.place(tag)

    # ------------------------------------------------------------------ the field
    def place(self, tag: VirtualTag) -> None:
        """Put a tag in the field (it powers up in the ready state)."""
        with self.lock:
            if tag.uid in self._field:
                raise ValueError(f"tag {uid_hex(tag.uid)} is already on the pad")
            tag.state = TagState.READY
            self._field[tag.uid] = tag

    def remove(self, uid: bytes) -> VirtualTag | None:
        """Take a tag out of the field; ``None`` if it was not there."""
        with self.lock:
            self._leave_after.pop(uid, None)
            tag = self._field.pop(bytes(uid), None)
            if tag is not None:
                tag.state = TagState.READY  # unpowered: the state is lost
            return tag

    def clear(self) -> None:
        with self.lock:
            for uid in list(self._field):
                self.remove(uid)

    def tags(self) -> list[VirtualTag]:
        """The tags in the field, in the order they were placed (live objects, see ``lock``)."""
        with self.lock:
            return list(self._field.values())

    def tag(self, uid: bytes) -> VirtualTag | None:
        with self.lock:
            return self._field.get(bytes(uid))

    def __contains__(self, uid: object) -> bool:
        with self.lock:
            return isinstance(uid, bytes | bytearray) and bytes(uid) in self._field

    def __len__(self) -> int:
        with self.lock:
            return len(self._field)

    # ------------------------------------------------------------------ the air
    def _answers(self, frame: bytes) -> list[tuple[VirtualTag, Outcome]]:
        """Deliver ``frame`` to every tag; return those that accepted it (answer or not)."""
        heard = []
        for tag in list(self._field.values()):
            outcome = tag.process(frame)
            if outcome.answer is not None and self.drop.drops():
                outcome = Outcome(outcome.accepted, None, outcome.busy_s)
            if outcome.accepted:
                heard.append((tag, outcome))
        return heard

    def exchange(self, frame: bytes) -> Exchange:
        """Send one request frame (with CRC) to the field and listen for the answer."""
        with self.lock:
            self.commands += 1
            heard = self._answers(bytes(frame))
            answers = [o.answer for _, o in heard if o.answer is not None]
            collision = len(answers) > 1
            if collision:
                self.collisions += 1
            answer = answers[0] if len(answers) == 1 else None
            spent = 0.0
            if self.timing is not None:
                busy = max((o.busy_s for _, o in heard), default=0.0)
                longest = max((len(a) for a in answers), default=None)
                spent = self.timing.spend(exchange_s(len(frame), longest, busy))
            for tag, _ in heard:
                self._count_down(tag.uid)
            return Exchange(answer, collision, spent)

    def request(self, frame: bytes) -> bytes | None:
        """The answer to one request frame, or ``None`` (no answer, or a collision)."""
        return self.exchange(frame).answer

    def _count_down(self, uid: bytes) -> None:
        left = self._leave_after.get(uid)
        if left is None:
            return
        if left <= 1:
            self.remove(uid)
        else:
            self._leave_after[uid] = left - 1

    def inventory(self, afi: int | None = None) -> list[tuple[bytes, int]]:
        """``(uid, dsfid)`` of the tags that answer an inventory (with ``afi``: ISO AFI rules)."""
        return list(self.inventory_result(afi).tags)

    def inventory_result(self, afi: int | None = None) -> InventoryResult:
        """Full 16-slot anticollision run with statistics (see the module docstring)."""
        with self.lock:
            found: list[tuple[bytes, int]] = []
            pending = [(0, 0)]  # (mask length in bits, mask value)
            rounds = empty = single = collided = 0
            spent = 0.0
            while pending:
                mask_len, mask_value = pending.pop(0)
                frame = inventory_frame(afi, mask_len=mask_len, mask_value=mask_value)
                rounds += 1
                slots: list[list[bytes]] = [[] for _ in range(_SLOTS)]
                for tag, outcome in self._answers(frame):
                    if outcome.answer is not None:
                        slot = (int.from_bytes(tag.uid, "big") >> mask_len) & 0x0F
                        slots[slot].append(outcome.answer)
                for number, answers in enumerate(slots):
                    if not answers:
                        empty += 1
                    elif len(answers) == 1:
                        single += 1
                        found.append(parse_inventory_response(answers[0]))
                    else:
                        collided += 1
                        pending.append((mask_len + 4, mask_value | number << mask_len))
                if self.timing is not None:
                    filled = sum(1 for a in slots if a)
                    spent += self.timing.spend(
                        inventory_round_s(len(frame), _SLOTS - filled, filled)
                    )
            limit = self.max_tags_per_inventory
            return InventoryResult(
                tags=tuple(found[:limit]),
                truncated=len(found) > limit,
                rounds=rounds,
                empty_slots=empty,
                single_slots=single,
                collided_slots=collided,
                air_time_s=spent,
            )

    # ------------------------------------------------------------------ tag faults
    def _faulty(self, uid: bytes) -> VirtualTag:
        tag = self._field.get(bytes(uid))
        if tag is None:
            raise KeyError(f"tag {uid_hex(bytes(uid))} is not on the pad")
        return tag

    def fail_writes(self, uid: bytes, n: int = 1) -> None:
        """The tag's next ``n`` writes answer error 0x13 (not programmed) and change nothing."""
        with self.lock:
            self._faulty(uid).faults.fail_writes += n

    def lose_writes(self, uid: bytes, kind: WriteKind | str, n: int = 1) -> None:
        """The tag's next ``n`` writes of ``kind`` answer success but do not stick."""
        kind = WriteKind(kind)
        with self.lock:
            lost = self._faulty(uid).faults.lose_writes
            lost[kind] = lost.get(kind, 0) + n

    def drop_answers(
        self,
        uid: bytes | None = None,
        *,
        every: int = 0,
        probability: float = 0.0,
        rng: random.Random | None = None,
    ) -> None:
        """Lose every ``every``-th answer and/or each with ``probability`` (from ``rng``):
        of one tag, or of every tag when ``uid`` is ``None``. ``every=0, probability=0`` stops."""
        rule = DropRule(every=every, probability=probability, rng=rng)
        with self.lock:
            if uid is None:
                self.drop = rule
            else:
                self._faulty(uid).faults.drop = rule

    def remove_after(self, uid: bytes, commands: int) -> None:
        """The tag leaves the field after it has acted on ``commands`` more requests
        (0: at once). Inventory rounds do not count."""
        with self.lock:
            self._faulty(uid)
            if commands <= 0:
                self.remove(uid)
            else:
                self._leave_after[bytes(uid)] = commands

    def clear_faults(self) -> None:
        """Remove every tag and pad fault (not unplug; see :meth:`replug`)."""
        with self.lock:
            for tag in self._field.values():
                tag.faults.fail_writes = 0
                tag.faults.lose_writes.clear()
                tag.faults.drop = DropRule()
            self.drop = DropRule()
            self._leave_after.clear()
            self._reader_timeouts = 0

    # ------------------------------------------------------------------ reader-side faults
    @property
    def plugged(self) -> bool:
        with self.lock:
            return self._plugged

    def unplug(self) -> None:
        """Simulate pulling the reader's cable: reader operations raise ReaderUnavailable."""
        with self.lock:
            self._plugged = False

    def replug(self) -> None:
        with self.lock:
            self._plugged = True

    def inject_reader_timeouts(self, n: int = 1) -> None:
        """The next ``n`` reader operations time out (the reader, not a tag, stays silent)."""
        with self.lock:
            self._reader_timeouts += n

    def take_reader_timeout(self) -> bool:
        """Consume one injected reader timeout: ``True`` if this operation must time out."""
        with self.lock:
            if self._reader_timeouts > 0:
                self._reader_timeouts -= 1
                return True
            return False

    def check_reader(self, what: str = "reader") -> None:
        """Raise as a reader on this pad would now: unplugged, or an injected timeout."""
        if not self.plugged:
            raise ReaderUnavailable(f"{what}: virtual reader unplugged")
        if self.take_reader_timeout():
            raise ReaderTimeout(f"{what}: virtual reader did not answer (injected timeout)")
