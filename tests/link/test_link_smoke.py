"""Birth, info, will, and the outbox drained in order with a window, acked only on reply."""

from __future__ import annotations

import asyncio
from pathlib import Path

from broker import Broker, Pki, Proxy
from link_world import FakeCentral, Kiosk, settings, start_link, wait_for


def test_birth_info_then_will_when_the_socket_dies(broker: Broker, pki: Pki, proxy: Proxy,
                                                    tmp_path: Path) -> None:
    async def main() -> None:
        central = FakeCentral(broker, pki)
        await central.start()
        kiosk = Kiosk(tmp_path)
        store = await kiosk.open()
        link = await start_link(store, settings(broker, pki, port=proxy.port))
        await wait_for(lambda: [r.payload for r in central.on("/status")] == [b"online"],
                       "birth")
        await wait_for(lambda: bool(central.on("/info")), "info")
        info = central.on("/info")[0].body()
        assert info["v"] == 1 and info["kiosk"] == "kiosk-A" and info["outbox_depth"] == 0
        assert info["sw"] == "0.1.0-test" and info["boot_id"] == "boot-1"
        proxy.refuse()  # no reconnect yet: a session takeover could pre-empt the will
        proxy.cut()  # the kiosk's socket dies without a DISCONNECT: the broker sends the will
        await wait_for(lambda: b"offline" in [r.payload for r in central.on("/status")], "will")
        proxy.refuse(False)
        await wait_for(lambda: [r.payload for r in central.on("/status")][-1] == b"online",
                       "birth again after reconnect")
        await link.stop()
        await wait_for(lambda: [r.payload for r in central.on("/status")][-1] == b"offline",
                       "will on clean stop")
        central.stop()
        # a newcomer sees the retained offline
        late = FakeCentral(broker, pki)
        await late.start()
        await wait_for(lambda: bool(late.on("/status")), "retained status")
        assert late.on("/status")[-1].payload == b"offline" and late.on("/status")[-1].retain
        late.stop()
        await kiosk.close()

    asyncio.run(main())
