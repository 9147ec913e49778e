"""Pin-factory selection: board detection and gpiochip discovery over fake sysfs trees."""

from __future__ import annotations

import ast
import importlib.util
import os
from pathlib import Path

import pytest

from drivers.errors import DriverUnavailable, GpioError
from drivers.gpio import (
    Board,
    find_gpiochip,
    gpiochip_labels,
    make_pin_factory,
    parse_model,
    read_board,
)


@pytest.mark.parametrize(
    ("model", "generation", "label"),
    [
        ("Raspberry Pi 5 Model B Rev 1.0", 5, "pinctrl-rp1"),
        ("Raspberry Pi 500 Rev 1.0", 5, "pinctrl-rp1"),
        ("Raspberry Pi Compute Module 5 Rev 1.0", 5, "pinctrl-rp1"),
        ("Raspberry Pi 4 Model B Rev 1.5", 4, "pinctrl-bcm2711"),
        ("Raspberry Pi 400 Rev 1.0", 4, "pinctrl-bcm2711"),
        ("Raspberry Pi Compute Module 4 Rev 1.1", 4, "pinctrl-bcm2711"),
        ("Raspberry Pi 3 Model B Plus Rev 1.3", 3, "pinctrl-bcm2835"),
        ("Raspberry Pi Zero 2 W Rev 1.0", 3, "pinctrl-bcm2835"),
        ("Raspberry Pi Zero W Rev 1.1", 1, "pinctrl-bcm2835"),
        ("Raspberry Pi Model B Rev 2", 1, "pinctrl-bcm2835"),
    ],
)
def test_models_map_to_generation_and_chip_label(model: str, generation: int, label: str) -> None:
    board = parse_model(model + "\x00")
    assert board == Board(model, generation)
    assert board.chip_label == label


@pytest.mark.parametrize("model", ["", "Generic x86 PC", "Radxa ROCK 5B", "Raspberry Pie"])
def test_other_boards_are_not_raspberry_pis(model: str) -> None:
    assert parse_model(model) is None


def _write(path: Path, text: str | bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text)


def test_read_board_prefers_proc_and_falls_back_to_sysfs(tmp_path: Path) -> None:
    assert read_board(tmp_path) is None
    _write(tmp_path / "sys/firmware/devicetree/base/model", b"Raspberry Pi 4 Model B Rev 1.4\x00")
    assert read_board(tmp_path) == Board("Raspberry Pi 4 Model B Rev 1.4", 4)
    _write(tmp_path / "proc/device-tree/model", b"Raspberry Pi 5 Model B Rev 1.0\x00")
    assert read_board(tmp_path) == Board("Raspberry Pi 5 Model B Rev 1.0", 5)


def _pi5_sysfs(root: Path, rp1_chip: int = 0) -> None:
    """A Pi 5 on a recent kernel: RP1 header chip plus SoC chips numbered 10+."""
    devices = root / "sys/devices/platform"
    chips = {rp1_chip: ("pinctrl-rp1", 569), 10: ("gpio-brcmstb@107d508500", 547),
             11: ("gpio-brcmstb@107d508520", 515)}
    for number, (label, base) in chips.items():
        device = devices / f"chip{number}/gpiochip{number}"
        _write(device / f"gpio/gpiochip{base}/label", label + "\n")
        bus = root / "sys/bus/gpio/devices"
        bus.mkdir(parents=True, exist_ok=True)
        os.symlink(device, bus / f"gpiochip{number}")


def test_labels_come_from_the_gpio_bus(tmp_path: Path) -> None:
    _pi5_sysfs(tmp_path, rp1_chip=0)
    assert gpiochip_labels(tmp_path) == {
        0: "pinctrl-rp1", 10: "gpio-brcmstb@107d508500", 11: "gpio-brcmstb@107d508520",
    }


