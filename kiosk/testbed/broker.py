"""A real, private MQTT broker: Debian mosquitto over TLS with client certificates and the ACL.

- :class:`Pki` makes a CA, a server certificate (SAN 127.0.0.1/localhost) and client
  certificates (CN = kiosk id, or ``central``) with ``openssl`` — one ``openssl`` run per
  certificate, so a fleet of a few hundred kiosks gets its certificates in about a second.
- :class:`Broker` writes a mosquitto config (listener on 127.0.0.1 and a free port,
  ``require_certificate``, ``use_identity_as_username``, TLS 1.2+, the contract's ACL keyed on
  ``%u``), starts ``mosquitto -c``, waits until it completes a TLS handshake, and can stop and
  restart on the *same* port ("broker restarted" runs).
- :class:`Proxy` is a TCP relay in front of the broker that can cut every connection, or drop
  the bytes of one direction (``"down"`` = broker→client, i.e. PUBACKs and replies are lost).

The programs are looked up on ``PATH``, then in ``/usr/sbin`` and ``/usr/bin`` (Debian installs
mosquitto in ``/usr/sbin``, often not on a user's PATH); a missing one raises
:class:`TestbedUnavailable` saying what to install.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import ssl
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from kiosk.errors import KioskError
from kiosk.link import TlsFiles, mosquitto_acl

__all__ = [
    "CENTRAL",
    "Broker",
    "Pki",
    "Proxy",
    "TestbedUnavailable",
    "free_port",
    "mosquitto_path",
    "openssl_path",
]

CENTRAL = "central"
_DIRS = ("/usr/sbin", "/usr/bin", "/usr/local/sbin")
_EC = ("-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes")
_DAYS = "2"


class TestbedUnavailable(KioskError, RuntimeError):
    """The testbed cannot run here: mosquitto or openssl is not installed, or will not start."""

    __test__ = False  # not a pytest test class, whatever its name says


def _find(program: str, package: str) -> str:
    found = shutil.which(program)
    if found is not None:
        return found
    for folder in _DIRS:
        candidate = os.path.join(folder, program)
        if os.access(candidate, os.X_OK):
            return candidate
    raise TestbedUnavailable(
        f"{program} is not installed (not on PATH nor in {', '.join(_DIRS)}); "
        f"install the Debian package {package!r}"
    )


def mosquitto_path() -> str:
    """The mosquitto broker program, or :class:`TestbedUnavailable`."""
    return _find("mosquitto", "mosquitto")


def openssl_path() -> str:
    """The openssl program, or :class:`TestbedUnavailable`."""
    return _find("openssl", "openssl")


def _run(*args: str, cwd: Path) -> None:
    done = subprocess.run(args, cwd=cwd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise TestbedUnavailable(f"{' '.join(args[:3])} … failed: {done.stderr.strip()}")


@dataclass
class Pki:
    """Certificates in ``root``; :meth:`client` issues (and caches) one per common name."""

    root: Path
    openssl: str = ""

    @classmethod
    def create(cls, root: Path) -> Pki:
        """A new CA and server certificate in ``root`` (made if missing)."""
        openssl = openssl_path()
        root.mkdir(parents=True, exist_ok=True)
        _run(openssl, "req", "-x509", *_EC, "-keyout", "ca.key", "-out", "ca.crt",
             "-days", _DAYS, "-subj", "/CN=test-ca", cwd=root)
        pki = cls(root, openssl)
        pki._issue("server", "localhost", (
            "subjectAltName=DNS:localhost,IP:127.0.0.1",
            "extendedKeyUsage=serverAuth",
        ))
        return pki

    @property
    def ca(self) -> Path:
        return self.root / "ca.crt"

    @property
    def server_cert(self) -> Path:
        return self.root / "server.crt"

    @property
    def server_key(self) -> Path:
        return self.root / "server.key"

    def client(self, cn: str) -> TlsFiles:
        """TLS files for a client whose certificate CN (= MQTT username) is ``cn``."""
        if not (self.root / f"{cn}.crt").exists():
            self._issue(cn, cn, ("extendedKeyUsage=clientAuth",))
        return TlsFiles(self.ca, self.root / f"{cn}.crt", self.root / f"{cn}.key")

    def _issue(self, name: str, cn: str, extensions: tuple[str, ...]) -> None:
        """Key and CA-signed certificate in one ``openssl req -x509 -CA`` run (OpenSSL ≥ 3.0)."""
        if not 1 <= len(cn) <= 64 or any(ch in cn for ch in "/\\=+,\n"):
            raise ValueError(f"certificate name {cn!r}: expected 1..64 characters, no / \\ = + ,")
        openssl = self.openssl or openssl_path()
        added: list[str] = []
        for ext in ("basicConstraints=critical,CA:FALSE", "keyUsage=digitalSignature",
                    *extensions):
            added += ["-addext", ext]
        _run(openssl, "req", "-x509", *_EC, "-keyout", f"{name}.key", "-out", f"{name}.crt",
             "-subj", f"/CN={cn}", "-CA", "ca.crt", "-CAkey", "ca.key", "-days", _DAYS,
             *added, cwd=self.root)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Broker:
    """One mosquitto process with its own directory, config, ACL and log."""

    def __init__(
        self,
        pki: Pki,
        workdir: Path,
        *,
        acl: str | None = None,
        central_users: tuple[str, ...] = (CENTRAL,),
    ) -> None:
        self.program = mosquitto_path()
        self.pki = pki
        self.dir = workdir
        self.dir.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.acl = mosquitto_acl(central_users) if acl is None else acl
        self._proc: subprocess.Popen[bytes] | None = None

    @property
    def host(self) -> str:
        return "127.0.0.1"

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    @property
    def log(self) -> str:
        path = self.dir / "mosquitto.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def config(self) -> str:
        return "\n".join(
            [
                "per_listener_settings false",
                f"listener {self.port} 127.0.0.1",
                f"cafile {self.pki.ca}",
                f"certfile {self.pki.server_cert}",
                f"keyfile {self.pki.server_key}",
                "tls_version tlsv1.2",
                "require_certificate true",
                "use_identity_as_username true",
                "allow_anonymous false",
                f"acl_file {self.dir / 'acl'}",
                "max_connections -1",
                # MQTT 5 Receive Maximum announced to clients (mosquitto's default is 20): a
                # kiosk's outbox drain keeps this many transactions in flight.
                "max_inflight_messages 100",
                "max_queued_messages 20000",
                "persistence true",
                f"persistence_location {self.dir}/",
                "autosave_interval 0",
                "user root",
                f"log_dest file {self.dir / 'mosquitto.log'}",
                "log_type error",
                "log_type warning",
                "log_type notice",
                "log_type information",
                "",
            ]
        )

    def start(self, timeout_s: float = 10.0) -> None:
        """Start mosquitto and return once it completes a TLS handshake with a client cert."""
        (self.dir / "acl").write_text(self.acl)
        (self.dir / "mosquitto.conf").write_text(self.config())
        self._proc = subprocess.Popen(
            [self.program, "-c", str(self.dir / "mosquitto.conf")],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + timeout_s
        while not self._handshake_ok():
            if self._proc.poll() is not None:
                code = self._proc.returncode
                self._proc = None
                raise TestbedUnavailable(f"mosquitto exited ({code}): {self.log.strip()}")
            if time.monotonic() > deadline:
                self.stop()
                raise TestbedUnavailable(f"mosquitto did not accept TLS in {timeout_s} s")
            time.sleep(0.02)

    def stop(self) -> None:
        """SIGTERM: mosquitto saves sessions and retained messages, as a clean restart would."""
        if self._proc is None:
            return
        self._proc.terminate()
        try:
            self._proc.wait(10)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait()
        self._proc = None

    def restart(self) -> None:
        self.stop()
        self.start()

    def __enter__(self) -> Broker:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _handshake_ok(self) -> bool:
        context = ssl.create_default_context(cafile=str(self.pki.ca))
        files = self.pki.client(CENTRAL)
        context.load_cert_chain(str(files.cert), str(files.key))
        try:
            with (
                socket.create_connection((self.host, self.port), timeout=1) as raw,
                context.wrap_socket(raw, server_hostname=self.host),
            ):
                return True
        except OSError:
            return False


class Proxy:
    """A TCP relay 127.0.0.1:``port`` → broker that can be broken on purpose."""

    def __init__(self, target_port: int) -> None:
        self.target = target_port
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = int(self._listener.getsockname()[1])
        self._drop: set[str] = set()  # "up" (client→broker) and/or "down" (broker→client)
        self._pairs: list[tuple[socket.socket, socket.socket]] = []
        self._lock = threading.Lock()
        self._closed = False
        self._refusing = False
        threading.Thread(target=self._accept, daemon=True, name="proxy-accept").start()

    def drop(self, direction: str) -> None:
        """Silently discard the bytes of ``direction`` ("up" or "down") from now on."""
        if direction not in ("up", "down"):
            raise ValueError(f"direction: expected 'up' or 'down', got {direction!r}")
        with self._lock:
            self._drop.add(direction)

    def refuse(self, on: bool = True) -> None:
        """Close new connections at once (the broker looks unreachable) until ``refuse(False)``."""
        self._refusing = on

    def heal(self) -> None:
        with self._lock:
            self._drop.clear()

    def cut(self) -> None:
        """Close every relayed connection (both sides see the socket die)."""
        with self._lock:
            pairs, self._pairs = self._pairs, []
        for a, b in pairs:
            for s in (a, b):
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)
                with contextlib.suppress(OSError):
                    s.close()

    def close(self) -> None:
        self._closed = True
        with contextlib.suppress(OSError):
            self._listener.close()
        self.cut()

    def _accept(self) -> None:
        while not self._closed:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            if self._refusing:
                client.close()
                continue
            try:
                upstream = socket.create_connection(("127.0.0.1", self.target), timeout=2)
            except OSError:
                client.close()
                continue
            upstream.settimeout(None)
            with self._lock:
                self._pairs.append((client, upstream))
            threading.Thread(target=self._pump, args=(client, upstream, "up"), daemon=True).start()
            threading.Thread(
                target=self._pump, args=(upstream, client, "down"), daemon=True
            ).start()

    def _pump(self, src: socket.socket, dst: socket.socket, direction: str) -> None:
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                with self._lock:
                    dropping = direction in self._drop
                if not dropping:
                    dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)
