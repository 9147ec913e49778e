"""FEIG ISO Host framing: CRC, the reference vectors, advanced frames, the incremental decoder."""

from __future__ import annotations

import pytest
from feig_script import CMD, HEX
from hypothesis import given
from hypothesis import strategies as st

from drivers.errors import ReaderProtocolError
from drivers.feig.frames import (
    STATUS_TEXT,
    FrameReader,
    Request,
    Response,
    Status,
    crc,
    encode_request,
    encode_response,
    parse_request,
    parse_response,
)

UID = "E0 04 01 00 12 34 56 78"

# hardware.md §2.1.2: (frame, COM-ADR, CMD, data) — every one must match byte for byte.
VECTORS = [
    ("07 FF B0 01 00 1C 56", 0xFF, 0xB0, "01 00"),
    ("05 FF 65 E5 CB", 0xFF, 0x65, ""),
    ("05 FF 69 89 01", 0xFF, 0x69, ""),
    (f"11 FF B0 23 01 {UID} 00 08 07 D6", 0xFF, 0xB0, f"23 01 {UID} 00 08"),
    (f"0F FF B0 2B 01 {UID} 11 A3", 0xFF, 0xB0, f"2B 01 {UID}"),
    (f"10 FF B0 27 01 {UID} 07 D8 DE", 0xFF, 0xB0, f"27 01 {UID} 07"),
    (f"10 FF B1 04 A2 01 {UID} FC BB", 0xFF, 0xB1, f"04 A2 01 {UID}"),
    (f"10 FF B1 04 A3 01 {UID} DB 97", 0xFF, 0xB1, f"04 A3 01 {UID}"),
]


def test_crc_is_mcrf4xx() -> None:
    assert crc(b"123456789") == 0x6F91


@pytest.mark.parametrize(("frame", "address", "command", "data"), VECTORS)
def test_reference_vectors_encode_byte_for_byte(
    frame: str, address: int, command: int, data: str
) -> None:
    assert encode_request(address, command, HEX(data)) == HEX(frame)
    assert CMD(f"{address:02X} {command:02X} {data}") == HEX(frame)


@pytest.mark.parametrize(("frame", "address", "command", "data"), VECTORS)
def test_reference_vectors_parse(frame: str, address: int, command: int, data: str) -> None:
    assert parse_request(HEX(frame)) == Request(address, command, HEX(data))
    assert crc(HEX(frame)) == 0  # the CRC over a whole valid frame is zero


def test_response_frame_layout() -> None:
    raw = encode_response(0x00, 0xB0, 0x01)
    assert raw[:4] == HEX("06 00 B0 01")
    assert parse_response(raw) == Response(0x00, 0xB0, 0x01, b"")


def test_advanced_frame_layout_and_round_trip() -> None:
    raw = encode_request(0xFF, 0x65, b"", advanced=True)
    assert raw == HEX("02 00 07 FF 65") + raw[-2:]
    assert crc(raw) == 0
    parsed = parse_request(raw)
    assert parsed == Request(0xFF, 0x65, b"", advanced=True)
    assert parsed.encode() == raw


def test_long_response_becomes_advanced_by_itself() -> None:
    raw = encode_response(0x00, 0xB0, 0x00, bytes(300))
    assert raw[0] == 0x02
    assert raw[1] << 8 | raw[2] == len(raw) == 300 + 8
    assert parse_response(raw).data == bytes(300)


def test_standard_frame_that_cannot_fit_is_refused() -> None:
    with pytest.raises(ValueError, match="does not fit a standard frame"):
        encode_request(0xFF, 0xB0, bytes(260), advanced=False)


def test_bytes_out_of_range_are_refused() -> None:
    with pytest.raises(ValueError, match="COM-ADR must be a byte"):
        encode_request(256, 0xB0)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (HEX("07 FF B0 01 00 1C 57"), "CRC error, expected 1C 56 at bytes 6–7"),
        (HEX("08 FF B0 01 00 1C 56"), "length byte says 8 bytes, frame has 7"),
        (HEX("04 FF 65 00"), "too short"),
        (HEX(""), "empty frame"),
        (HEX("02 00"), "cut off in its length field"),
    ],
)
def test_bad_requests_are_named_precisely(raw: bytes, message: str) -> None:
    with pytest.raises(ReaderProtocolError, match=message):
        parse_request(raw)


