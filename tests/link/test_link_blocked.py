"""Blocked cards pushed by central reach the kiosk's journal database for the offline policy,
through a real broker: the kiosk's own library's retained list, newest version only."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import cbor2
import pytest
from broker import Broker, Pki, Proxy
from link_world import FakeCentral, Kiosk, settings, start_link, until, wait_for

from kiosk.link.topics import blocked_topic

HOME, MEMBER = "CN-440100-1-0001", "CN-440100-1-0002"


def test_the_own_library_list_is_stored_by_version(
    broker: Broker, pki: Pki, proxy: Proxy, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="kiosk.link")

    async def main() -> None:
        central = FakeCentral(broker, pki)
        await central.start()
        central.send(blocked_topic(HOME), {"library": HOME, "version": 5,
                                           "cards": ["0001012345678", "04A1B2C3"]}, retain=True)
        central.send(blocked_topic(MEMBER), {"library": MEMBER, "version": 9,
                                             "cards": ["other"]}, retain=True)
        kiosk = Kiosk(tmp_path)
        store = await kiosk.open()
        link = await start_link(store, settings(broker, pki, port=proxy.port,
                                                libraries=(HOME, MEMBER)))

        async def stored() -> tuple[int | None, frozenset[str]]:
            return (await kiosk.call(kiosk.offline.blocked_cards_version),
                    await kiosk.call(kiosk.offline.blocked_cards))

        async def at(version: int) -> bool:
            return (await stored())[0] == version

        await until(lambda: at(5), "the retained list v5")
        assert await stored() == (5, frozenset({"0001012345678", "04A1B2C3"}))

        central.send(blocked_topic(HOME), {"version": 4, "cards": []})  # older: ignored
        central.send(blocked_topic(HOME), {"version": 6, "cards": ["0001099999999"]})
        await until(lambda: at(6), "v6")
        assert await stored() == (6, frozenset({"0001099999999"}))
        bad = cbor2.dumps({"v": 1, "version": 7, "cards": ["x" * 65]})
        central.send(blocked_topic(HOME), bad)
        await wait_for(lambda: "cards[0]: 65 characters, expected ≤ 64" in caplog.text,
                       "the bad list is logged in one line")
        assert await stored() == (6, frozenset({"0001099999999"}))

        proxy.cut()  # reconnect: the retained v5 comes again and changes nothing
        connects = len(central.on("/status"))
        await wait_for(lambda: len(central.on("/status")) >= connects + 2, "reconnected")
        await wait_for(lambda: "blocked cards v5: 2 cards (already stored)" in caplog.text,
                       "the redelivered v5 seen")
        await asyncio.sleep(0.1)
        assert await stored() == (6, frozenset({"0001099999999"}))
        assert "other" not in (await stored())[1]  # another library's list is not read
        await link.stop()
        central.stop()
        await kiosk.close()

    asyncio.run(main())
