"""End to end: FeigReader over a real pty and real TCP (127.0.0.1) to the emulator's servers."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from feig_script import ANS, CMD

from drivers.errors import AuthenticationFailed, ReaderTimeout, ReaderUnavailable
from drivers.feig.emulator import FeigEmulator
from drivers.feig.mifare import MifareClassic
from drivers.feig.reader import FeigReader
from drivers.feig.server import ListenSpec, parse_listen, run_emulator, serve_pty, serve_tcp
from drivers.feig.translate import OutputMode
from drivers.virtual import VirtualPad, VirtualTag, make_uid

UID = bytes.fromhex("E004010012345678")
CARD = bytes.fromhex("04A1B2C3D4E5F6")
KEY = bytes.fromhex("A0A1A2A3A4A5")
PATRON = {8: b"DB4401T96-ANNEXE", 9: bytes(range(16)), 10: bytes(16)}


@pytest.fixture
def pad() -> VirtualPad:
    tags = [VirtualTag("slix", UID, bytes(range(112)), afi=7, dsfid=6)]
    tags += [VirtualTag("slix", make_uid("slix", n)) for n in range(1, 5)]
    return VirtualPad(tags)


@pytest.fixture
def emulator(pad: VirtualPad) -> FeigEmulator:
    card = MifareClassic(CARD, blocks=PATRON, keys={2: (KEY, KEY)})
    return FeigEmulator(pad, cards=[card], sets_per_answer=2, address=0x01)


@pytest.fixture(params=["pty", "tcp"])
def url(request, emulator: FeigEmulator, tmp_path: Path) -> Iterator[str]:
    if request.param == "pty":
        with serve_pty(emulator) as server:
            yield server.path
    else:
        with serve_tcp(emulator) as tcp:
            yield tcp.url


def test_a_whole_session_over_the_line(url: str, pad: VirtualPad, emulator) -> None:
    with FeigReader(url, timeout=0.5) as reader:
        assert len(reader.inventory()) == 5  # three answers: 0x94, 0x94, 0x00
        assert reader.read_blocks(UID, 0, 28, block_size=4).data == bytes(range(112))
        reader.write_blocks(UID, 2, b"\x11\x22\x33\x44", block_size=4)
        assert bytes(pad.tag(UID).memory[8:12]) == b"\x11\x22\x33\x44"
        reader.write_afi(UID, 0xC2)
        assert reader.system_info(UID).afi == 0xC2
        reader.set_eas(UID, True)
        assert reader.eas_alarm(UID) is True
        assert reader.health().ok
        reader.rf_reset()
        reader.set_outputs(red=OutputMode.FLASH, seconds=2)
        assert emulator.outputs["red"] is OutputMode.FLASH


def test_patron_card_sector_over_the_line(url: str) -> None:
    with FeigReader(url, timeout=0.5) as reader:
        assert [card.uid for card in reader.cards()] == [CARD]
        assert reader.read_mifare_sector(CARD, 2, KEY) == [PATRON[8], PATRON[9], PATRON[10]]
        with pytest.raises(AuthenticationFailed):
            reader.read_mifare_sector(CARD, 2, bytes(6), key_type="B")


def test_silence_from_another_bus_address_times_out(url: str) -> None:
    with FeigReader(url, timeout=0.2, address=0x07, retries=1) as reader, pytest.raises(
        ReaderTimeout
    ):
        reader.software_version()


def test_unplug_and_replug_pty_keeps_the_link(tmp_path: Path, pad: VirtualPad) -> None:
    link = str(tmp_path / "reader")
    with serve_pty(FeigEmulator(pad), link=link) as server, FeigReader(link) as reader:
        assert reader.inventory()
        pad.unplug()
        server.settle()
        with pytest.raises(ReaderUnavailable):
            reader.inventory()
        pad.replug()
        server.settle()
        assert reader.inventory()  # a new pty, found again through the link
        assert Path(link).resolve() == Path(server.path)


def test_tcp_unplug_refuses_connections(pad: VirtualPad) -> None:
    with serve_tcp(FeigEmulator(pad)) as server:
        pad.unplug()
        server.settle()
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection(("127.0.0.1", server.port), timeout=1).close()
        pad.replug()
        server.settle()
        socket.create_connection(("127.0.0.1", server.port), timeout=1).close()


def _exchange(sock: socket.socket, data: bytes) -> bytes:
    sock.sendall(data)
    return sock.recv(4096)


def test_server_resyncs_after_garbage_and_ignores_bad_frames(pad: VirtualPad) -> None:
    with serve_tcp(FeigEmulator(pad), gap=0.02) as server, socket.create_connection(
        ("127.0.0.1", server.port), timeout=2
    ) as sock:
        assert _exchange(sock, CMD("FF 69")) == ANS("00 69 00")
        # A byte that claims a 64-byte frame, then a good request: answered once the line is
        # quiet for the gap, when the server gives up the bogus frame.
        assert _exchange(sock, b"\x40" + CMD("FF 69")) == ANS("00 69 00")
        bad = bytearray(CMD("FF 69"))
        bad[-1] ^= 0xFF
        sock.sendall(bytes(bad))  # no answer to a bad CRC…
        assert _exchange(sock, CMD("FF 6A 01")) == ANS("00 6A 00")  # …the next frame is fine


class _Crashing(FeigEmulator):
    """An emulator that fails on one frame: the server must survive it."""

    def handle(self, frame: bytes) -> bytes | None:
        if frame == CMD("FF 63"):
            raise RuntimeError("boom")
        return super().handle(frame)


def test_server_survives_a_failing_handler(pad: VirtualPad) -> None:
    with serve_tcp(_Crashing(pad)) as server, socket.create_connection(
        ("127.0.0.1", server.port), timeout=2
    ) as sock:
        sock.sendall(CMD("FF 63"))
        assert _exchange(sock, CMD("FF 69")) == ANS("00 69 00")
        assert [str(e) for e in server.errors] == ["boom"]


# ------------------------------------------------------------------------------ run_emulator
@pytest.mark.parametrize("listen", ["tcp:127.0.0.1:0", "pty", "pty:LINK"])
def test_run_emulator_until_stopped(listen: str, pad: VirtualPad, tmp_path: Path) -> None:
    listen = listen.replace("LINK", str(tmp_path / "feig"))
    stop = threading.Event()
    where: list[str] = []
    ready = threading.Event()

    def on_ready(address: str) -> None:
        where.append(address)
        ready.set()

    thread = threading.Thread(
        target=run_emulator, args=(listen, pad), kwargs={"ready": on_ready, "stop": stop}
    )
    thread.start()
    try:
        assert ready.wait(5)
        address = where[0]
        url = "socket://" + address[4:] if address.startswith("tcp:") else address
        if listen.startswith("pty:"):
            assert address == str(tmp_path / "feig")
        with FeigReader(url, timeout=0.5) as reader:
            assert {t.uid for t in reader.inventory()} == {t.uid for t in pad.tags()}
    finally:
        stop.set()
        thread.join(5)
    assert not thread.is_alive()


@pytest.mark.parametrize(
    ("spec", "parsed"),
    [
        ("pty", ListenSpec("pty")),
        ("pty:/run/feig", ListenSpec("pty", link="/run/feig")),
        ("tcp:127.0.0.1:10001", ListenSpec("tcp", host="127.0.0.1", port=10001)),
        ("tcp:[::1]:0", ListenSpec("tcp", host="::1", port=0)),
    ],
)
def test_parse_listen(spec: str, parsed: ListenSpec) -> None:
    assert parse_listen(spec) == parsed


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("serial", "unknown kind 'serial'"),
        ("pty:", "empty link path"),
        ("tcp:10001", "missing host or port"),
        ("tcp:localhost:http", "port 'http' is not 0–65535"),
        ("tcp:localhost:70000", "port '70000' is not 0–65535"),
    ],
)
def test_parse_listen_errors(spec: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_listen(spec)
