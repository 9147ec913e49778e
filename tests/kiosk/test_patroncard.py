"""An Annex E reader card read through the FEIG driver from the emulator's MIFARE card."""

from __future__ import annotations

import datetime
from collections.abc import Iterator

import pytest

from drivers.errors import AuthenticationFailed, NoTag
from drivers.feig import FeigEmulator, FeigReader, MifareClassic, serve_tcp
from drivers.virtual import VirtualPad
from kiosk import gz
from kiosk.errors import CardDataError
from kiosk.patroncard import read_reader_card

KEY = bytes.fromhex("A0A1A2A3A4A5")
UID = bytes.fromhex("1A2B3C4D")


@pytest.fixture
def setup() -> Iterator[tuple[FeigEmulator, FeigReader]]:
    emulator = FeigEmulator(VirtualPad())
    server = serve_tcp(emulator)
    reader = FeigReader(server.url, retries=0)
    try:
        yield emulator, reader
    finally:
        reader.close()
        server.stop()


def _card(record: gz.CardRecord | None) -> MifareClassic:
    blocks = {}
    if record is not None:
        block0, block1 = gz.encode_card(record)
        blocks = {8: block0, 9: block1}
    return MifareClassic(UID, blocks=blocks, keys={2: (KEY, KEY)})


def test_reads_the_card_record(setup: tuple[FeigEmulator, FeigReader]) -> None:
    emulator, reader = setup
    record = gz.CardRecord("0001000012345", datetime.date(2024, 3, 1), "00001")
    emulator.place_card(_card(record))
    assert read_reader_card(reader, UID, KEY) == record


def test_wrong_key_missing_card_and_empty_sector(setup: tuple[FeigEmulator, FeigReader]) -> None:
    emulator, reader = setup
    with pytest.raises(NoTag):
        read_reader_card(reader, UID, KEY)
    emulator.place_card(_card(None))
    with pytest.raises(AuthenticationFailed):
        read_reader_card(reader, UID, bytes(6))
    with pytest.raises(CardDataError):
        read_reader_card(reader, UID, KEY)
    with pytest.raises(ValueError, match="6 bytes"):
        read_reader_card(reader, UID, b"\x00")
