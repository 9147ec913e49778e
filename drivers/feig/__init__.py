"""FEIG ISO Host protocol: the reader driver, and an emulator that speaks it byte for byte.

=====================================  ===================================  ==========  ========
Capability                             FEIG request                         Driver      Emulator
=====================================  ===================================  ==========  ========
Inventory (+ AFI, 0x94 continuation)   ``[0xB0][0x01]`` MODE(MORE, AFI)     yes         yes
Read multiple blocks (+ lock bits)     ``[0xB0][0x23]`` MODE.SEC            yes         yes
Write blocks                           ``[0xB0][0x24]`` DB-N, DB-SIZE       yes         yes (*)
Lock blocks                            ``[0xB0][0x22]``                     yes         yes
Write / lock AFI, DSFID                ``[0xB0][0x27…0x2A]``                yes         yes
System information                     ``[0xB0][0x2B]``                     yes         yes
Block security status                  ``[0xB0][0x2C]``                     table       yes
Select / reset to ready / stay quiet   ``[0xB0][0x25]/[0x26]/[0x02]``       table       yes
NXP set / reset / lock EAS, EAS alarm  ``[0xB1][0x04][0xA2…0xA5]``          yes         yes
Other NXP custom commands              ``[0xB1][0x04][code]``               raw data    raw data
MIFARE Classic sector read             select, ``[0xB2][0xB0]``, read       yes         1K / 4K
Software version, health check         ``[0x65]``                           yes         yes
RF reset, RF on/off                    ``[0x69]``, ``[0x6A]``               yes         yes
LEDs, beeper, relay                    ``[0x71]``                           yes         recorded
Advanced frames (> 255 bytes)          ``[0x02][ALEN]…``                    both ways   both ways
Bus addressing (COM-ADR, 0xFF = any)   every frame                          yes         yes
=====================================  ===================================  ==========  ========

(*) as Write Single Block per block, as readers do for SLIX. "table": reachable through
:class:`~drivers.iso15693.Command` (the translation table), not a method of its own.

Modules: :mod:`.frames` (pure framing, CRC-16/MCRF4XX, code tables, the incremental
:class:`~.frames.FrameReader`), :mod:`.translate` (pure ISO 15693 ⇄ FEIG re-packing and the status
→ exception table), :mod:`.transport` (pyserial URL, timing, resync), :mod:`.reader`
(:class:`FeigReader`), :mod:`.emulator` (:class:`FeigEmulator`, pure ``handle``), :mod:`.server`
(pty and TCP servers, :func:`run_emulator`), :mod:`.mifare` (the simulated card).

Choices where the public manuals leave room (hardware.md §2.1), all unverified on hardware:

- AFI filtering: inventory MODE bit 4 (0x10) with the AFI byte after MODE (newer readers such as
  ISC.MR102 / CPR; the older ISC manuals have MORE only).
- Reader status 0x02 (data false) and 0x83 (RF communication error) raise ReaderTimeout, so that
  the base class retries them; 0x10 (EEPROM) and 0xF1 (firmware mismatch) raise
  ReaderUnavailable; 0x95 returns the tag's error code to the base class's table.
- Get System Information MEM-SIZE arrives MSB first: block size − 1, then block count − 1.
- ISO 14443A inventory data set: TR-TYPE 0x04, TR-INFO (bit 0: 7-byte UID), SAK, UID in 8
  bytes, right-aligned. MIFARE blocks are byte-reversed like ISO 15693 blocks.
- ``[0x71]`` outputs: 2 bits per output (green 0–1, red 2–3, beeper 4–5, relay 6–7), time in
  100 ms units.
"""

from __future__ import annotations

from drivers.feig.emulator import FeigEmulator
from drivers.feig.frames import ANY_READER, FrameReader, Status
from drivers.feig.mifare import MifareClassic
from drivers.feig.reader import FeigReader
from drivers.feig.server import (
    PtyServer,
    TcpServer,
    parse_listen,
    run_emulator,
    serve_pty,
    serve_tcp,
)
from drivers.feig.translate import CardSeen, OutputMode, SoftwareVersion
from drivers.feig.transport import SerialSettings, SerialTransport, Transport

__all__ = [
    "ANY_READER",
    "CardSeen",
    "FeigEmulator",
    "FeigReader",
    "FrameReader",
    "MifareClassic",
    "OutputMode",
    "PtyServer",
    "SerialSettings",
    "SerialTransport",
    "SoftwareVersion",
    "Status",
    "TcpServer",
    "Transport",
    "parse_listen",
    "run_emulator",
    "serve_pty",
    "serve_tcp",
]
