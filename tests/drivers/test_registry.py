"""Reader specs: names from the registry, FEIG options, clear errors."""

from __future__ import annotations

import pytest

from drivers.errors import DriverConfigError, DriverUnavailable
from drivers.feig import FeigReader
from drivers.registry import READERS, open_reader, parse_reader_spec
from drivers.virtual import VirtualReader


def test_known_names() -> None:
    assert set(READERS) == {"virtual", "feig"}
    assert parse_reader_spec("feig:socket://h:1") == ("feig", "socket://h:1")


def test_virtual_spec_without_file_gives_an_empty_pad() -> None:
    reader = open_reader("virtual")
    assert isinstance(reader, VirtualReader)
    with reader:
        assert reader.inventory() == []


def test_feig_spec_with_options() -> None:
    reader = open_reader("feig:/dev/ttyUSB0?baud=19200&parity=n&address=3&timeout=0.5")
    assert isinstance(reader, FeigReader)
    assert not reader.is_open  # opening happens on first use


@pytest.mark.parametrize(
    ("spec", "error", "fragment"),
    [
        ("acme:/dev/ttyS0", DriverUnavailable, "expected one of virtual:…, feig:…"),
        ("feig:", DriverConfigError, "expected a serial port"),
        ("feig:/dev/ttyS0?speed=1", DriverConfigError, "unknown option 'speed'"),
        ("feig:/dev/ttyS0?baud=fast", DriverConfigError, "feig:/dev/ttyS0?baud=fast"),
        ("feig:/dev/ttyS0?address=300", DriverConfigError, "0–255"),
        ("feig:/dev/ttyS0?parity=Q", DriverConfigError, "parity"),
    ],
)
def test_bad_specs(spec: str, error: type[Exception], fragment: str) -> None:
    with pytest.raises(error, match=None) as info:
        open_reader(spec)
    assert fragment in str(info.value)
