"""Child process for the state-storage kill test: rewrites one TinyDB document until killed.

    python state_kill_child.py PATH PAD

Write ``n`` (1, 2, 3, …) stores ``{"k": "doc", "n": n, "pad": str(n % 10) * PAD}`` through
:class:`AtomicJSONStorage` and then prints ``n``: a printed ``n`` is on disk. The padding makes
each write large, so a kill often lands in the middle of writing the temp file.
"""

from __future__ import annotations

import sys

from tinydb import Query, TinyDB

from kiosk.state import AtomicJSONStorage


def main() -> None:
    path, pad = sys.argv[1], int(sys.argv[2])
    db = TinyDB(path, storage=AtomicJSONStorage)
    table = db.table("t")
    doc = table.get(Query().k == "doc")
    n = 0 if doc is None else int(doc["n"])
    while True:
        n += 1
        table.upsert({"k": "doc", "n": n, "pad": str(n % 10) * pad}, Query().k == "doc")
        sys.stdout.write(f"{n}\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
