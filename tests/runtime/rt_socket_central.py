"""Central in another process: a line-JSON server over 127.0.0.1 and a CentralPort client for it.

The kill tests run the real central domain in the test (parent) process, so it survives the kiosk
being killed, and the kiosk child talks to it through :class:`SocketCentral`: one connection per
request, one JSON line each way. A transaction central holds (after a ``seq`` gap) is answered
once it has been processed, as the MQTT link would receive the reply later.
"""

from __future__ import annotations

import asyncio
import json
import socketserver
import threading
import time
from collections.abc import Mapping
from typing import Any

from central.domain import CentralDomain, CentralError, Held

HELD_WAIT_S = 5.0


class CentralServer:
    def __init__(self, domain: CentralDomain, kiosk: str) -> None:
        self.domain = domain
        self.kiosk = kiosk
        self.applied: list[str] = []
        self.lock = threading.Condition()
        outer = self

        class Handler(socketserver.StreamRequestHandler):
            def handle(self) -> None:
                line = self.rfile.readline()
                if not line:
                    return
                answer = outer.answer(json.loads(line))
                if answer is not None:
                    self.wfile.write(json.dumps(answer).encode() + b"\n")

        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> CentralServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def answer(self, request: Mapping[str, Any]) -> dict[str, Any] | None:
        now = time.time_ns() // 1_000_000
        with self.lock:
            if request.get("kind") == "patron":
                return self.domain.patron(request["card"], request.get("pin"), now).to_wire()
            event = request["event"]
            tx_id = event["tx_id"]
            seen = self.domain.repo.get_processed(tx_id) is not None
            try:
                outcome = self.domain.apply_wire(event, now, kiosk=self.kiosk)
            except CentralError:
                return None
            if not isinstance(outcome, Held):
                if not seen:
                    self.applied.append(tx_id)
                self.applied.extend(r.tx_id for r in self.domain.take_released())
                self.lock.notify_all()
                return outcome.to_wire()
            deadline = time.monotonic() + HELD_WAIT_S
            while time.monotonic() < deadline:
                self.lock.wait(0.05)
                done = self.domain.repo.get_processed(tx_id)
                if done is not None:
                    return done.reply.to_wire()
            return None


class SocketCentral:
    """CentralPort over :class:`CentralServer` (runs in the kiosk child)."""

    def __init__(self, port: int) -> None:
        self.port = port

    async def _call(self, request: Mapping[str, Any]) -> dict[str, Any] | None:
        reader, writer = await asyncio.open_connection("127.0.0.1", self.port)
        try:
            writer.write(json.dumps(request).encode() + b"\n")
            await writer.drain()
            line = await reader.readline()
        finally:
            writer.close()
        if not line:
            return None
        answer = json.loads(line)
        return answer if isinstance(answer, dict) else None

    async def request_tx(self, event: Mapping[str, Any]) -> dict[str, Any] | None:
        return await self._call({"kind": "tx", "event": dict(event)})

    async def lookup_patron(self, card: str, pin: str | None) -> dict[str, Any] | None:
        return await self._call({"kind": "patron", "card": card, "pin": pin})
