"""Random circulation against the domain, checking its invariants after every step.

Checkouts, returns and renewals (online and offline, with earlier timestamps), holds, re-sent
transactions and transactions arriving out of order. After each step: an item is on loan to at
most one patron; each patron's loan count matches the loans; every tx_id was applied once (the
fleet's processed count equals the distinct tx_ids answered); a re-sent tx_id gets the identical
reply and changes nothing; a refusal changes no loan; an accepted checkout/return/renewal shows in
the loans exactly as the reply says.
"""

from __future__ import annotations

import contextlib
from collections import Counter

from central_world import LIB_A, LIB_B, NOW, OFFLINE_OK, Desk, build
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from central.domain import ConflictError, Held, HoldState, Op, Reply, Result, Transaction

KIOSKS = ["k-a1", "k-a2", "k-b1"]
ITEMS = [(LIB_A, "A001"), (LIB_A, "A002"), (LIB_A, "A-ILL"), (LIB_B, "B001"), (LIB_A, "NOPE")]
PATRONS = ["P1", "P2", "P3", "P5", "C1", "NOBODY"]
KNOWN = ["P1", "P2", "P3", "P5", "C1"]


class Circulation(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.domain = build()
        self.desk = Desk(self.domain)
        self.now = NOW
        self.sent: list[Transaction] = []
        self.first: dict[str, Reply] = {}

    # -------------------------------------------------------------- helpers

    def _loans(self) -> dict[tuple[str, str], object]:
        return {loan.key: loan for loan in self.domain.loans()}

    def _check_reply(
        self, tx: Transaction, reply: Reply, before: dict[tuple[str, str], object]
    ) -> None:
        after = self._loans()
        key = (tx.item.owner, tx.item.pii)
        if tx.tx_id in self.first:
            assert reply == self.first[tx.tx_id]
            assert after == before
            return
        self.first[tx.tx_id] = reply
        if reply.result is Result.REFUSED:
            assert after == before
        elif reply.result is Result.ACCEPTED:
            if tx.op is Op.CHECKOUT:
                loan = after[key]
                assert loan.patron == tx.patron and loan.due_ms == reply.due  # type: ignore[attr-defined]
            elif tx.op is Op.CHECKIN:
                assert key not in after
            else:
                assert after[key].due_ms == reply.due  # type: ignore[attr-defined]

    def _send(self, tx: Transaction) -> None:
        before = self._loans()
        reply = self.domain.apply(tx, self.now)
        assert not isinstance(reply, Held)
        self.sent.append(tx)
        self._check_reply(tx, reply, before)

    def _tx(
        self,
        *,
        kiosk: str,
        op: Op,
        item: tuple[str, str],
        patron: str | None,
        offline: bool,
        back: int,
    ) -> Transaction:
        ts = self.now - back * 3_600_000 if offline else self.now
        return self.desk.tx(
            kiosk,
            op,
            item[1],
            item[0],
            patron,
            ts=ts,
            offline=offline,
            decision=OFFLINE_OK if offline else None,
        )

    # -------------------------------------------------------------- rules

    @rule(
        kiosk=st.sampled_from(KIOSKS),
        patron=st.sampled_from(PATRONS),
        item=st.sampled_from(ITEMS),
        offline=st.booleans(),
        back=st.integers(0, 48),
    )
    def checkout(
        self, kiosk: str, patron: str, item: tuple[str, str], offline: bool, back: int
    ) -> None:
        self._send(
            self._tx(
                kiosk=kiosk, op=Op.CHECKOUT, item=item, patron=patron, offline=offline, back=back
            )
        )

    @rule(
        kiosk=st.sampled_from(KIOSKS),
        item=st.sampled_from(ITEMS),
        offline=st.booleans(),
        back=st.integers(0, 48),
    )
    def checkin(self, kiosk: str, item: tuple[str, str], offline: bool, back: int) -> None:
        self._send(
            self._tx(kiosk=kiosk, op=Op.CHECKIN, item=item, patron=None, offline=offline, back=back)
        )

    @rule(
        kiosk=st.sampled_from(KIOSKS),
        patron=st.sampled_from(PATRONS),
        item=st.sampled_from(ITEMS),
        offline=st.booleans(),
    )
    def renew(self, kiosk: str, patron: str, item: tuple[str, str], offline: bool) -> None:
        self._send(
            self._tx(kiosk=kiosk, op=Op.RENEW, item=item, patron=patron, offline=offline, back=0)
        )

    @rule(
        item=st.sampled_from(ITEMS[:4]),
        patron=st.sampled_from(KNOWN),
        pickup=st.sampled_from([LIB_A, LIB_B]),
    )
    def place_hold(self, item: tuple[str, str], patron: str, pickup: str) -> None:
        with contextlib.suppress(ConflictError):
            self.domain.place_hold(item[0], item[1], patron, pickup, self.now)

    @rule(item=st.sampled_from(ITEMS[:4]))
    def hold_arrived(self, item: tuple[str, str]) -> None:
        with contextlib.suppress(ConflictError):
            self.domain.hold_arrived(item[0], item[1], self.now)

    @precondition(lambda self: bool(self.domain.holds()))
    @rule(data=st.data())
    def cancel_hold(self, data: st.DataObject) -> None:
        hold = data.draw(st.sampled_from(self.domain.holds()))
        self.domain.cancel_hold(hold.hold_id, self.now)

    @rule(hours=st.integers(1, 24 * 10))
    def time_passes(self, hours: int) -> None:
        self.now += hours * 3_600_000
        self.domain.expire_holds(self.now)

    @precondition(lambda self: bool(self.sent))
    @rule(data=st.data())
    def resend(self, data: st.DataObject) -> None:
        self._send(data.draw(st.sampled_from(self.sent)))

    @rule(kiosk=st.sampled_from(KIOSKS), item=st.sampled_from(ITEMS), patron=st.sampled_from(KNOWN))
    def out_of_order(self, kiosk: str, item: tuple[str, str], patron: str) -> None:
        first = self._tx(
            kiosk=kiosk, op=Op.CHECKOUT, item=item, patron=patron, offline=False, back=0
        )
        second = self._tx(kiosk=kiosk, op=Op.CHECKIN, item=item, patron=None, offline=False, back=0)
        before = self._loans()
        assert isinstance(self.domain.apply(second, self.now), Held)
        assert self._loans() == before
        reply1 = self.domain.apply(first, self.now)
        assert not isinstance(reply1, Held)
        [reply2] = self.domain.take_released()
        assert reply2.tx_id == second.tx_id
        self.sent += [first, second]
        self.first[first.tx_id] = reply1
        self.first[second.tx_id] = reply2
        after = self._loans()
        key = (item[0], item[1])
        if reply2.result is Result.ACCEPTED:
            assert key not in after
        elif reply1.result is Result.ACCEPTED:
            assert after[key].patron == patron  # type: ignore[attr-defined]
        else:
            assert after == before

    # -------------------------------------------------------------- invariants

    @invariant()
    def one_patron_per_item(self) -> None:
        loans = self.domain.loans()
        assert len({loan.key for loan in loans}) == len(loans)
        for loan in loans:
            assert self.domain.item(loan.pii, loan.owner).on_loan_to == loan.patron

    @invariant()
    def loan_counts_match(self) -> None:
        counts = Counter(loan.patron for loan in self.domain.loans())
        for card in KNOWN:
            assert self.domain.patron(card, "1234", self.now).loans == counts[card]

    @invariant()
    def each_tx_applied_once(self) -> None:
        assert sum(f.processed for f in self.domain.fleet()) == len(self.first)
        assert len(self.first) == len({tx.tx_id for tx in self.sent})

    @invariant()
    def hold_shelf_is_consistent(self) -> None:
        shelved = [h for h in self.domain.holds() if h.state is HoldState.ON_SHELF]
        assert len({h.key for h in shelved}) == len(shelved)
        keys = {loan.key for loan in self.domain.loans()}
        for hold in shelved:
            # only an offline checkout (flagged for staff) can take a copy off the hold shelf
            if hold.key in keys:
                loan = next(loan for loan in self.domain.loans() if loan.key == hold.key)
                assert loan.exception_id is not None


Circulation.TestCase.settings = settings(
    max_examples=60,
    stateful_step_count=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
TestCirculation = Circulation.TestCase
