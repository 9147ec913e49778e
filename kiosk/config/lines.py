"""Where each table header and key sits in a TOML file (``tomllib`` does not say).

A small line scanner, good for configuration files a person writes: it follows ``[table]``
headers and ``key = value`` lines, and skips the inside of multi-line strings and of arrays or
inline tables that span lines, so their contents are never mistaken for keys. Lines count from 1.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

__all__ = ["KeyLines", "locate"]

_HEADER = re.compile(r"\s*\[(?!\[)\s*([^\[\]#]+?)\s*\]\s*(?:#.*)?$")
_ARRAY_HEADER = re.compile(r"\s*\[\[\s*([^\[\]#]+?)\s*\]\]\s*(?:#.*)?$")
_BARE = r"[A-Za-z0-9_\-]+"
_QUOTED = r"\"(?:[^\"\\]|\\.)*\"|'[^']*'"
_KEY = re.compile(rf"\s*((?:{_BARE}|{_QUOTED})(?:\s*\.\s*(?:{_BARE}|{_QUOTED}))*)\s*=")


@dataclass
class KeyLines:
    """Line numbers of section headers and of the keys in each section."""

    headers: dict[str, int] = field(default_factory=dict)
    keys: dict[tuple[str, str], int] = field(default_factory=dict)

    def line_of(self, section: str, key: str | None = None) -> int:
        """The key's line, else its section header's, else 1."""
        if key is not None and (section, key) in self.keys:
            return self.keys[(section, key)]
        return self.headers.get(section, 1)


def _name(raw: str) -> str:
    parts = re.findall(rf"{_BARE}|{_QUOTED}", raw)
    return ".".join(p[1:-1] if p[:1] in "\"'" else p for p in parts)


def _balance(text: str) -> tuple[int, str | None]:
    """Open brackets left in ``text`` and the multi-line string delimiter left open, if any."""
    depth = 0
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "#":
            break
        for delim in ('"""', "'''"):
            if text.startswith(delim, i):
                end = text.find(delim, i + 3)
                if end < 0:
                    return depth, delim
                i = end + 3
                break
        else:
            if ch in "\"'":
                end = i + 1
                while end < len(text) and text[end] != ch:
                    end += 2 if ch == '"' and text[end] == "\\" else 1
                i = end + 1
                continue
            depth += (ch in "[{") - (ch in "]}")
            i += 1
    return depth, None


def locate(text: str) -> KeyLines:
    """Scan ``text`` for headers and keys (first occurrence wins; tomllib rejects repeats)."""
    found = KeyLines()
    section = ""
    depth = 0
    open_string: str | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        if open_string is not None:
            if open_string in line:
                tail = line.split(open_string, 1)[1]
                open_string = None
                depth, open_string = _balance(tail)
            continue
        if depth > 0:
            extra, open_string = _balance(line)
            depth += extra
            continue
        header = _HEADER.match(line) or _ARRAY_HEADER.match(line)
        if header:
            section = _name(header.group(1))
            found.headers.setdefault(section, number)
            continue
        key = _KEY.match(line)
        if key:
            name = _name(key.group(1))
            full_section, _, leaf = f"{section}.{name}".lstrip(".").rpartition(".")
            found.keys.setdefault((section, name.split(".")[0]), number)
            if full_section != section:
                found.keys.setdefault((full_section, leaf), number)
            depth, open_string = _balance(line[key.end():])
    return found
