"""Every configuration key in one table: section, key, type, default, allowed values, meaning.

The table is the single source of truth: the loader validates against it, ``kiosk config show``
prints defaults from it, and a test holds ``config/kiosk.example.toml`` to it (every key there,
nothing else). A key whose default is :data:`REQUIRED` must be present.

Types (``Key.kind``):

=========  ==================================================================================
``str``    a TOML string; ``choices`` and ``pattern`` restrict it
``int``    a TOML integer (not a boolean); ``minimum`` / ``maximum`` bound it
``float``  a TOML float or integer; bounded likewise
``bool``   ``true`` / ``false``
``list``   an array of strings; ``choices`` restricts each element; no duplicates
``pin``    a GPIO pin: BCM number, a name such as ``"GPIO17"`` / ``"BOARD11"``, or ``"none"``
``path``   a file path (string); ``""`` means not set; relative paths are taken from the
           directory of the configuration file
=========  ==================================================================================
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final, Literal

__all__ = ["REQUIRED", "SCHEMA", "SECTIONS", "Key", "KeyKind", "Value", "keys_of"]

KeyKind = Literal["str", "int", "float", "bool", "list", "pin", "path"]
Value = str | int | float | bool | tuple[str, ...] | None


class _Required:
    """Marker default: the key must be given."""

    def __repr__(self) -> str:
        return "REQUIRED"


REQUIRED: Final = _Required()


@dataclass(frozen=True, slots=True)
class Key:
    """One configuration key and what it accepts."""

    section: str
    name: str
    kind: KeyKind
    default: Value | _Required
    description: str
    choices: tuple[str, ...] | None = None
    minimum: float | None = None
    maximum: float | None = None
    pattern: str | None = None  # full match, for ``str``
    pattern_text: str = ""  # how to say the pattern to a person

    @property
    def required(self) -> bool:
        return isinstance(self.default, _Required)

    @property
    def dotted(self) -> str:
        return f"{self.section}.{self.name}"

    def expected(self) -> str:
        """What a valid value looks like, in words (for error messages)."""
        if self.choices is not None:
            one_of = "one of " + ", ".join(repr(c) for c in self.choices)
            return f"a list of distinct values from {one_of}" if self.kind == "list" else one_of
        words = _KIND_WORDS[self.kind]
        low, high = self.minimum, self.maximum
        if low is not None and high is not None:
            return f"{words} from {_num(low)} to {_num(high)}"
        if low is not None:
            return f"{words} ≥ {_num(low)}"
        if self.pattern_text:
            return f"{words}: {self.pattern_text}"
        return words

    def matches(self, text: str) -> bool:
        return self.pattern is None or re.fullmatch(self.pattern, text) is not None


_KIND_WORDS: dict[str, str] = {
    "str": "a string",
    "int": "an integer",
    "float": "a number",
    "bool": "true or false",
    "list": "a list of strings",
    "pin": 'a BCM pin number 0–53, a pin name like "GPIO17", or "none"',
    "path": 'a file path (or "" for none)',
}


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


_ISIL = r"(?=.{3,16}$)[A-Za-z0-9]{1,4}-[A-Za-z0-9:/\-]{1,15}"  # ISO 15511: at most 16 characters
_ISIL_TEXT = "an ISIL (ISO 15511) such as \"CN-440100-0001\""
_PINS_OUT = ("latch", "status_led", "buzzer")
_PINS_IN = ("door_closed", "bin_full", "service_key")
_PIN_WHAT = {
    "latch": "return-chute latch (relay/MOSFET driving the solenoid)",
    "status_led": "status LED",
    "buzzer": "active buzzer (via a transistor)",
    "door_closed": "chute door reed switch (active = door closed)",
    "bin_full": "return-bin full sensor (active = full)",
    "service_key": "staff key switch (active = service mode)",
}


def _gpio_keys() -> list[Key]:
    keys = [
        Key("gpio", "factory", "str", "auto", "gpiozero pin factory: auto picks lgpio on a Pi 5 "
            "and RPi.GPIO (else lgpio) on a Pi 3/4; mock for demos and tests",
            choices=("auto", "lgpio", "rpigpio", "mock")),
        Key("gpio", "chip", "int", -1, "gpiochip number for lgpio; -1 finds it by label "
            "(pinctrl-rp1 / pinctrl-bcm2711 / pinctrl-bcm2835) — leave at -1",
            minimum=-1, maximum=63),
    ]
    for name in _PINS_OUT:
        keys += [
            Key("gpio", name, "pin", None, f"{_PIN_WHAT[name]} pin"),
            Key("gpio", f"{name}_active_high", "bool", True,
                f"{name} is energised by driving the pin high (false for low-active relay boards)"),
        ]
    for name in _PINS_IN:
        keys += [
            Key("gpio", name, "pin", None, f"{_PIN_WHAT[name]} pin"),
            Key("gpio", f"{name}_active_high", "bool", False,
                f"{name} counts as active when the pin reads high (false: switch to ground)"),
            Key("gpio", f"{name}_pull", "str", "up",
                f"{name} internal resistor: up, down, or none (external resistor)",
                choices=("up", "down", "none")),
        ]
    keys += [
        Key("gpio", "input_bounce_ms", "int", 50, "debounce time of every input, milliseconds",
            minimum=0, maximum=10_000),
        Key("gpio", "latch_pulse_ms", "int", 1000, "how long the latch stays energised",
            minimum=1, maximum=60_000),
        Key("gpio", "latch_refuse_when_door_open", "bool", False,
            "do not open the latch while the door reads open (needs door_closed)"),
        Key("gpio", "led_idle", "str", "slow-blink", "status LED when idle",
            choices=("slow-blink", "steady")),
    ]
    return keys


SCHEMA: tuple[Key, ...] = (
    # [kiosk] ------------------------------------------------------------------------------------
    Key("kiosk", "id", "str", REQUIRED,
        "this machine's id: TLS certificate CN = MQTT username = client id",
        pattern=r"[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}",
        pattern_text="1–64 letters, digits, '.', '_' or '-' (no '/', '+', '#')"),
    Key("kiosk", "library", "str", REQUIRED, "ISIL of the library this machine belongs to",
        pattern=_ISIL, pattern_text=_ISIL_TEXT),
    Key("kiosk", "member_libraries", "list", (),
        "ISILs of the other libraries whose items circulate here (通借通还)",
        pattern=_ISIL, pattern_text=_ISIL_TEXT),
    Key("kiosk", "mode", "str", "both", "what the machine offers",
        choices=("checkout", "return", "both", "return_only")),
    Key("kiosk", "operations", "list", ("checkout", "return", "renew"),
        "operations offered in mode 'both', in button order",
        choices=("checkout", "return", "renew")),
    Key("kiosk", "language", "str", "zh", "first language of the patron screen",
        choices=("zh", "en")),
    # [reader] -----------------------------------------------------------------------------------
    Key("reader", "spec", "str", REQUIRED,
        "RFID pad: feig:/dev/kiosk-reader, feig:socket://HOST:PORT, virtual:TAGS.json"),
    Key("reader", "poll_ms", "int", 200, "pause between inventories, milliseconds",
        minimum=20, maximum=5000),
    # [security] ---------------------------------------------------------------------------------
    Key("security", "mode", "str", "afi", "how a tag is secured: AFI 0x07/0xC2, NXP EAS, or both",
        choices=("afi", "eas", "both")),
    Key("security", "attempts", "int", 3, "write-and-verify attempts before an item is refused",
        minimum=1, maximum=10),
    # [patron] -----------------------------------------------------------------------------------
    Key("session", "idle_s", "int", 60, "no patron activity with items shown: end the session",
        minimum=10, maximum=600),
    Key("session", "step_s", "int", 30, "PIN entry or choosing the operation: back to welcome",
        minimum=5, maximum=300),
    Key("session", "still_there_s", "int", 15, "the \"are you still there?\" prompt",
        minimum=5, maximum=120),
    Key("session", "receipt_s", "int", 20, "the receipt choice (then no receipt)",
        minimum=5, maximum=120),
    Key("session", "goodbye_s", "int", 5, "the thank-you or refusal screen", minimum=1,
        maximum=60),
    Key("session", "return_secure_first", "bool", True,
        "returns: secure the tag while central decides, roll back if refused"),
    Key("session", "max_read_attempts", "int", 3, "reads of one tag before it is unreadable",
        minimum=1, maximum=10),
    Key("patron", "pin_required", "bool", False, "ask for the patron's PIN"),
    Key("patron", "max_pin_attempts", "int", 3, "wrong PINs before the session ends",
        minimum=1, maximum=10),
    Key("patron", "card_format", "str", "hex", "card number from the card UID: hex or decimal",
        choices=("hex", "decimal")),
    Key("patron", "card_byte_order", "str", "msb",
        "msb: first UID byte most significant; lsb: read backwards (common in China)",
        choices=("msb", "lsb")),
    Key("patron", "card_width", "int", 0, "zero-pad the card number to this width; 0 = natural",
        minimum=0, maximum=64),
    # [gpio] -------------------------------------------------------------------------------------
    *_gpio_keys(),
    # [printer] ----------------------------------------------------------------------------------
    Key("printer", "spec", "str", "none",
        "receipt printer: none, dummy, file:/dev/usb/lp0, usb:VID:PID, serial:/dev/kiosk-printer,"
        " network:HOST[:PORT]"),
    Key("printer", "columns", "int", 32, "characters per line: 32 for 58 mm, 48 for 80 mm paper",
        minimum=16, maximum=96),
    Key("printer", "cjk", "bool", True, "the printer has Chinese fonts (GB18030)"),
    # [scanner] ----------------------------------------------------------------------------------
    Key("scanner", "port", "str", "none",
        "serial barcode scanner: none, /dev/kiosk-scanner, or a pyserial URL"),
    Key("scanner", "baud", "int", 9600, "scanner baud rate", minimum=1200, maximum=921_600),
    Key("scanner", "terminator", "str", "any", "what ends a code", choices=("cr", "lf", "crlf",
                                                                        "any")),
    # [nfc] --------------------------------------------------------------------------------------
    Key("nfc", "device", "str", "none",
        "nfcpy patron-card reader: none, usb, usb:VID:PID, tty:AMA0:pn532, udp:HOST:PORT"),
    Key("nfc", "poll_ms", "int", 200, "pause between card polls, milliseconds",
        minimum=20, maximum=5000),
    # [mqtt] -------------------------------------------------------------------------------------
    Key("mqtt", "host", "str", "", "broker host name; \"\" = no central link (always offline)",
        pattern=r"[A-Za-z0-9.\-:]*", pattern_text="a host name or IP address (no scheme, no port)"),
    Key("mqtt", "port", "int", 8883, "broker port (8883 = MQTT over TLS)",
        minimum=1, maximum=65535),
    Key("mqtt", "tls", "bool", True, "use TLS with a client certificate (always, outside a lab)"),
    Key("mqtt", "cafile", "path", "", "CA certificate that signed the broker's certificate"),
    Key("mqtt", "certfile", "path", "", "this kiosk's certificate (CN = kiosk.id)"),
    Key("mqtt", "keyfile", "path", "", "this kiosk's private key (mode 600, owned by the service)"),
    Key("mqtt", "keepalive_s", "int", 30, "MQTT keep-alive, seconds", minimum=5, maximum=3600),
    Key("mqtt", "session_expiry_s", "int", 604_800,
        "how long the broker keeps this kiosk's session and queued commands, seconds",
        minimum=0, maximum=4_294_967_295),
    Key("mqtt", "connect_timeout_s", "float", 10.0, "TCP + TLS + CONNECT must finish within this",
        minimum=0.5, maximum=120),
    Key("mqtt", "reply_timeout_ms", "int", 3000,
        "wait this long for central's answer before the offline policy decides",
        minimum=100, maximum=60_000),
    # [offline] ----------------------------------------------------------------------------------
    Key("offline", "operations", "list", ("checkout", "return"),
        "what the kiosk may decide alone while central does not answer",
        choices=("checkout", "return", "renew")),
    Key("offline", "item_limit", "int", 5, "offline checkouts per patron", minimum=0,
        maximum=100),
    Key("offline", "loan_days", "int", 30, "loan period of offline checkouts, days",
        minimum=0, maximum=365),
    Key("offline", "utc_offset_minutes", "int", 480, "local time for due dates (480 = China)",
        minimum=-720, maximum=840),
    Key("offline", "patrons", "bool", True, "accept cards that are not blocked while offline"),
    # [web] --------------------------------------------------------------------------------------
    Key("web", "bind", "str", "127.0.0.1",
        "address of the patron screen / staff UI; keep 127.0.0.1 unless staff use it remotely",
        pattern=r"[0-9A-Fa-f.:]+", pattern_text="an IPv4 or IPv6 address"),
    Key("web", "port", "int", 8080, "port of the patron screen", minimum=1, maximum=65535),
    # [journal] ----------------------------------------------------------------------------------
    Key("journal", "path", "path", "/var/lib/kiosk/journal.db",
        "SQLite journal and outbox (the record of every loan and return: back it up)"),
    # [logging] ----------------------------------------------------------------------------------
    Key("logging", "level", "str", "info", "least severe level written to the journal",
        choices=("debug", "info", "warning", "error")),
)

SECTIONS: tuple[str, ...] = tuple(dict.fromkeys(key.section for key in SCHEMA))


def keys_of(section: str) -> tuple[Key, ...]:
    """The keys of one section, in table order."""
    return tuple(key for key in SCHEMA if key.section == section)
