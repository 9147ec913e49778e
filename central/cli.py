"""``kiosk-central``: the reference central service's command line (filled in by the MQTT work)."""

from __future__ import annotations

import sys
from collections.abc import Sequence

__all__ = ["main"]


def main(argv: Sequence[str] | None = None) -> int:
    del argv
    sys.stderr.write("kiosk-central: the MQTT service is not built yet (see the issues)\n")
    return 2
