"""``FeigReader``: the :class:`~drivers.reader.Reader` hooks over the FEIG ISO Host protocol.

The base class keeps all ISO 15693 semantics; this class only moves commands through the reader
(:mod:`drivers.feig.translate` holds the table) and adds what only a FEIG reader has: firmware
version, RF reset / on-off, its LEDs and beeper, and MIFARE Classic sector reads for patron cards.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from drivers.errors import NoTag, ReaderProtocolError
from drivers.feig.frames import (
    ANY_READER,
    Control,
    Response,
    Status,
    encode_request,
    parse_response,
)
from drivers.feig.translate import (
    CardSeen,
    OutputMode,
    SoftwareVersion,
    encode_outputs,
    inventory_request,
    mifare_auth_request,
    mifare_blocks,
    mifare_read_request,
    mifare_select_request,
    parse_blocks,
    parse_inventory,
    parse_software_version,
    route_for,
    status_error,
)
from drivers.feig.transport import SerialSettings, SerialTransport, Transport
from drivers.iso15693 import Command, Reply, uid_hex
from drivers.reader import Reader, ReaderHealth, TagSeen

__all__ = ["FeigReader"]

#: Inventory continuations (status 0x94) followed before the answer is called endless.
MAX_INVENTORY_ROUNDS = 64


class FeigReader(Reader):
    """An ISO 15693 reader speaking FEIG ISO Host (OBID classic-pro / i-scan) over a pyserial URL.

    Give either ``url`` (with optional serial ``settings``) or a ready ``transport``.
    ``address`` is the reader's COM-ADR; 0xFF reaches whichever reader is on the line.
    """

    max_read_bytes = 128  # manual: at most 128 data bytes per Read Multiple Blocks

    def __init__(
        self,
        url: str | None = None,
        *,
        transport: Transport | None = None,
        settings: SerialSettings | None = None,
        address: int = ANY_READER,
        timeout: float = 1.0,
        advanced: bool = False,
        retries: int = 2,
        retry_delay: float = 0.02,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        super().__init__(retries=retries, retry_delay=retry_delay, sleep=sleep)
        if (url is None) == (transport is None):
            raise ValueError("give exactly one of url= or transport=")
        if not 0 <= address <= 0xFF:
            raise ValueError(f"COM-ADR must be 0–255, got {address}")
        if timeout <= 0:
            raise ValueError(f"timeout must be positive, got {timeout}")
        if transport is None:
            assert url is not None
            transport = SerialTransport(url, settings)
        self._transport = transport
        self.address = address
        self.timeout = timeout
        self.advanced = advanced

    # ----------------------------------------------------------------- exchange
    def _accept(self, command: int) -> Callable[[bytes], Response | None]:
        address = self.address

        def match(raw: bytes) -> Response | None:
            response = parse_response(raw)
            if response.command != command:
                return None  # a stray answer to something else
            if address not in (ANY_READER, response.address):
                return None  # another reader on the bus
            return response

        return match

    def _exchange(self, command: int, data: bytes) -> Response:
        frame = encode_request(self.address, command, data, advanced=self.advanced)
        return self._transport.exchange(frame, self.timeout, self._accept(command))

    def _call(self, command: int, data: bytes, what: str) -> bytes:
        """One exchange that must end with status OK; its answer data."""
        response = self._exchange(command, data)
        if response.status != Status.OK:
            raise status_error(response.status, what, response.data)
        return response.data

    # ----------------------------------------------------------------- Reader hooks
    def _open(self) -> None:
        self._transport.open()

    def _close(self) -> None:
        self._transport.close()

    def _scan(self, afi: int | None) -> list[TagSeen | CardSeen]:
        """Inventory, following 0x94 (more data) with MODE.MORE until the reader is done."""
        found: list[TagSeen | CardSeen] = []
        more = False
        for _ in range(MAX_INVENTORY_ROUNDS):
            response = self._exchange(Control.ISO_HOST, inventory_request(afi, more=more))
            if response.status == Status.NO_TRANSPONDER:
                return found
            if response.status not in (Status.OK, Status.MORE_DATA):
                raise status_error(response.status, "inventory", response.data)
            found += parse_inventory(response.data)
            if response.status == Status.OK:
                return found
            more = True
        raise ReaderProtocolError(
            f"inventory: reader still had more data after {MAX_INVENTORY_ROUNDS} answers",
            status=Status.MORE_DATA,
        )

    def _inventory(self, afi: int | None) -> list[TagSeen]:
        return [seen for seen in self._scan(afi) if isinstance(seen, TagSeen)]

    def _transceive(self, command: Command) -> Reply:
        route = route_for(command)
        response = self._exchange(route.command, route.request(command))
        if response.status == Status.ISO15693_ERROR:
            if not response.data:
                raise ReaderProtocolError(
                    "ISO 15693 error answer without the tag's error code", status=response.status
                )
            return Reply(error=response.data[0])
        if response.status != Status.OK:
            target = uid_hex(command.uid) if command.uid else "the tag in the field"
            what = f"command 0x{command.code:02X} to {target}"
            raise status_error(response.status, what, response.data)
        return Reply(data=route.reply(command, response.data))

    def _health(self) -> ReaderHealth:
        version = self._software_version()
        return ReaderHealth(
            ok=True,
            detail=f"FEIG ISO Host reader answers, firmware {version.firmware}",
            extra={
                "firmware": version.firmware,
                "hardware_type": f"0x{version.hardware_type:02X}",
                "software_type": f"0x{version.software_type:02X}",
                "transponders": f"0x{version.transponders:04X}",
            },
        )

    # ----------------------------------------------------------------- FEIG extras
    def _software_version(self) -> SoftwareVersion:
        data = self._call(Control.SOFTWARE_VERSION, b"", "software version")
        return parse_software_version(data)

    def software_version(self) -> SoftwareVersion:
        """``[0x65]`` Get Software Version."""
        return self._run(self._software_version)

    def rf_reset(self) -> None:
        """``[0x69]`` RF Reset: field off briefly, every tag back to Ready."""
        self._run(lambda: self._call(Control.RF_RESET, b"", "RF reset"))

    def rf_on_off(self, on: bool) -> None:
        """``[0x6A]`` RF ON/OFF: switch the antenna field."""
        self._run(lambda: self._call(Control.RF_ON_OFF, bytes((int(on),)), "RF on/off"))

    def set_outputs(
        self,
        *,
        green: OutputMode = OutputMode.UNCHANGED,
        red: OutputMode = OutputMode.UNCHANGED,
        beeper: OutputMode = OutputMode.UNCHANGED,
        relay: OutputMode = OutputMode.UNCHANGED,
        seconds: float = 1.0,
    ) -> None:
        """``[0x71]`` Set Output: the reader's LEDs, beeper and relay for ``seconds``."""
        modes = {"green": green, "red": red, "beeper": beeper, "relay": relay}
        data = encode_outputs(modes, seconds)
        self._run(lambda: self._call(Control.SET_OUTPUTS, data, "set outputs"))

    def cards(self) -> list[CardSeen]:
        """ISO 14443A cards (MIFARE patron cards) in the field."""
        return [seen for seen in self._run(lambda: self._scan(None)) if isinstance(seen, CardSeen)]

    def read_mifare_sector(
        self, uid: bytes, sector: int, key: bytes, key_type: str = "A"
    ) -> list[bytes]:
        """Read the data blocks of one MIFARE Classic sector (16 bytes each, trailer excluded).

        Inventory (the card must be in the field) → Select → Authent Mifare with ``key`` →
        Read Multiple Blocks. A wrong key raises :class:`AuthenticationFailed`.
        """
        first, count = mifare_blocks(sector)
        auth = mifare_auth_request(first, key, key_type)
        select = mifare_select_request(uid)
        shown = uid.hex().upper()

        def operation() -> list[bytes]:
            if not any(isinstance(s, CardSeen) and s.uid == uid for s in self._scan(None)):
                raise NoTag(f"MIFARE card {shown} is not in the field", status=0x01)
            self._call(Control.ISO_HOST, select, f"select card {shown}")
            self._call(Control.ISO14443, auth, f"authenticate sector {sector} of card {shown}")
            data = self._call(
                Control.ISO_HOST,
                mifare_read_request(first, count),
                f"read sector {sector} of card {shown}",
            )
            size, blocks = parse_blocks(data, count)
            if size != 16:
                raise ReaderProtocolError(f"MIFARE blocks of {size} bytes, expected 16")
            return [block for _, block in blocks]

        return self._run(operation)