def test_every_status_has_a_text() -> None:
    assert {int(s) for s in Status} <= set(STATUS_TEXT)


# ------------------------------------------------------------------------------ FrameReader
GOOD = CMD("00 B0 00 01 03 00 E0 04 01 00 12 34 56 78")  # a response (decoder for responses)


def test_decoder_waits_for_partial_input() -> None:
    decoder = FrameReader(responses=True)
    assert decoder.needed() == 1
    assert decoder.feed(GOOD[:1]) == []
    assert decoder.needed() == len(GOOD) - 1
    assert decoder.feed(GOOD[1:-1]) == []
    assert decoder.feed(GOOD[-1:]) == [GOOD]
    assert decoder.pending == b""


def test_decoder_advanced_needs_three_header_bytes() -> None:
    raw = encode_response(0x00, 0x65, 0x00, advanced=True)
    decoder = FrameReader(responses=True)
    assert decoder.feed(raw[:2]) == []
    assert decoder.needed() == 1
    assert decoder.feed(raw[2:]) == [raw]


def test_decoder_skips_bytes_that_cannot_start_a_frame() -> None:
    decoder = FrameReader(responses=True)
    assert decoder.feed(HEX("00 01 03 04 05") + GOOD) == [GOOD]
    assert decoder.discarded == 5


def test_decoder_resyncs_after_a_frame_with_a_bad_crc() -> None:
    bad = GOOD[:-1] + bytes((GOOD[-1] ^ 0xFF,))
    decoder = FrameReader(responses=True)
    # The bad frame's later bytes are tried as heads too; some wait for more input…
    frames = decoder.feed(bad + GOOD)
    frames += decoder.expire()  # …until the line goes quiet
    assert frames == [GOOD]


def test_decoder_expire_finds_a_frame_behind_a_long_length_byte() -> None:
    decoder = FrameReader(responses=True)
    assert decoder.feed(HEX("41") + GOOD) == []  # 0x41 claims a 65-byte frame
    assert decoder.expire() == [GOOD]
    assert decoder.pending == b""


def test_decoder_request_minimum_is_five_bytes() -> None:
    requests = FrameReader(responses=False)
    assert requests.feed(HEX("05 FF 65 E5 CB")) == [HEX("05 FF 65 E5 CB")]
    responses = FrameReader(responses=True)
    assert responses.feed(HEX("05 FF 65 E5 CB")) == []


frames_strategy = st.lists(
    st.builds(
        lambda adr, cmd, status, data, adv: encode_response(adr, cmd, status, data, advanced=adv),
        st.integers(0, 255),
        st.integers(0, 255),
        st.integers(0, 255),
        st.binary(max_size=300),
        st.sampled_from([None, True]),
    ),
    min_size=1,
    max_size=5,
)


@given(frames_strategy, st.lists(st.integers(1, 40), max_size=30))
def test_decoder_any_chunking_yields_the_same_frames(frames: list[bytes], cuts: list[int]) -> None:
    stream = b"".join(frames)
    decoder = FrameReader(responses=True)
    out: list[bytes] = []
    pos = 0
    for cut in [*cuts, len(stream)]:
        out += decoder.feed(stream[pos : pos + cut])
        pos += cut
    out += decoder.feed(stream[pos:])
    assert out == frames


@given(st.binary(max_size=40), frames_strategy)
def test_decoder_finds_frames_after_any_garbage(garbage: bytes, frames: list[bytes]) -> None:
    decoder = FrameReader(responses=True)
    out = decoder.feed(garbage + b"".join(frames))
    out += decoder.expire()
    # Garbage may (rarely) hide a frame with a valid CRC; the real frames always come out last.
    assert out[len(out) - len(frames) :] == frames


@given(st.binary(max_size=300), st.integers(0, 255), st.integers(0, 255), st.booleans())
def test_request_round_trip(data: bytes, address: int, command: int, advanced: bool) -> None:
    request = Request(address, command, data, advanced or len(data) + 5 > 255)
    assert parse_request(request.encode()) == request