def test_labels_come_from_the_gpio_class_through_the_device_link(tmp_path: Path) -> None:
    gpio_class = tmp_path / "sys/class/gpio"
    _write(gpio_class / "gpiochip512/label", "pinctrl-bcm2711\n")  # base 512 → /dev/gpiochip0
    os.symlink("../../../devices/platform/soc/fe200000.gpio/gpiochip0",
               gpio_class / "gpiochip512/device")
    _write(gpio_class / "gpiochip570/label", "raspberrypi-exp-gpio\n")
    os.symlink("../../../devices/platform/soc/firmware/gpiochip1",
               gpio_class / "gpiochip570/device")
    _write(gpio_class / "gpiochip600/label", "orphan\n")  # no device link: cannot be mapped
    assert gpiochip_labels(tmp_path) == {0: "pinctrl-bcm2711", 1: "raspberrypi-exp-gpio"}


def test_no_gpio_at_all_gives_no_labels(tmp_path: Path) -> None:
    assert gpiochip_labels(tmp_path) == {}


def test_find_gpiochip_follows_the_wanted_order() -> None:
    labels = {4: "pinctrl-rp1", 0: "gpio-brcmstb@107d508500", 13: "pinctrl-rp1"}
    assert find_gpiochip(labels, ["pinctrl-rp1"]) == 4
    assert find_gpiochip(labels, ["pinctrl-bcm2711", "gpio-brcmstb@107d508500"]) == 0
    assert find_gpiochip(labels, ["pinctrl-bcm2835"]) is None


def test_mock_factory_is_a_fresh_mock_each_time() -> None:
    from gpiozero.pins.mock import MockFactory

    a, b = make_pin_factory("mock"), make_pin_factory("mock")
    assert isinstance(a, MockFactory) and a is not b
    a.close()
    b.close()


def test_unknown_factory_name_is_unavailable() -> None:
    with pytest.raises(DriverUnavailable, match="unknown GPIO pin factory 'pigpio'"):
        make_pin_factory("pigpio")


def test_auto_without_a_raspberry_pi_asks_for_an_explicit_factory(tmp_path: Path) -> None:
    with pytest.raises(DriverUnavailable, match="set the GPIO pin factory explicitly"):
        make_pin_factory("auto", root=tmp_path)


def test_lgpio_without_a_header_chip_names_what_it_found(tmp_path: Path) -> None:
    _write(tmp_path / "proc/device-tree/model", b"Raspberry Pi 5 Model B Rev 1.0\x00")
    bus = tmp_path / "sys/bus/gpio/devices/gpiochip3"
    _write(bus / "gpio/gpiochip400/label", "some-expander\n")
    with pytest.raises(GpioError, match=r"no GPIO chip labelled pinctrl-rp1 or pinctrl-bcm2711 or"
                       r" pinctrl-bcm2835 under .* \(found: gpiochip3='some-expander'\)"):
        make_pin_factory("lgpio", root=tmp_path)


@pytest.mark.skipif(importlib.util.find_spec("lgpio") is not None, reason="lgpio installed")
def test_lgpio_finds_the_chip_then_needs_the_library(tmp_path: Path) -> None:
    _write(tmp_path / "proc/device-tree/model", b"Raspberry Pi 5 Model B Rev 1.0\x00")
    _pi5_sysfs(tmp_path, rp1_chip=4)
    with pytest.raises(DriverUnavailable, match="lgpio"):
        make_pin_factory("lgpio", root=tmp_path)
    with pytest.raises(DriverUnavailable, match="lgpio"):
        make_pin_factory("auto", root=tmp_path)


@pytest.mark.skipif(importlib.util.find_spec("RPi") is not None, reason="RPi.GPIO installed")
def test_rpigpio_without_the_library_is_unavailable() -> None:
    with pytest.raises(DriverUnavailable, match=r"RPi\.GPIO"):
        make_pin_factory("rpigpio")


def test_only_the_adapter_imports_gpiozero() -> None:
    root = Path(__file__).resolve().parents[3] / "drivers"
    importers = set()
    for path in root.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            elif isinstance(node, ast.Call) and "import" in ast.unparse(node.func) and node.args:
                names = [str(getattr(node.args[0], "value", ""))]  # import_module("…"), _import
            if any(n.split(".")[0] == "gpiozero" for n in names):
                importers.add(path.relative_to(root.parent).as_posix())
    assert importers == {"drivers/gpio/_gpiozero.py"}
