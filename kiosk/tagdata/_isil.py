"""ISIL compaction (ISO 28560-2 Annex C): the application-defined form of OIDs 3 and 11.

Three character sets — upper (5 bits), lower (5 bits), numeric (4 bits) — with latch (persistent)
and shift (one character) codes; encoding starts in upper and is filled to a byte with one bits.

Encoder rule: a character missing from the current set is *shifted* when the character after it
(or the end of the value) fits the current set, else the encoder *latches*. This reproduces every
published example: ISO Annex C ``DE-Heu1``, Annex D ``US-InU-Mu``, and dp2's ``CN-120104-C-YBL``
(``…-C-…`` inside digits is shifted, ``1B 81 E1 20 10 4A D1 D6 64 4C``).

Decoder: after a shifted character it returns to the latched set (dp2 stays in numeric after a
shifted digit — a bug we do not share); it stops when fewer bits remain than a group of the
current set needs, so fill ones (which read as a shift code) are ignored.
"""

from __future__ import annotations

from kiosk.errors import TagDataError

__all__ = ["ISIL_CHARACTERS", "isil_compact", "isil_expand"]

_UPPER, _LOWER, _NUMERIC = 0, 1, 2
_WIDTH = (5, 5, 4)
_UPPER_CHARS = "-ABCDEFGHIJKLMNOPQRSTUVWXYZ:"
_LOWER_CHARS = "-abcdefghijklmnopqrstuvwxyz/"
_NUMERIC_CHARS = "0123456789-:"
_CHARS = (_UPPER_CHARS, _LOWER_CHARS, _NUMERIC_CHARS)

#: every character ISIL compaction can carry (the ISO 15511 ISIL character repertoire)
ISIL_CHARACTERS = frozenset(_UPPER_CHARS + _LOWER_CHARS + _NUMERIC_CHARS)

# code of each character in each set
_CODE: tuple[dict[str, int], ...] = tuple({c: i for i, c in enumerate(chars)} for chars in _CHARS)
# (latch code, shift code) from set -> target set
_SWITCH: dict[tuple[int, int], tuple[int, int]] = {
    (_UPPER, _LOWER): (0b11100, 0b11101),
    (_UPPER, _NUMERIC): (0b11110, 0b11111),
    (_LOWER, _UPPER): (0b11100, 0b11101),
    (_LOWER, _NUMERIC): (0b11110, 0b11111),
    (_NUMERIC, _UPPER): (0b1100, 0b1101),
    (_NUMERIC, _LOWER): (0b1110, 0b1111),
}
# decoding: per set, a row indexed by code: (character, latch target, shift target), "" / -1 unused
_NO = -1


def _decode_row(current: int) -> tuple[tuple[str, int, int], ...]:
    row = [(char, _NO, _NO) for char in _CHARS[current]]
    row += [("", _NO, _NO)] * ((1 << _WIDTH[current]) - len(row))
    for (source, target), (latch, shift) in _SWITCH.items():
        if source == current:
            row[latch] = ("", target, _NO)
            row[shift] = ("", _NO, target)
    return tuple(row)


_DECODE = tuple(_decode_row(current) for current in range(3))


def _target(char: str, following: str | None) -> int:
    """The set to switch to for ``char``: one that also holds the next character if possible."""
    holders = [s for s in (_UPPER, _NUMERIC, _LOWER) if char in _CODE[s]]
    if following is not None:
        for candidate in holders:
            if following in _CODE[candidate]:
                return candidate
    return holders[0]


def isil_compact(text: str) -> bytes:
    """ISIL-compact ``text`` (characters ``A-Z a-z 0-9 - : /``); TagDataError for others."""
    acc = 0
    nbits = 0
    current = _UPPER
    last = len(text) - 1
    for index, char in enumerate(text):
        code = _CODE[current].get(char)
        if code is not None:
            width = _WIDTH[current]
            acc = (acc << width) | code
            nbits += width
            continue
        if char not in ISIL_CHARACTERS:
            raise TagDataError(
                f"{text!r}: {char!r} at position {index} cannot be ISIL-compacted "
                "(A-Z a-z 0-9 - : / only)"
            )
        following = text[index + 1] if index < last else None
        target = _target(char, following)
        latch, shift = _SWITCH[current, target]
        width = _WIDTH[current]
        if following is None or following in _CODE[current]:
            acc = (acc << width) | shift
        else:
            acc = (acc << width) | latch
            current = target
        nbits += width
        target_width = _WIDTH[target]
        acc = (acc << target_width) | _CODE[target][char]
        nbits += target_width
    fill = -nbits % 8
    acc = (acc << fill) | ((1 << fill) - 1)
    return acc.to_bytes((nbits + fill) // 8, "big")


def isil_expand(data: bytes) -> str:
    """Expand ISIL-compacted ``data``; TagDataError (offset within ``data``) on a bad code."""
    nbits = len(data) * 8
    value = int.from_bytes(data, "big")
    out: list[str] = []
    current = _UPPER
    position = 0
    while nbits - position >= _WIDTH[current]:
        width = _WIDTH[current]
        position += width
        char, latch, shift = _DECODE[current][(value >> (nbits - position)) & ((1 << width) - 1)]
        if char:
            out.append(char)
        elif latch != _NO:
            current = latch
        else:
            width = _WIDTH[shift]
            if nbits - position < width:
                break  # a trailing shift code is fill
            char = _DECODE[shift][(value >> (nbits - position - width)) & ((1 << width) - 1)][0]
            if not char:
                raise TagDataError(
                    "ISIL value has a shift followed by another switch code", position // 8
                )
            position += width
            out.append(char)
    return "".join(out)
