"""Choosing the gpiozero pin factory: explicit name, or detected from the board.

============  ==============================================================================
name          factory
============  ==============================================================================
``mock``      gpiozero ``MockFactory`` — tests and ``kiosk demo``
``rpigpio``   RPi.GPIO — Pi 3/4 images that have it (it cannot drive a Pi 5)
``lgpio``     lgpio on the gpiochip whose *label* is the header controller
``auto``      Pi 5 → lgpio; Pi 3/4 → rpigpio if installed, else lgpio; no Pi → error
============  ==============================================================================

The lgpio chip is never a hard-coded number: Raspberry Pi kernels renumbered the Pi 5 header
controller (``gpiochip4`` → ``gpiochip0``, and ``gpiochip1x`` on some 6.12 kernels). It is found
by label — ``pinctrl-rp1`` (Pi 5), ``pinctrl-bcm2711`` (Pi 4), ``pinctrl-bcm2835`` (Pi 3 and
older) — from sysfs, or from the ``GPIO_GET_CHIPINFO`` ioctl when sysfs has no GPIO class.

In sysfs the legacy class directory ``/sys/class/gpio/gpiochip<base>`` is named after the GPIO
*base* (e.g. 512), not the character device; its ``device`` link points at the ``gpiochip<N>``
device whose N is the ``/dev/gpiochip<N>`` number. Under ``/sys/bus/gpio/devices/gpiochip<N>``
the label sits in the nested class directory (``gpio/gpiochip<base>/label``). Both are read.
Every path is taken relative to an injectable ``root`` so tests can build a fake tree.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from drivers.errors import DriverUnavailable, GpioError
from drivers.gpio._gpiozero import PinFactory, lgpio_factory, mock_factory, rpigpio_factory

__all__ = [
    "CHIP_LABELS",
    "Board",
    "FactoryName",
    "find_gpiochip",
    "gpiochip_labels",
    "make_pin_factory",
    "parse_model",
    "read_board",
]

FactoryName = Literal["auto", "lgpio", "rpigpio", "mock"]

CHIP_LABELS: Mapping[int, str] = {5: "pinctrl-rp1", 4: "pinctrl-bcm2711", 3: "pinctrl-bcm2835"}
"""Header GPIO controller label by board generation (3 stands for 3 and older)."""

_MODEL = re.compile(
    r"Raspberry Pi (?:Compute Module (?P<cm>\d)|Zero(?: (?P<zero>\d))?|(?P<num>\d)|(?P<one>Model))"
)
_CHIP_DIR = re.compile(r"gpiochip(\d+)")
_GPIO_GET_CHIPINFO = 0x8044B401  # _IOR(0xB4, 0x01, struct gpiochip_info { char[32] x2; u32 })


@dataclass(frozen=True, slots=True)
class Board:
    """What the device tree says this machine is."""

    model: str
    generation: int

    @property
    def chip_label(self) -> str:
        return CHIP_LABELS[max(3, min(5, self.generation))]


def parse_model(text: str) -> Board | None:
    """A :class:`Board` from a device-tree model string, ``None`` if it is not a Raspberry Pi.

    "Raspberry Pi 5 Model B Rev 1.0", "Raspberry Pi 400 Rev 1.0" (→ 4), "Raspberry Pi Compute
    Module 4 Rev 1.1", "Raspberry Pi Zero 2 W Rev 1.0" (→ 3, a BCM2710 like the Pi 3),
    "Raspberry Pi Zero W Rev 1.1" and "Raspberry Pi Model B Rev 2" (→ 1).
    """
    model = text.strip("\x00 \n")
    match = _MODEL.match(model)
    if match is None:
        return None
    number = match["cm"] or match["num"]
    if number is not None:
        return Board(model, int(number))
    # Pi 1 ("Model B") and Zero / Zero W are BCM2835; the Zero 2 W is a BCM2710 like the Pi 3.
    return Board(model, 3 if match["zero"] == "2" else 1)


def read_board(root: Path = Path("/")) -> Board | None:
    """The board under ``root``, from ``/proc/device-tree/model`` or the sysfs copy."""
    for relative in ("proc/device-tree/model", "sys/firmware/devicetree/base/model"):
        try:
            text = (root / relative).read_bytes().decode("utf-8", "replace")
        except OSError:
            continue
        return parse_model(text)
    return None


def gpiochip_labels(root: Path = Path("/")) -> dict[int, str]:
    """``{N: label}`` for every ``/dev/gpiochip<N>`` found under ``root`` (sysfs, then ioctl)."""
    labels = _sysfs_bus_labels(root) | _sysfs_class_labels(root)
    return labels or _ioctl_labels(root / "dev")


def find_gpiochip(labels: Mapping[int, str], wanted: Sequence[str]) -> int | None:
    """The chip carrying the first label of ``wanted`` that is present (lowest N on a tie)."""
    for label in wanted:
        matches = sorted(n for n, found in labels.items() if found == label)
        if matches:
            return matches[0]
    return None


def make_pin_factory(
    name: str, *, root: Path = Path("/"), chip: int | None = None
) -> PinFactory:
    """Build the named pin factory (see the module table).

    ``chip`` overrides label discovery for lgpio. Raises
    :class:`~drivers.errors.DriverUnavailable` for an unknown name, a missing library or an
    undetectable board, and :class:`~drivers.errors.GpioError` when no header chip is found.
    """
    if name == "mock":
        return mock_factory()
    if name == "rpigpio":
        return rpigpio_factory()
    if name == "lgpio":
        return lgpio_factory(chip if chip is not None else _discover_chip(root, read_board(root)))
    if name == "auto":
        return _auto(root, chip)
    raise DriverUnavailable(
        f"unknown GPIO pin factory {name!r}; expected one of 'auto', 'lgpio', 'rpigpio', 'mock'"
    )


def _auto(root: Path, chip: int | None) -> PinFactory:
    board = read_board(root)
    if board is None:
        raise DriverUnavailable(
            f"cannot tell which Raspberry Pi this is (no model under {root / 'proc/device-tree'});"
            " set the GPIO pin factory explicitly ('mock' for a demo)"
        )
    if board.generation < 5:
        with contextlib.suppress(DriverUnavailable):
            return rpigpio_factory()
    return lgpio_factory(chip if chip is not None else _discover_chip(root, board))


def _discover_chip(root: Path, board: Board | None) -> int:
    wanted = [board.chip_label] if board is not None else []
    wanted += [label for label in CHIP_LABELS.values() if label not in wanted]
    labels = gpiochip_labels(root)
    found = find_gpiochip(labels, wanted)
    if found is None:
        seen = ", ".join(f"gpiochip{n}={label!r}" for n, label in sorted(labels.items()))
        raise GpioError(
            f"no GPIO chip labelled {' or '.join(wanted)} under {root}"
            f" (found: {seen or 'no GPIO chips'})"
        )
    return found


def _read_label(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8", errors="replace").strip()
    except OSError:
        return None


def _sysfs_bus_labels(root: Path) -> dict[int, str]:
    labels: dict[int, str] = {}
    base = root / "sys/bus/gpio/devices"
    for number, device in _chip_dirs(base):
        candidates = [device / "label", *sorted(device.glob("gpio/gpiochip*/label"))]
        label = next((t for t in map(_read_label, candidates) if t), None)
        if label:
            labels[number] = label
    return labels


def _sysfs_class_labels(root: Path) -> dict[int, str]:
    labels: dict[int, str] = {}
    for _base, entry in _chip_dirs(root / "sys/class/gpio"):
        label = _read_label(entry / "label")
        try:
            target = os.readlink(entry / "device")
        except OSError:
            continue  # no link to the chip device: the base number alone cannot name /dev/gpiochipN
        match = _CHIP_DIR.fullmatch(Path(target).name)
        if label and match:
            labels[int(match.group(1))] = label
    return labels


def _chip_dirs(base: Path) -> list[tuple[int, Path]]:
    """``(N, path)`` for every ``gpiochip<N>`` entry of ``base``."""
    try:
        entries = list(base.iterdir())
    except OSError:
        return []
    found = [(m, p) for p in entries if (m := _CHIP_DIR.fullmatch(p.name))]
    return sorted((int(m.group(1)), p) for m, p in found)


def _ioctl_labels(dev: Path) -> dict[int, str]:
    labels: dict[int, str] = {}
    for number, path in _chip_dirs(dev):
        try:
            fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
        except OSError:
            continue
        try:
            info = fcntl.ioctl(fd, _GPIO_GET_CHIPINFO, bytes(68))
        except OSError:
            continue
        finally:
            os.close(fd)
        label = info[32:64].split(b"\x00", 1)[0].decode("utf-8", "replace")
        if label:
            labels[number] = label
    return labels
