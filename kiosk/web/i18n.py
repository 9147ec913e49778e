"""Message catalogues for the patron and staff screens (Chinese and English).

Every string the screens show comes from ``catalog/{lang}.json``; the two files must have the same
keys (checked when loaded, so a missing translation fails at start-up, not in front of a patron).
Templates use ``{name}`` placeholders. Parameter values are localised here: integers get the
language's digit grouping, dates the language's date pattern, and a ``Message`` (or a mapping
``{lang: text}``) gives its text in the language asked for.

The server renders each dynamic text in *both* languages, so the browser switches language
instantly without a round trip; the browser gets the static labels as :meth:`Catalog.table`.
"""

from __future__ import annotations

import json
import logging
import string
from collections.abc import Mapping
from datetime import date
from importlib import resources

from kiosk.circulation.reasons import Message
from kiosk.errors import ConfigError

__all__ = ["LANGS", "Catalog", "Localized"]

LANGS: tuple[str, ...] = ("zh", "en")

Localized = dict[str, str]
"""One text in every language: ``{"zh": …, "en": …}``."""

_log = logging.getLogger(__name__)
_FORMATTER = string.Formatter()


class _Params(dict[str, str]):
    """Format mapping that leaves an unknown placeholder visible instead of raising."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


class Catalog:
    """The loaded catalogues; immutable after construction."""

    def __init__(self, tables: Mapping[str, Mapping[str, str]]) -> None:
        langs = tuple(tables)
        if set(langs) != set(LANGS):
            raise ConfigError(f"catalogues: got languages {sorted(langs)}, expected {list(LANGS)}")
        keys = set(tables[LANGS[0]])
        for lang in LANGS:
            table = tables[lang]
            bad = [k for k, v in table.items() if not isinstance(k, str) or not isinstance(v, str)]
            if bad:
                raise ConfigError(f"catalog/{lang}.json: keys {bad[:3]}: expected text values")
            differ = keys ^ set(table)
            if differ:
                raise ConfigError(
                    f"catalog/{lang}.json: keys {sorted(differ)[:5]} are not in every catalogue"
                )
        self._tables = {lang: dict(tables[lang]) for lang in LANGS}

    @classmethod
    def load(cls) -> Catalog:
        """The catalogues shipped with the package."""
        tables: dict[str, dict[str, str]] = {}
        folder = resources.files("kiosk.web") / "catalog"
        for lang in LANGS:
            raw = (folder / f"{lang}.json").read_text(encoding="utf-8")
            try:
                data = json.loads(raw)
            except ValueError as exc:
                raise ConfigError(f"catalog/{lang}.json: not valid JSON ({exc})") from exc
            if not isinstance(data, dict):
                raise ConfigError(f"catalog/{lang}.json: expected a JSON object")
            tables[lang] = data
        return cls(tables)

    def keys(self) -> frozenset[str]:
        return frozenset(self._tables[LANGS[0]])

    def table(self, lang: str) -> dict[str, str]:
        """Every key for ``lang`` (what the browser uses for static labels)."""
        return dict(self._tables[lang])

    def text(self, lang: str, key: str, **params: object) -> str:
        """The text for ``key`` in ``lang`` with the parameters filled in and localised.

        An unknown key is logged and shown as the key itself: a screen never breaks on a typo.
        """
        template = self._tables[lang].get(key)
        if template is None:
            _log.error("catalogue key %r missing (language %s)", key, lang)
            return key
        values = _Params({name: self._value(lang, v) for name, v in params.items()})
        return _FORMATTER.vformat(template, (), values)

    def both(self, key: str, **params: object) -> Localized:
        """``key`` rendered in every language."""
        return {lang: self.text(lang, key, **params) for lang in LANGS}

    def number(self, lang: str, value: int) -> str:
        grouped = f"{value:,}"
        return grouped.replace(",", self._tables[lang].get("number.group", ""))

    def date(self, lang: str, value: date) -> str:
        return self.text(
            lang,
            "date.format",
            year=str(value.year),
            month=str(value.month),
            day=str(value.day),
            month_name=self.text(lang, f"month.{value.month}"),
        )

    def _value(self, lang: str, value: object) -> str:
        if isinstance(value, bool):
            return str(value)
        if isinstance(value, int):
            return self.number(lang, value)
        if isinstance(value, date):
            return self.date(lang, value)
        if isinstance(value, Message):
            return str(getattr(value, lang))
        if isinstance(value, Mapping):
            return str(value.get(lang, ""))
        return str(value)
