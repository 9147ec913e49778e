"""Shared test plumbing: makes ``tests/support`` importable and offers its fixtures everywhere.

``broker`` (a real mosquitto over TLS with the contract's ACL), ``pki`` and ``proxy`` come from
``tests/support/broker.py``; import its classes as ``from broker import Broker, Pki, Proxy``.
``chromium`` is one headless Debian Chromium per worker (``tests/support/chromium.py``).
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent / "support"))

from broker import broker, pki, proxy
from chromium import chromium

__all__ = ["broker", "chromium", "pki", "proxy"]
