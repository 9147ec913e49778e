"""Helpers for the central service tests: copy the domain suite's network into SQLite, CBOR
envelopes, and a handler over a SQLite file."""

from __future__ import annotations

from pathlib import Path

from central.domain import CentralDomain
from central.domain.queries import BLOCKED_VERSION, HOLDS_VERSION
from central.store.sqlite import SqliteRepository


def sqlite_copy(source: CentralDomain, path: Path) -> CentralDomain:
    """A domain on a fresh SQLite file holding the same records as ``source``."""
    repo = SqliteRepository.open(path)
    src = source.repo
    with repo.atomic():
        for library in src.libraries():
            repo.put_library(library)
        for kiosk in src.kiosks():
            repo.put_kiosk(kiosk)
        for item in src.items():
            repo.put_item(item)
        for patron in src.patrons():
            repo.put_patron(patron)
        for name in (HOLDS_VERSION, BLOCKED_VERSION):
            for _ in range(src.version(name)):
                repo.bump_version(name)
    return CentralDomain(repo, source.config)


def close(domain: CentralDomain) -> None:
    repo = domain.repo
    assert isinstance(repo, SqliteRepository)
    repo.close()
