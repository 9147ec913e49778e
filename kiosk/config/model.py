"""The validated configuration as a frozen dataclass tree (one class per TOML section).

Field names are the schema's key names (a test keeps the two in step). Values here are already
checked; the ``to_…`` helpers turn a section into the object its consumer takes, so the
composition root does not repeat any mapping.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from drivers.cards.numbers import CardNumberRule
from drivers.gpio.config import GpioConfig, PinSpec
from kiosk.circulation.config import MachineMode, OfflineConfig, Timeouts
from kiosk.circulation.decision import Op
from kiosk.security import SecurityMode

__all__ = [
    "GpioSection",
    "JournalSection",
    "KioskConfig",
    "KioskSection",
    "LoggingSection",
    "MqttSection",
    "NfcSection",
    "OfflineSection",
    "PatronSection",
    "PrinterSection",
    "ReaderSection",
    "ScannerSection",
    "SecuritySection",
    "SessionSection",
    "WebSection",
]

Pin = int | str | None

_PULL: dict[str, bool | None] = {"up": True, "down": False, "none": None}


@dataclass(frozen=True, slots=True)
class KioskSection:
    id: str
    library: str
    member_libraries: tuple[str, ...]
    mode: str
    operations: tuple[str, ...]
    language: str

    @property
    def machine_mode(self) -> MachineMode:
        return MachineMode(self.mode)

    @property
    def ops(self) -> tuple[Op, ...]:
        return tuple(Op(name) for name in self.operations)


@dataclass(frozen=True, slots=True)
class ReaderSection:
    spec: str
    poll_ms: int


@dataclass(frozen=True, slots=True)
class SecuritySection:
    mode: str
    attempts: int

    @property
    def security_mode(self) -> SecurityMode:
        return SecurityMode(self.mode)


@dataclass(frozen=True, slots=True)
class SessionSection:
    """The patron session's timings (seconds) and rules."""

    idle_s: int
    step_s: int
    still_there_s: int
    receipt_s: int
    goodbye_s: int
    return_secure_first: bool
    max_read_attempts: int

    def timeouts(self) -> Timeouts:
        return Timeouts(
            idle_ms=self.idle_s * 1000,
            step_ms=self.step_s * 1000,
            still_there_ms=self.still_there_s * 1000,
            receipt_ms=self.receipt_s * 1000,
            goodbye_ms=self.goodbye_s * 1000,
        )


@dataclass(frozen=True, slots=True)
class PatronSection:
    pin_required: bool
    max_pin_attempts: int
    card_format: str
    card_byte_order: str
    card_width: int

    def card_rule(self) -> CardNumberRule:
        return CardNumberRule(
            format="decimal" if self.card_format == "decimal" else "hex",
            byte_order="lsb" if self.card_byte_order == "lsb" else "msb",
            width=self.card_width or None,
        )


@dataclass(frozen=True, slots=True)
class GpioSection:
    factory: str
    chip: int
    latch: Pin
    latch_active_high: bool
    status_led: Pin
    status_led_active_high: bool
    buzzer: Pin
    buzzer_active_high: bool
    door_closed: Pin
    door_closed_active_high: bool
    door_closed_pull: str
    bin_full: Pin
    bin_full_active_high: bool
    bin_full_pull: str
    service_key: Pin
    service_key_active_high: bool
    service_key_pull: str
    input_bounce_ms: int
    latch_pulse_ms: int
    latch_refuse_when_door_open: bool
    led_idle: str

    @property
    def chip_override(self) -> int | None:
        """The explicit gpiochip, or ``None`` to find it by label."""
        return None if self.chip < 0 else self.chip

    def to_gpio_config(self) -> GpioConfig:
        """The drivers' :class:`GpioConfig`; ``DriverConfigError`` e.g. for a pin used twice."""

        def output(name: str) -> PinSpec | None:
            pin: Pin = getattr(self, name)
            return None if pin is None else PinSpec(pin, getattr(self, f"{name}_active_high"))

        def input_(name: str) -> PinSpec | None:
            pin: Pin = getattr(self, name)
            if pin is None:
                return None
            return PinSpec(
                pin,
                getattr(self, f"{name}_active_high"),
                _PULL[getattr(self, f"{name}_pull")],
                self.input_bounce_ms / 1000 or None,
            )

        return GpioConfig(
            latch=output("latch"),
            door_closed=input_("door_closed"),
            bin_full=input_("bin_full"),
            service_key=input_("service_key"),
            status_led=output("status_led"),
            buzzer=output("buzzer"),
            latch_pulse_s=self.latch_pulse_ms / 1000,
            latch_refuse_when_door_open=self.latch_refuse_when_door_open,
            led_idle="steady" if self.led_idle == "steady" else "slow-blink",
        )


@dataclass(frozen=True, slots=True)
class PrinterSection:
    spec: str
    columns: int
    cjk: bool

    @property
    def enabled(self) -> bool:
        return self.spec != "none"


@dataclass(frozen=True, slots=True)
class ScannerSection:
    port: str
    baud: int
    terminator: str

    @property
    def enabled(self) -> bool:
        return self.port != "none"


@dataclass(frozen=True, slots=True)
class NfcSection:
    device: str
    poll_ms: int

    @property
    def enabled(self) -> bool:
        return self.device != "none"


@dataclass(frozen=True, slots=True)
class MqttSection:
    host: str
    port: int
    tls: bool
    cafile: Path | None
    certfile: Path | None
    keyfile: Path | None
    keepalive_s: int
    session_expiry_s: int
    connect_timeout_s: float
    reply_timeout_ms: int

    @property
    def enabled(self) -> bool:
        return bool(self.host)


@dataclass(frozen=True, slots=True)
class OfflineSection:
    operations: tuple[str, ...]
    item_limit: int
    loan_days: int
    utc_offset_minutes: int
    patrons: bool

    def to_offline_config(self, library: str) -> OfflineConfig:
        return OfflineConfig(
            library=library,
            ops=frozenset(Op(name) for name in self.operations),
            item_limit=self.item_limit,
            loan_days=self.loan_days,
            utc_offset_minutes=self.utc_offset_minutes,
            patrons=self.patrons,
        )


@dataclass(frozen=True, slots=True)
class WebSection:
    bind: str
    port: int

    @property
    def url(self) -> str:
        host = f"[{self.bind}]" if ":" in self.bind else self.bind
        return f"http://{host}:{self.port}/"


@dataclass(frozen=True, slots=True)
class JournalSection:
    path: Path


@dataclass(frozen=True, slots=True)
class LoggingSection:
    level: str


@dataclass(frozen=True, slots=True)
class KioskConfig:
    """The whole configuration; ``source`` is the file it came from (``None`` if built)."""

    kiosk: KioskSection
    reader: ReaderSection
    security: SecuritySection
    session: SessionSection
    patron: PatronSection
    gpio: GpioSection
    printer: PrinterSection
    scanner: ScannerSection
    nfc: NfcSection
    mqtt: MqttSection
    offline: OfflineSection
    web: WebSection
    journal: JournalSection
    logging: LoggingSection
    source: Path | None = None
