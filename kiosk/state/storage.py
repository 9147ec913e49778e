"""A TinyDB storage that never leaves a half-written file: write temp, fsync, rename, fsync dir.

TinyDB's own ``JSONStorage`` rewrites the file in place (seek 0, write, truncate), so a power cut
mid-write leaves torn or NUL-filled JSON (reference/mqtt-edge.md §5.2). Here every write makes a
complete new file beside the old one, fsyncs it, swaps it in with ``os.replace`` (atomic on POSIX)
and fsyncs the directory so the swap itself is durable. A reader therefore always finds either
the old document or the new one, never a mixture.

The whole document is rewritten on every change, which is why this is only for small documents
that change rarely (architecture §4); anything that grows with traffic belongs in the journal.
The file is created with mode 0600: it holds staff credential hashes.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

from tinydb.storages import Storage

from kiosk.errors import RecordError, StateError

__all__ = ["AtomicJSONStorage"]

_TEMP_SUFFIX = ".tmp"


class AtomicJSONStorage(Storage):
    """Crash-safe JSON file storage for TinyDB: ``TinyDB(path, storage=AtomicJSONStorage)``."""

    def __init__(self, path: str | os.PathLike[str], *, indent: int | None = 2) -> None:
        self._path = Path(path)
        self._indent = indent
        if not self._path.parent.is_dir():
            raise StateError(
                f"state file {self._path}: directory {self._path.parent} does not exist"
            )
        self._remove_stale_temps()

    @property
    def path(self) -> Path:
        return self._path

    def read(self) -> dict[str, dict[str, Any]] | None:
        """The stored tables, or None when there is no document yet (missing or empty file)."""
        try:
            raw = self._path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise StateError(f"state file {self._path}: cannot read: {exc}") from None
        if not raw.strip():
            return None
        try:
            data = json.loads(raw.decode("utf-8"))  # we write UTF-8; no encoding guessing
        except UnicodeDecodeError as exc:
            raise StateError(
                f"state file {self._path}: not UTF-8 at byte {exc.start}; {_ADVICE}"
            ) from None
        except json.JSONDecodeError as exc:
            raise StateError(
                f"state file {self._path}: not valid JSON ({exc.msg} at line {exc.lineno} "
                f"column {exc.colno}); {_ADVICE}"
            ) from None
        if not isinstance(data, dict) or not all(isinstance(t, dict) for t in data.values()):
            raise StateError(
                f"state file {self._path}: expected an object of tables (objects); {_ADVICE}"
            )
        return data

    def write(self, data: dict[str, dict[str, Any]]) -> None:
        """Replace the file with ``data``: complete and fsynced before it becomes visible."""
        try:
            text = json.dumps(data, indent=self._indent, sort_keys=True, ensure_ascii=False)
        except (TypeError, ValueError) as exc:
            raise RecordError(
                f"state file {self._path}: value cannot be stored as JSON: {exc}"
            ) from None
        payload = (text + "\n").encode("utf-8")
        parent = self._path.parent
        try:
            fd, temp = tempfile.mkstemp(
                prefix=f".{self._path.name}.", suffix=_TEMP_SUFFIX, dir=parent
            )
        except OSError as exc:
            raise StateError(f"state file {self._path}: cannot create a temp file: {exc}") from None
        try:
            with os.fdopen(fd, "wb") as file:
                file.write(payload)
                file.flush()
                os.fsync(file.fileno())
            os.replace(temp, self._path)
            _fsync_dir(parent)
        except OSError as exc:
            with contextlib.suppress(OSError):
                os.unlink(temp)
            raise StateError(f"state file {self._path}: write failed: {exc}") from None
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temp)
            raise

    def close(self) -> None:
        """Nothing to release: every write already closed and synced its file."""

    def _remove_stale_temps(self) -> None:
        """Temp files left by a writer killed before its rename hold nothing anyone needs."""
        pattern = f".{self._path.name}.*{_TEMP_SUFFIX}"
        for stale in self._path.parent.glob(pattern):
            with contextlib.suppress(OSError):
                stale.unlink()


_ADVICE = "restore it from a backup or delete it to start afresh (central re-sends its config)"


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
