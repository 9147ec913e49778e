"""A small network for the central-domain tests: two member libraries, one non-member, three
kiosks, a handful of copies and patrons, and a driver that numbers each kiosk's transactions."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone

from central.domain import (
    CentralDomain,
    DomainConfig,
    Held,
    Item,
    KioskRegistration,
    Library,
    OfflineDecision,
    Op,
    Patron,
    Reply,
    Result,
    Transaction,
    TxItem,
    hash_pin,
)

CST = timezone(timedelta(hours=8))
LIB_A = "CN-440100-1-0001"
LIB_B = "CN-440100-1-0002"
LIB_X = "CN-440300-1-SZL"  # known, not a member of the network
LIB_UNKNOWN = "CN-110000-1-NLC"

CHEAP = (16, 1, 1)  # scrypt cost for tests: the format and the comparison are what is tested
PIN_HASH = hash_pin("1234", b"saltsalt", cost=CHEAP)


def ms(year: int, month: int, day: int, hour: int = 10, minute: int = 0) -> int:
    """Epoch ms of a local (UTC+8) wall-clock time."""
    return int(datetime(year, month, day, hour, minute, tzinfo=CST).timestamp() * 1000)


def local(ms_value: int) -> datetime:
    return datetime.fromtimestamp(ms_value / 1000, UTC).astimezone(CST)


NOW = ms(2026, 3, 2)  # a Monday
DAY = 86_400_000


def build(config: DomainConfig | None = None) -> CentralDomain:
    domain = CentralDomain(config=config or DomainConfig(max_pin_failures=3))
    domain.add_library(
        Library(LIB_A, "0001", "广州图书馆", "Guangzhou Library", category_loan_days={"child": 60})
    )
    domain.add_library(
        Library(LIB_B, "0002", "越秀区图书馆", "Yuexiu District Library", max_renewals=2)
    )
    domain.add_library(Library(LIB_X, "9001", "深圳图书馆", "Shenzhen Library", member=False))
    domain.register_kiosk(KioskRegistration("k-a1", LIB_A))
    domain.register_kiosk(KioskRegistration("k-a2", LIB_A, accepts_reserved_to_staff_bin=True))
    domain.register_kiosk(KioskRegistration("k-b1", LIB_B))
    for pii, owner, extra in [
        ("A001", LIB_A, {}),
        ("A002", LIB_A, {}),
        ("A003", LIB_A, {}),
        ("A004", LIB_A, {}),
        ("A-REF", LIB_A, {"circulates": False}),
        ("A-DIS", LIB_A, {"discarded": True}),
        ("A-ILL", LIB_A, {"ill": True, "ill_from": LIB_UNKNOWN}),
        ("B001", LIB_B, {}),
        ("B002", LIB_B, {}),
        ("X001", LIB_X, {}),
    ]:
        domain.add_item(
            Item(
                pii,
                owner,
                title=f"书名 {pii}",
                author="鲁迅",
                isbn="9787020002207",
                publisher="人民文学出版社",
                price="45.00",
                call_number="I210.4/12",
                **extra,  # type: ignore[arg-type]
            )
        )
    for card, extra in [
        ("P1", {}),
        ("P2", {}),
        ("P3", {"blocked": True, "block_reason": "lost card"}),
        ("P4", {"expires": date(2025, 12, 31)}),
        ("P5", {"limit": 1}),
        ("C1", {"category": "child"}),
    ]:
        domain.add_patron(Patron(card, f"读者{card}", LIB_A, pin_hash=PIN_HASH, **extra))  # type: ignore[arg-type]
    return domain


@dataclass
class Desk:
    """Issues numbered transactions per kiosk, as the kiosks' journals would."""

    domain: CentralDomain
    seqs: dict[str, int] = field(default_factory=dict)

    def tx(
        self,
        kiosk: str,
        op: Op,
        pii: str,
        owner: str = LIB_A,
        patron: str | None = None,
        *,
        ts: int = NOW,
        offline: bool = False,
        decision: OfflineDecision | None = None,
        ill: bool = False,
        seq: int | None = None,
    ) -> Transaction:
        if seq is None:
            seq = self.seqs.get(kiosk, 0) + 1
        self.seqs[kiosk] = max(seq, self.seqs.get(kiosk, 0))
        return Transaction(
            tx_id=f"{kiosk}:{seq}",
            seq=seq,
            kiosk=kiosk,
            ts=ts,
            op=op,
            item=TxItem(pii, owner, ill=ill),
            patron=patron,
            offline=offline,
            decision=decision,
        )

    def send(self, tx: Transaction, now: int | None = None) -> Reply:
        reply = self.domain.apply(tx, NOW if now is None else now)
        assert not isinstance(reply, Held), reply
        return reply

    def checkout(
        self, kiosk: str, patron: str, pii: str, owner: str = LIB_A, **kw: object
    ) -> Reply:
        return self.send(self.tx(kiosk, Op.CHECKOUT, pii, owner, patron, **kw))  # type: ignore[arg-type]

    def checkin(self, kiosk: str, pii: str, owner: str = LIB_A, **kw: object) -> Reply:
        return self.send(self.tx(kiosk, Op.CHECKIN, pii, owner, **kw))  # type: ignore[arg-type]

    def renew(self, kiosk: str, patron: str, pii: str, owner: str = LIB_A, **kw: object) -> Reply:
        return self.send(self.tx(kiosk, Op.RENEW, pii, owner, patron, **kw))  # type: ignore[arg-type]


OFFLINE_OK = OfflineDecision(Result.ACCEPTED, "ok", None)
