"""ACLs keyed on the certificate name, commands at most once, config per version, holds, junk."""

from __future__ import annotations

import asyncio
import logging
import time
from pathlib import Path
from typing import Any

import cbor2
import pytest
from broker import Broker, Pki, Proxy
from link_world import FakeCentral, Kiosk, settings, start_link, wait_for

from kiosk.link import Backoff, Endpoint, MqttClient
from kiosk.link._paho import Connected, Incoming, MqttEvent, PublishDone

A = "lib/v1/kiosk/kiosk-A"
B = "lib/v1/kiosk/kiosk-B"


def test_a_cert_cannot_touch_b_topics_even_with_b_client_id(
    broker: Broker, pki: Pki
) -> None:
    async def main() -> None:
        events: dict[str, list[MqttEvent]] = {"spoof": [], "b": []}
        loop = asyncio.get_running_loop()

        def client(cert: str, client_id: str, sink: list[MqttEvent]) -> MqttClient:
            ep = Endpoint(broker.host, broker.port, client_id, pki.client(cert))
            c = MqttClient(ep, sink.append, loop=loop, backoff=Backoff(0.1, 0.5))
            c.start()
            return c

        spoof = client("kiosk-A", "kiosk-B", events["spoof"])  # A's cert, B's client id
        await wait_for(lambda: any(isinstance(e, Connected) for e in events["spoof"]), "spoof")
        spoof.subscribe([(f"{B}/cmd/+", 1), (f"{B}/config", 1), (f"{B}/res", 1)])
        real_b = client("kiosk-B", "kiosk-B-2", events["b"])
        await wait_for(lambda: any(isinstance(e, Connected) for e in events["b"]), "real B")
        real_b.subscribe([(f"{B}/config", 1)])
        central = FakeCentral(broker, pki)
        await central.start()
        denied = spoof.publish(f"{B}/evt/tx", b"\xa0")
        allowed = spoof.publish(f"{A}/evt/telemetry", cbor2.dumps({"v": 1, "ts": 1}))
        await wait_for(lambda: len([e for e in events["spoof"] if isinstance(e, PublishDone)])
                       == 2, "two PUBACKs")
        codes = {e.mid: e.code for e in events["spoof"] if isinstance(e, PublishDone)}
        assert codes[denied] == 0x87  # Not authorized
        assert codes[allowed] < 0x80
        await asyncio.sleep(0.2)  # let the subscriptions settle before central writes
        central.send(f"{B}/config", {"version": 1})
        await wait_for(lambda: any(isinstance(e, Incoming) for e in events["b"]), "B gets it")
        await asyncio.sleep(0.3)
        assert not any(isinstance(e, Incoming) for e in events["spoof"])
        assert not [r for r in central.received if r.topic == f"{B}/evt/tx"]
        for c in (spoof, real_b):
            await asyncio.to_thread(c.stop, send_will=False)
        central.stop()

    asyncio.run(main())


def test_commands_run_at_most_once_and_expired_ones_are_ignored(
    broker: Broker, pki: Pki, tmp_path: Path
) -> None:
    calls: list[tuple[str, dict[str, Any]]] = []

    async def out_of_service(args: Any) -> dict[str, Any]:
        calls.append(("out_of_service", dict(args)))
        return {"state": "out_of_service"}

    def failing(_args: Any) -> None:
        raise RuntimeError("chute jammed")

    async def main() -> None:
        central = FakeCentral(broker, pki)
        await central.start()
        kiosk = Kiosk(tmp_path)
        store = await kiosk.open()
        link = await start_link(
            store, settings(broker, pki),
            commands={"out_of_service": out_of_service, "open_chute": failing},
        )
        await wait_for(lambda: link.connected, "link up")
        await asyncio.sleep(0.2)
        now = int(time.time() * 1000)
        central.send(f"{A}/cmd/out_of_service", {"cmd_id": "c1", "args": {"why": "x"}},
                     expiry_s=60)
        central.send(f"{A}/cmd/out_of_service", {"cmd_id": "c1", "args": {"why": "x"}})
        central.send(f"{A}/cmd/out_of_service", {"cmd_id": "c2", "expires": now - 1000})
        central.send(f"{A}/cmd/open_chute", {"cmd_id": "c3"})
        central.send(f"{A}/cmd/self_destruct", {"cmd_id": "c4"})
        central.send(f"{A}/cmd/sync_now", {"cmd_id": "c5"})
        await wait_for(lambda: len(central.on("/cmd/res")) == 5, "five results")
        await asyncio.sleep(0.3)  # settle: the repeated c1 must not produce a second result
        results = {r.body()["cmd_id"]: r.body() for r in central.on("/cmd/res")}
        assert len(central.on("/cmd/res")) == 5
        assert calls == [("out_of_service", {"why": "x"})]
        assert results["c1"]["ok"] is True and results["c1"]["result"] == {
            "state": "out_of_service"
        }
        assert results["c2"]["ok"] is False and results["c2"]["error"] == "expired"
        assert results["c3"]["ok"] is False and "chute jammed" in results["c3"]["error"]
        assert results["c4"]["ok"] is False and "unknown command" in results["c4"]["error"]
        assert results["c5"]["ok"] is True and results["c5"]["result"] == {"outbox_depth": 0}
        await link.stop()
        # a new link on the same journal still refuses c1 (seen ids are durable)
        link = await start_link(store, settings(broker, pki),
                                commands={"out_of_service": out_of_service})
        await wait_for(lambda: link.connected, "link up again")
        await asyncio.sleep(0.2)
        central.send(f"{A}/cmd/out_of_service", {"cmd_id": "c1"})
        central.send(f"{A}/cmd/out_of_service", {"cmd_id": "c6"})
        await wait_for(lambda: len(central.on("/cmd/res")) == 6, "c6 result")
        assert [c[0] for c in calls] == ["out_of_service", "out_of_service"]
        await link.stop()
        central.stop()
        await kiosk.close()

    asyncio.run(main())


