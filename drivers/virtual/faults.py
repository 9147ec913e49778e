"""Fault settings for simulated tags and the pad: deterministic, or driven by an injected Random.

A kiosk meets tags that refuse writes, answer only now and then, leave the pad between a write
and its verify, or report success for an AFI/EAS write that did not stick. These small mutable
records say which of that a tag (or the whole pad) should do next; :mod:`.tag` and :mod:`.pad`
consume them.
"""

from __future__ import annotations

import enum
import random
from dataclasses import dataclass, field

__all__ = ["DropRule", "TagFaults", "WriteKind"]


class WriteKind(enum.Enum):
    """What a write changes: used to make one kind of write 'succeed' without sticking."""

    BLOCK = "block"
    AFI = "afi"
    DSFID = "dsfid"
    EAS = "eas"


@dataclass(slots=True)
class DropRule:
    """Lose answers: every ``every``-th one, and/or each with ``probability`` drawn from ``rng``.

    A probability without an injected :class:`random.Random` is refused, so every run that loses
    answers at random can be replayed from its seed.
    """

    every: int = 0
    probability: float = 0.0
    rng: random.Random | None = None
    seen: int = 0

    def __post_init__(self) -> None:
        if self.every < 0:
            raise ValueError(f"drop every must be ≥ 0 (0 = never), got {self.every}")
        if not 0.0 <= self.probability <= 1.0:
            raise ValueError(f"drop probability must be in [0, 1], got {self.probability}")
        if self.probability > 0.0 and self.rng is None:
            raise ValueError("a drop probability needs an injected random.Random (rng=...)")

    @property
    def active(self) -> bool:
        return self.every > 0 or self.probability > 0.0

    def drops(self) -> bool:
        """Count one answer and say whether it is lost."""
        if not self.active:
            return False
        self.seen += 1
        if self.every and self.seen % self.every == 0:
            return True
        return self.rng is not None and self.rng.random() < self.probability


@dataclass(slots=True)
class TagFaults:
    """Per-tag faults, consumed as the tag answers.

    ``fail_writes``: the next N writes (blocks, AFI, DSFID, EAS set/reset) answer error 0x13 and
    change nothing. ``lose_writes``: the next N writes of a kind answer success but change nothing
    (only a verify catches it). ``drop``: answers lost after the command took effect.
    """

    fail_writes: int = 0
    lose_writes: dict[WriteKind, int] = field(default_factory=dict)
    drop: DropRule = field(default_factory=DropRule)
