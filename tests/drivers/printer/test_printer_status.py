"""The DLE EOT 4 paper-status byte."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from drivers.printer import decode_paper_status


@pytest.mark.parametrize(
    ("reply", "status"),
    [
        (bytes([0x12]), "ok"),
        (bytes([0x1E]), "near-end"),  # bits 2-3: near-end sensor
        (bytes([0x72]), "out"),  # bits 5-6: paper end sensor
        (bytes([0x7E]), "out"),  # out wins over near-end
        (bytes([0x16]), "near-end"),  # one bit of the pair is enough
        (bytes([0x32]), "out"),
        (bytes([0x00]), "unknown"),  # fixed bits wrong: not a status byte
        (bytes([0x93]), "unknown"),
        (bytes([0xFF]), "unknown"),
        (b"", "unknown"),  # no answer
        (None, "unknown"),  # the connection cannot read
        (bytes([0x72, 0x12]), "ok"),  # the last byte is the answer to this query
    ],
)
def test_paper_status_bytes(reply: bytes | None, status: str) -> None:
    assert decode_paper_status(reply) == status


@given(st.binary(max_size=8))
def test_every_reply_decodes_to_one_of_four_states(reply: bytes) -> None:
    status = decode_paper_status(reply)
    assert status in {"ok", "near-end", "out", "unknown"}
    assert (status == "unknown") == (not reply or reply[-1] & 0x93 != 0x12)
