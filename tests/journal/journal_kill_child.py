"""Child process for the journal kill test: walks transactions step by step until it is killed.

    python journal_kill_child.py DB KIOSK START MODE

Transaction ``i`` uses intent key ``key-{i}``. Even ``i`` are online (central's reply recorded with
the decision), odd ``i`` are offline (decided locally, acknowledged after ``shown``). After each
COMMITTED step one line goes to stdout:

    begin I SEQ CREATED STEP | decided I SEQ | effect I SEQ | shown I SEQ | ack I SEQ

In MODE ``stepped`` the child then waits for a line on stdin before the next step, so the parent
can kill it exactly between two commits; in MODE ``free`` it runs on without waiting.
A re-begun key whose row already exists and is finished (the parent marked it for reconciliation
after a crash) is reported with CREATED 0 and skipped.
"""

from __future__ import annotations

import sys
import time

from kiosk.journal import Decision, Intent, ItemRef, Journal, Result, Security, Step


def main() -> None:
    path, kiosk, start, mode = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    stepped = mode == "stepped"
    journal = Journal.open(path, kiosk=kiosk, clock=time.time)

    def say(line: str) -> None:
        sys.stdout.write(line + "\n")
        sys.stdout.flush()
        if stepped:
            sys.stdin.readline()

    i = start
    while True:
        online = i % 2 == 0
        item = ItemRef(pii=f"P{i:06d}", owner="CN-1", uid=f"E004{i:012X}")
        op = "checkout" if i % 3 else "checkin"
        result = journal.begin(Intent(f"key-{i}", op, item, patron=f"pat{i % 7}"))
        record = result.record
        say(f"begin {i} {record.seq} {int(result.created)} {record.step.value}")
        if record.step is Step.INTENT:
            tx = record.tx_id
            reply = {"tx_id": tx, "result": "accepted"} if online else None
            journal.decide(tx, Decision(Result.ACCEPTED), offline=not online, reply=reply)
            say(f"decided {i} {record.seq}")
            journal.effect_done(tx, Security.UNSECURED if op == "checkout" else Security.SECURED)
            say(f"effect {i} {record.seq}")
            journal.shown(tx)
            say(f"shown {i} {record.seq}")
            if not online:
                journal.ack(tx, {"tx_id": tx, "result": "accepted"})
                say(f"ack {i} {record.seq}")
        i += 1


if __name__ == "__main__":
    main()
