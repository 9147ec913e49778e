"""The reference central service around the domain: sans-IO message handling
(:mod:`.handler`), the fleet view (:mod:`.fleet`), the worker loop (:mod:`.runner`) and the MQTT
transport (:mod:`.mqtt`, the only part that needs the broker).

This package does not import the MQTT transport, so handler and fleet can be used (and tested)
without paho; ``kiosk-central serve`` wires the transport in.
"""

from __future__ import annotations

from central.service.fleet import FleetRow, fleet_view
from central.service.handler import CentralHandler, HandlerConfig, Publish
from central.service.runner import CentralRunner, Connected, Received, Transport
from central.service.topics import subscriptions

__all__ = [
    "CentralHandler",
    "CentralRunner",
    "Connected",
    "FleetRow",
    "HandlerConfig",
    "Publish",
    "Received",
    "Transport",
    "fleet_view",
    "subscriptions",
]
