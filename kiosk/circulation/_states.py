"""The patron session's states (the transition table itself is in :mod:`.session`).

Theory of operation
-------------------
Rule 1: the machine owns all session state; the I/O layer owns none. It feeds events in and
executes the actions that come out, in order, and tells the machine what happened as new events.

Rule 2: time only moves when an event says so (``TagsSeen.now``, ``Tick.now``, integer
milliseconds from any monotonic origin). Other events happen "at the last known time". Time never
goes backwards: an older ``now`` is taken as the last known one.

Rule 3: every request the machine emits that expects an answer carries a ``request`` number, and
the answer echoes it. An answer whose number the machine is not waiting for (a late answer for a
session that has ended, a duplicate) is ignored — the I/O layer has journaled it already.

Rule 4: device and back-end events (``TagsSeen``, ``TagRead``, ``CardPresented``,
``PatronVerified``, ``ItemDecided``, ``SecurityDone``, ``Tick``) and the staff switches are
accepted in every state, because the world does not wait for the screen; where they mean nothing
they are ignored. Patron UI events (``PinEntered``, ``ModeChosen``, ``Finish``, ``Resume``,
``ReceiptChosen``) are allowed only where the screen offers them; anywhere else they raise
:class:`~kiosk.errors.SessionError` before anything changes. ``Cancel`` is accepted everywhere
and ignored where there is nothing to cancel.

Rule 5: every patron-facing state ends on its own (``Timeouts``); only ``WELCOME``,
``OUT_OF_SERVICE`` and ``STAFF`` wait forever.
"""

from __future__ import annotations

import enum

__all__ = ["SESSION_STATES", "State"]


class State(enum.StrEnum):
    WELCOME = "welcome"  # waiting for a patron (or, return-only, for items)
    PIN = "pin"  # card presented, waiting for the PIN
    VERIFYING = "verifying"  # waiting for central / offline policy to accept the patron
    CHOOSE = "choose"  # patron chooses checkout / return / renew
    ITEMS = "items"  # items on the pad are being handled
    STILL_THERE = "still_there"  # "are you still there?" with items on the pad
    FINISHING = "finishing"  # ending: waiting for answers still in flight
    RECEIPT = "receipt"  # print a receipt or not
    GOODBYE = "goodbye"  # thank-you or refusal message, then back to welcome
    OUT_OF_SERVICE = "out_of_service"
    STAFF = "staff"  # staff maintenance mode has the machine


SESSION_STATES = frozenset(
    {
        State.PIN,
        State.VERIFYING,
        State.CHOOSE,
        State.ITEMS,
        State.STILL_THERE,
        State.FINISHING,
        State.RECEIPT,
    }
)
"""States in which a session is open (an EndSession action will follow)."""
