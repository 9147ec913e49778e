"""Chip models for the virtual pad: memory geometry, IC reference and command set per chip.

The values say what a simulated tag answers to Get System Information and which custom commands it
accepts. Sources: NXP ICODE SLIX (SL2S2002) 28 × 4-byte user blocks and the NXP custom command
codes (``reference/hardware.md`` §2.5, ``reference/tagdata.md`` §4.2); SLIX2 (SL2S2602) 79 ×
4-byte blocks (hardware.md marks this unverified); Fujitsu MB89R118 (FRAM, ISO 15693): 8-byte
blocks, 250 user blocks (2000 bytes), IC manufacturer code 0x08 (ISO/IEC 7816-6).

IC reference bytes and write (programming) times are stand-ins, not datasheet values: the IC
reference only has to be stable so that tests can tell chips apart, and the write time feeds the
air-timing model (EEPROM ≈ 5 ms per block; FRAM has no programming delay worth modelling).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from drivers.iso15693 import NXP, Cmd

__all__ = ["CHIPS", "FUJITSU", "NXP_EAS_COMMANDS", "ChipModel", "chip_model"]

FUJITSU = 0x08  # IC manufacturer code of Fujitsu (ISO/IEC 7816-6)

#: The NXP EAS command family (SET, RESET, LOCK, ALARM).
NXP_EAS_COMMANDS = frozenset(
    {Cmd.NXP_SET_EAS, Cmd.NXP_RESET_EAS, Cmd.NXP_LOCK_EAS, Cmd.NXP_EAS_ALARM}
)


@dataclass(frozen=True, slots=True)
class ChipModel:
    """What one kind of tag IC looks like from the air."""

    name: str
    description: str
    manufacturer: int
    block_size: int
    block_count: int
    ic_reference: int
    #: Custom command codes (0xA0–0xDF) the chip accepts when the frame carries its own
    #: manufacturer code; anything else in that range answers "not supported".
    custom_commands: frozenset[int] = frozenset()
    #: Most blocks one Write Multiple Blocks may carry; 0 = the chip does not implement it.
    write_multiple_max: int = 0
    #: Time to program one block (or AFI/DSFID/EAS/lock bit) after the request, in seconds.
    write_time_s: float = 0.0

    @property
    def memory_size(self) -> int:
        return self.block_size * self.block_count

    @property
    def eas(self) -> bool:
        """Whether the chip has the NXP EAS bit (and so answers the EAS commands)."""
        return self.custom_commands >= NXP_EAS_COMMANDS

    @property
    def uid_prefix(self) -> bytes:
        """First two UID bytes (shown order): 0xE0 and the IC manufacturer code."""
        return bytes((0xE0, self.manufacturer))


CHIPS: Mapping[str, ChipModel] = MappingProxyType(
    {
        "slix": ChipModel(
            name="slix",
            description="NXP ICODE SLIX (SL2S2002), 28 × 4-byte blocks, EEPROM",
            manufacturer=NXP,
            block_size=4,
            block_count=28,
            ic_reference=0x01,
            custom_commands=NXP_EAS_COMMANDS,
            write_time_s=0.005,
        ),
        "slix2": ChipModel(
            name="slix2",
            description="NXP ICODE SLIX2 (SL2S2602), 79 × 4-byte blocks, EEPROM",
            manufacturer=NXP,
            block_size=4,
            block_count=79,
            ic_reference=0x02,
            custom_commands=NXP_EAS_COMMANDS | {Cmd.NXP_GET_SYSTEM_INFO},
            write_time_s=0.005,
        ),
        "mb89r118": ChipModel(
            name="mb89r118",
            description="Fujitsu MB89R118 (FRAM), 250 × 8-byte blocks, no EAS",
            manufacturer=FUJITSU,
            block_size=8,
            block_count=250,
            ic_reference=0x00,
            write_multiple_max=2,
            write_time_s=0.0,
        ),
    }
)


def chip_model(chip: str | ChipModel) -> ChipModel:
    """Look a chip up by name (or pass a model through); unknown names list the known ones."""
    if isinstance(chip, ChipModel):
        return chip
    try:
        return CHIPS[chip]
    except KeyError:
        known = ", ".join(sorted(CHIPS))
        raise ValueError(f"unknown chip {chip!r}: expected one of {known}") from None
