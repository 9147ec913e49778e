"""ExecutorStore.ack: concurrent acks are written together, each caller gets its own answer."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from link_world import Kiosk

from kiosk.errors import JournalError


def test_concurrent_acks_each_get_their_answer_and_a_bad_one_fails_alone(tmp_path: Path) -> None:
    async def scenario() -> None:
        kiosk = Kiosk(tmp_path)
        store = await kiosk.open()
        try:
            ids = await kiosk.add(4)
            calls = [store.ack(tx, {"tx_id": tx, "result": "accepted"}) for tx in ids]
            calls.append(store.ack(ids[0], {"tx_id": ids[0], "result": "refused"}))
            calls.append(store.ack("kiosk-A:99", {"result": "accepted"}))
            got = await asyncio.gather(*calls, return_exceptions=True)
            assert got[:5] == [True, True, True, True, False]
            assert isinstance(got[5], JournalError)
            assert await kiosk.depth() == 0
            first = await kiosk.call(kiosk.journal.get, ids[0])
            assert first.reply["result"] == "accepted"
            assert await store.ack(ids[1], {"tx_id": ids[1]}) is False
        finally:
            await kiosk.close()
            kiosk.pool.shutdown()

    asyncio.run(scenario())


@pytest.mark.parametrize("count", [1, 25])
def test_acks_after_a_batch_are_written_too(tmp_path: Path, count: int) -> None:
    async def scenario() -> None:
        kiosk = Kiosk(tmp_path)
        store = await kiosk.open()
        try:
            ids = await kiosk.add(count * 2)
            first = [store.ack(tx, {"tx_id": tx}) for tx in ids[:count]]
            assert await asyncio.gather(*first) == [True] * count
            second = [store.ack(tx, {"tx_id": tx}) for tx in ids[count:]]
            assert await asyncio.gather(*second) == [True] * count
            assert await kiosk.depth() == 0
        finally:
            await kiosk.close()
            kiosk.pool.shutdown()

    asyncio.run(scenario())
