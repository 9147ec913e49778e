"""Air-time formulas of ISO 15693-2 at the high data rate, on known frame sizes (no wall time)."""

from __future__ import annotations

import pytest

from drivers.virtual.timing import (
    BIT_S,
    T1_S,
    T2_S,
    T3_S,
    VCD_EOF_S,
    VCD_SOF_S,
    VICC_EOF_S,
    VICC_SOF_S,
    WRITE_GRID_S,
    AirTiming,
    exchange_s,
    inventory_round_s,
    vcd_frame_s,
    vicc_frame_s,
)

US = 1e-6


def test_constants_from_the_carrier() -> None:
    microseconds = {
        "bit": BIT_S / US,  # 26.48 kbit/s
        "vcd_sof": VCD_SOF_S / US,
        "vcd_eof": VCD_EOF_S / US,
        "vicc_sof": VICC_SOF_S / US,
        "vicc_eof": VICC_EOF_S / US,
        "t1": T1_S / US,
        "t2": T2_S / US,
        "t3": T3_S / US,
        "write_grid": WRITE_GRID_S / US,
    }
    assert microseconds == pytest.approx(
        {
            "bit": 37.76,
            "vcd_sof": 75.52,
            "vcd_eof": 37.76,
            "vicc_sof": 151.04,
            "vicc_eof": 151.04,
            "t1": 320.9,
            "t2": 309.1,
            "t3": 474.3,
            "write_grid": 302.06,
        },
        abs=0.1,
    )
    bit_rate = 1 / BIT_S
    assert bit_rate == pytest.approx(26_484, rel=1e-3)


def test_frame_durations() -> None:
    # 5-byte inventory request: SOF + 40 bits + EOF
    assert vcd_frame_s(5) == pytest.approx((75.52 + 40 * 37.76 + 37.76) * US, rel=1e-4)
    assert vcd_frame_s(5) == pytest.approx((1024 + 40 * 512 + 512) / 13.56e6)
    # 12-byte inventory answer: SOF + 96 bits + EOF
    assert vicc_frame_s(12) == pytest.approx((151.04 + 96 * 37.76 + 151.04) * US, rel=1e-4)
    assert vicc_frame_s(12) == pytest.approx((2048 + 96 * 512 + 2048) / 13.56e6)


def test_exchange_with_and_without_an_answer() -> None:
    read = exchange_s(13, 7)  # addressed read single block → flags + 4 bytes + CRC
    assert read == pytest.approx(vcd_frame_s(13) + T1_S + vicc_frame_s(7) + T2_S)
    assert exchange_s(13, None) == pytest.approx(vcd_frame_s(13) + T3_S)


def test_write_answers_on_the_302_microsecond_grid() -> None:
    plain = exchange_s(17, 3)
    five_ms = exchange_s(17, 3, busy_s=0.005)
    assert five_ms - plain == pytest.approx(17 * WRITE_GRID_S)  # ⌈5 ms / 302 µs⌉ = 17
    assert exchange_s(17, 3, busy_s=0.5) - plain == pytest.approx(0.020)  # at most 20 ms


def test_inventory_rounds() -> None:
    empty = inventory_round_s(5, 16, 0)
    assert empty == pytest.approx(vcd_frame_s(5) + 16 * T3_S + 15 * VCD_EOF_S)
    one = inventory_round_s(5, 15, 1)
    assert one - empty == pytest.approx(T1_S + vicc_frame_s(12) + T2_S - T3_S)
    one_slot = inventory_round_s(5, 0, 1)
    assert one_slot == pytest.approx(vcd_frame_s(5) + T1_S + vicc_frame_s(12) + T2_S)
    with pytest.raises(ValueError, match="at least one slot"):
        inventory_round_s(5, 0, 0)


def test_orders_of_magnitude() -> None:
    """The figures a benchmark compares against: an empty 16-slot round is ~10 ms, a whole SLIX
    read (28 blocks with security status in one request) ~48 ms."""
    assert 9e-3 < inventory_round_s(5, 16, 0) < 10.5e-3
    whole_slix = exchange_s(14, 1 + 28 * 5 + 2)
    assert 47e-3 < whole_slix < 50e-3


def test_air_timing_accumulates_and_sleeps_only_in_realtime() -> None:
    slept: list[float] = []
    timing = AirTiming(sleep=slept.append)
    timing.spend(0.001)
    timing.spend(0.002)
    assert timing.air_time_s == pytest.approx(0.003)
    assert slept == []
    timing.realtime = True
    timing.spend(0.004)
    assert slept == [0.004]
    assert timing.reset() == pytest.approx(0.007)
    assert timing.air_time_s == 0.0
