"""journald priority prefixes and masking of patron numbers and secrets."""

from __future__ import annotations

import io
import logging

import pytest

from kiosk.logs import mask, setup_logging


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("patron 0001000012345 checked out", "patron 0001******345 checked out"),
        ("card=12345678", "card=1234*678"),
        ("pin=4321 ok", "pin=**** ok"),
        ('{"password": "hunter2"}', '{"password": ****}'),
        ("tag E004010012345678 seq 1234567", "tag E004010012345678 seq 1234567"),
    ],
)
def test_mask(text: str, expected: str) -> None:
    assert mask(text) == expected


def _logger(name: str, environ: dict[str, str]) -> tuple[logging.Logger, io.StringIO]:
    stream = io.StringIO()
    logger = logging.getLogger(name)
    logger.propagate = False
    for handler in list(logger.handlers):
        logger.removeHandler(handler)
    setup_logging("debug", stream=stream, environ=environ, logger=logger)
    return logger, stream


def test_journald_prefixes_and_masking() -> None:
    logger, stream = _logger("kiosk.test.journald", {"JOURNAL_STREAM": "8:123"})
    logger.debug("d")
    logger.info("patron %s pin=%s", "0001000012345", "9999")
    logger.warning("w")
    logger.error("e")
    logger.critical("c")
    assert stream.getvalue().splitlines() == [
        "<7>kiosk.test.journald: d",
        "<6>kiosk.test.journald: patron 0001******345 pin=****",
        "<4>kiosk.test.journald: w",
        "<3>kiosk.test.journald: e",
        "<2>kiosk.test.journald: c",
    ]


def test_traceback_lines_keep_priority_and_are_masked() -> None:
    logger, stream = _logger("kiosk.test.tb", {"JOURNAL_STREAM": "8:1"})
    try:
        raise ValueError("bad card 0001000012345")
    except ValueError:
        logger.exception("failed")
    lines = stream.getvalue().splitlines()
    assert len(lines) > 2 and all(line.startswith("<3>") for line in lines)
    assert "0001000012345" not in stream.getvalue()
    assert lines[-1] == "<3>ValueError: bad card 0001******345"


def test_plain_format_outside_journald() -> None:
    logger, stream = _logger("kiosk.test.plain", {})
    logger.info("hello")
    assert stream.getvalue() == "INFO kiosk.test.plain: hello\n"


def test_bad_level() -> None:
    with pytest.raises(ValueError, match="log level 'loud'"):
        setup_logging("loud", stream=io.StringIO(), logger=logging.getLogger("kiosk.test.bad"))