def test_retained_config_applied_once_per_version_and_holds_stored(
    broker: Broker, pki: Pki, proxy: Proxy, tmp_path: Path
) -> None:
    applied: list[int] = []

    def apply(body: Any) -> None:
        applied.append(int(body["version"]))

    async def main() -> None:
        central = FakeCentral(broker, pki)
        await central.start()
        central.send(f"{A}/config", {"version": 3, "loan_days": 30}, retain=True)
        holds = "lib/v1/library/CN-440100-1/holds"
        hold = {"pii": "31000001", "owner": "CN-440100-1", "patron": "P9", "pickup": "CN-1",
                "expires": None}
        central.send(holds, {"version": 7, "holds": [hold]}, retain=True)
        kiosk = Kiosk(tmp_path)
        store = await kiosk.open()
        s = settings(broker, pki, port=proxy.port, libraries=("CN-440100-1",))
        link = await start_link(store, s, apply_config=apply)
        await wait_for(lambda: applied == [3], "config v3")
        await wait_for(lambda: link.config_version == 3, "version kept")
        await wait_for(lambda: any(r.body()["config_version"] == 3
                                   for r in central.on("/info")), "info reports v3")

        async def held() -> list[Any]:
            return list(await kiosk.call(kiosk.offline.holds_for, "31000001", "CN-440100-1"))

        for _ in range(500):
            if await held():
                break
            await asyncio.sleep(0.02)
        assert [h.patron for h in await held()] == ["P9"]
        proxy.cut()  # reconnect: the retained config comes again and is not re-applied
        connects = len(central.on("/status"))
        await wait_for(lambda: len(central.on("/status")) >= connects + 2, "reconnected")
        central.send(f"{A}/config", {"version": 2})  # older: ignored
        central.send(f"{A}/config", {"version": 4, "loan_days": 21}, retain=True)
        await wait_for(lambda: applied == [3, 4], "config v4")
        state = await kiosk.call(kiosk.state.applied_config)
        assert state.version == 4 and state.body["loan_days"] == 21
        delta = {"version": 8, "base": 7, "remove": [hold],
                 "add": [{**hold, "pii": "31000002", "patron": "P8"}]}
        central.send(holds + "/delta", delta)
        for _ in range(500):
            if await kiosk.call(kiosk.offline.holds_version, "CN-440100-1") == 8:
                break
            await asyncio.sleep(0.02)
        assert await held() == []
        assert [h.patron for h in await kiosk.call(
            kiosk.offline.holds_for, "31000002", "CN-440100-1")] == ["P8"]
        assert applied == [3, 4]
        await link.stop()
        central.stop()
        await kiosk.close()

    asyncio.run(main())


def test_bad_payloads_are_dropped_with_one_log_line(
    broker: Broker, pki: Pki, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="kiosk.link")

    async def main() -> None:
        central = FakeCentral(broker, pki)
        await central.start()
        kiosk = Kiosk(tmp_path)
        store = await kiosk.open()
        link = await start_link(store, settings(broker, pki, libraries=("CN-1",)))
        await wait_for(lambda: link.connected, "link up")
        await asyncio.sleep(0.2)
        junk = [
            (f"{A}/res", b"\xff\x00garbage"),
            (f"{A}/res", cbor2.dumps({"v": 1, "tx_id": "kiosk-A:1"})),
            (f"{A}/res", cbor2.dumps({"v": 2, "tx_id": "kiosk-A:1", "result": "accepted"})),
            (f"{A}/cmd/restart", cbor2.dumps([1, 2, 3])),
            (f"{A}/config", cbor2.dumps({"v": 1, "version": -1})),
            (f"{A}/config", b"\x00" * (300 * 1024)),
            ("lib/v1/library/CN-1/holds", cbor2.dumps({"v": 1, "version": 1, "holds": [{}]})),
            ("lib/v1/central/status", b"maybe"),
        ]
        for topic, payload in junk:
            central.send(topic, payload)
        await wait_for(lambda: len(_drops(caplog)) == len(junk), "one line per bad message")
        lines = _drops(caplog)
        assert all("\n" not in line for line in lines)
        assert sorted(line.split(": ")[2] for line in lines) == sorted(t for t, _ in junk), lines
        assert any("TxReply: result: missing" in line for line in lines)
        assert any("TxReply: v: 2, expected 1" in line for line in lines)
        central.send("lib/v1/central/status", b"online")
        await wait_for(lambda: link.central_online is True, "still alive and listening")
        await link.stop()
        central.stop()
        await kiosk.close()

    asyncio.run(main())


def _drops(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        r.getMessage() for r in caplog.records if r.getMessage().startswith("link: dropped")
    ]
