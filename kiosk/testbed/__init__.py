"""A private MQTT testbed: Debian mosquitto over TLS with the contract's ACL, its PKI, a proxy.

Used by the test-suite, by ``kiosk chaos`` / ``kiosk bench`` and by the demo: all need a real
broker on 127.0.0.1 that nobody else talks to. See :mod:`kiosk.testbed.broker`.
"""

from kiosk.testbed.broker import (
    CENTRAL,
    Broker,
    Pki,
    Proxy,
    TestbedUnavailable,
    free_port,
    mosquitto_path,
    openssl_path,
)

__all__ = [
    "CENTRAL",
    "Broker",
    "Pki",
    "Proxy",
    "TestbedUnavailable",
    "free_port",
    "mosquitto_path",
    "openssl_path",
]
