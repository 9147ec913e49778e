"""The fleet view: every kiosk with its transaction progress (from the domain) and what it last
said about itself (``status`` / ``info``, from the service tables).

``info`` is the kiosk's own map; the view reads ``outbox_depth`` (transactions still queued at
the machine) and ``config_version`` (the configuration it has applied) from it when present.
Kiosks heard on the broker but not registered are listed too (``registered`` false): they are
usually a certificate issued before the registration.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from central.domain.service import CentralDomain
from central.store.service_tables import ServiceStore

__all__ = ["FleetRow", "fleet_view"]


@dataclass(frozen=True, slots=True)
class FleetRow:
    kiosk: str
    library: str | None
    registered: bool
    online: bool | None
    last_seen_ms: int | None
    outbox_depth: int | None
    config_applied: int | None
    config_desired: int | None
    last_seq: int
    last_ts: int | None
    processed: int
    held: int
    gaps: int

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


def _uint(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def fleet_view(domain: CentralDomain, store: ServiceStore) -> list[FleetRow]:
    statuses = store.statuses()
    desired = {c.kiosk: c.version for c in store.configs()}
    rows = []
    entries = {e.kiosk: e for e in domain.fleet()}
    for kiosk in sorted(set(entries) | set(statuses)):
        entry = entries.get(kiosk)
        status = statuses.get(kiosk)
        info = status.info if status is not None and status.info is not None else {}
        seen = [
            t
            for t in (
                status.last_seen_ms if status else None,
                entry.last_seen_ms if entry else None,
            )
            if t is not None
        ]
        rows.append(
            FleetRow(
                kiosk=kiosk,
                library=entry.library if entry else None,
                registered=entry is not None,
                online=status.online if status else None,
                last_seen_ms=max(seen) if seen else None,
                outbox_depth=_uint(info.get("outbox_depth")),
                config_applied=_uint(info.get("config_version")),
                config_desired=desired.get(kiosk),
                last_seq=entry.last_seq if entry else 0,
                last_ts=entry.last_ts if entry else None,
                processed=entry.processed if entry else 0,
                held=entry.held if entry else 0,
                gaps=entry.gaps if entry else 0,
            )
        )
    return rows
