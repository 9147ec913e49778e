"""Child process of the logistics kill test: journals results and feeds them until killed.

    python logistics_kill_child.py DB

At start it does what the daemon does after a crash: open transactions are marked for
reconciliation (the runtime's recovery, shortened) and the store catches up. Then transaction
``i`` (from the journal's next seq on) is journalled up to ``shown`` — line ``shown I`` — and
its result fed — line ``counted I``. Every fourth is a checkout, the rest returns, the odd ones
bound for another library.
"""

from __future__ import annotations

import sys

from logistics_world import HOME, OFFSET, YUEXIU, item_result, journal_tx, open_machine


def main() -> None:
    m = open_machine(sys.argv[1])
    for row in m.journal.recover().unfinished:
        m.journal.mark_reconcile(row.tx_id, "killed")
    m.store.catch_up(m.feed, utc_offset_minutes=OFFSET)
    i = m.journal.last_seq() + 1
    print("ready", flush=True)
    while True:
        op = "checkout" if i % 4 == 0 else "checkin"
        owner = YUEXIU if i % 2 else HOME
        route = None if op == "checkout" else (f"transit:{owner}" if i % 2 else "shelf")
        pii = f"{'0002' if i % 2 else '0001'}1{i:09d}"
        journal_tx(m.journal, i, op, pii, owner, route=route)
        print(f"shown {i}", flush=True)
        m.feed.observe(item_result(i, op, pii, route=route))
        print(f"counted {i}", flush=True)
        i += 1


if __name__ == "__main__":
    main()
