"""Constants shared by the Raspberry Pi deployment tests."""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

MINIMAL = """\
[kiosk]
id = "k1"
library = "CN-440100-0001"

[reader]
spec = "virtual"
"""
