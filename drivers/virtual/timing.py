"""Air-interface timing of ISO 15693 at the high data rate: the physical floor for benchmarks.

All durations are multiples of the carrier period 1/fc, fc = 13.56 MHz (ISO/IEC 15693-2):

- Reader → tag, "1 out of 4" pulse-position coding: 2 bits per 75.52 µs symbol (1024/fc), so one
  bit is 512/fc = 37.76 µs (26.48 kbit/s). Frame = SOF (1024/fc = 75.52 µs) + 8 · n bits +
  EOF (512/fc = 37.76 µs). [SOF/EOF lengths from the ISO 15693-2 figures, not re-checked here.]
- Tag → reader, one subcarrier (fc/32 = 423.75 kHz), high rate: one bit = 8 subcarrier pulses
  (256/fc) and 256/fc unmodulated, so 512/fc = 37.76 µs per bit (26.48 kbit/s). SOF = 768/fc
  unmodulated + 24 subcarrier pulses (768/fc) + a logic 1 (512/fc) = 2048/fc = 151.04 µs; the EOF
  mirrors it (151.04 µs).
- t1: reader EOF → tag response, nominal 4352/fc = 320.9 µs (318.6–323.3 µs; the FEIG ISC
  manual quotes the same window for its sampling).
- t2: tag EOF → next reader request, ≥ 4192/fc = 309.2 µs.
- t3: how long a reader waits before concluding "no answer": t1(max) + tag SOF =
  (4384 + 2048)/fc = 474.3 µs. (A write with option flag 0 may legitimately answer up to 20 ms
  later; a reader that waits that long for a missing tag spends more than this model says.)
- Writes: with option flag 0 the tag answers after programming, at t1 + k · 4096/fc (a 302 µs
  grid), k = ⌈programming time / grid⌉, at the latest after 20 ms (ISO 15693-3; FEIG ISC manual).
- 16-slot inventory: request frame; then per slot either an empty wait (t3) or a response
  (t1 + 12-byte frame + t2, the same for a collision, which the reader must hear to the end);
  the reader moves to the next slot with an EOF (15 EOFs for 16 slots).

The pure functions give seconds for known frame sizes; :class:`AirTiming` accumulates them as a
pad runs (``air_time_s``) and can sleep for real (``realtime=True``) so that an emulator behind
the pad answers no faster than the air would.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

__all__ = [
    "BIT_S",
    "FC_HZ",
    "INVENTORY_RESPONSE_BYTES",
    "T1_S",
    "T2_S",
    "T3_S",
    "VCD_EOF_S",
    "VCD_SOF_S",
    "VICC_EOF_S",
    "VICC_SOF_S",
    "WRITE_GRID_S",
    "WRITE_TIMEOUT_S",
    "AirTiming",
    "exchange_s",
    "inventory_round_s",
    "vcd_frame_s",
    "vicc_frame_s",
]

FC_HZ = 13_560_000.0
BIT_S = 512 / FC_HZ  # 37.76 µs, both directions at the high data rate
VCD_SOF_S = 1024 / FC_HZ  # 75.52 µs, SOF selecting 1-out-of-4 coding
VCD_EOF_S = 512 / FC_HZ  # 37.76 µs
VICC_SOF_S = 2048 / FC_HZ  # 151.04 µs, single subcarrier, high rate
VICC_EOF_S = 2048 / FC_HZ  # 151.04 µs
T1_S = 4352 / FC_HZ  # 320.94 µs nominal response delay
T1_MAX_S = 4384 / FC_HZ  # 323.30 µs
T2_S = 4192 / FC_HZ  # 309.14 µs
T3_S = T1_MAX_S + VICC_SOF_S  # 474.34 µs: no answer in this slot / to this request
WRITE_GRID_S = 4096 / FC_HZ  # 302.06 µs
WRITE_TIMEOUT_S = 0.020
INVENTORY_RESPONSE_BYTES = 12  # flags, DSFID, UID(8), CRC(2)


def vcd_frame_s(n_bytes: int) -> float:
    """Reader → tag frame of ``n_bytes`` (CRC included), SOF and EOF included."""
    return VCD_SOF_S + 8 * n_bytes * BIT_S + VCD_EOF_S


def vicc_frame_s(n_bytes: int) -> float:
    """Tag → reader frame of ``n_bytes`` (CRC included), SOF and EOF included."""
    return VICC_SOF_S + 8 * n_bytes * BIT_S + VICC_EOF_S


def exchange_s(request_bytes: int, response_bytes: int | None, busy_s: float = 0.0) -> float:
    """One request and its answer (``None``: no answer, the reader waits t3)."""
    if response_bytes is None:
        return vcd_frame_s(request_bytes) + T3_S
    wait = T1_S
    if busy_s > 0:
        wait += min(math.ceil(busy_s / WRITE_GRID_S) * WRITE_GRID_S, WRITE_TIMEOUT_S)
    return vcd_frame_s(request_bytes) + wait + vicc_frame_s(response_bytes) + T2_S


def inventory_round_s(
    request_bytes: int,
    empty: int,
    answered: int,
    *,
    response_bytes: int = INVENTORY_RESPONSE_BYTES,
) -> float:
    """One inventory request and its slots: ``empty`` silent ones, ``answered`` with one or more
    responses (a collided slot lasts as long as a clean one)."""
    slots = empty + answered
    if slots < 1:
        raise ValueError("an inventory round has at least one slot")
    heard = T1_S + vicc_frame_s(response_bytes) + T2_S
    return vcd_frame_s(request_bytes) + empty * T3_S + answered * heard + (slots - 1) * VCD_EOF_S


@dataclass(slots=True)
class AirTiming:
    """Accumulates modelled air time; with ``realtime`` it also sleeps that long.

    Not thread-safe on its own: the pad calls :meth:`spend` under its lock.
    """

    realtime: bool = False
    sleep: Callable[[float], None] = time.sleep
    air_time_s: float = 0.0

    def spend(self, seconds: float) -> float:
        self.air_time_s += seconds
        if self.realtime and seconds > 0:
            self.sleep(seconds)
        return seconds

    def reset(self) -> float:
        """Zero the total and return what it was."""
        total, self.air_time_s = self.air_time_s, 0.0
        return total
