"""``kiosk demo`` in the foreground: start the world, print where to look, stop on Ctrl+C."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

from kiosk.cli._base import Output, UsageError
from kiosk.demo.world import DEMO_STAFF, DemoOptions, DemoWorld
from kiosk.logs import setup_logging
from kiosk.testbed.broker import TestbedUnavailable

__all__ = ["run_browser_demo"]

_BROWSERS = ("chromium", "chromium-browser", "google-chrome")


def _open_browser(url: str) -> None:
    for name in _BROWSERS:
        path = shutil.which(name)
        if path is not None:
            subprocess.Popen(
                [path, "--new-window", url],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,
            )
            return


async def _serve(world: DemoWorld, args: argparse.Namespace, out: Output) -> int:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    try:
        await world.start()
    except BaseException as exc:
        await world.stop()  # whatever did start (mosquitto, central) must not outlive us
        if isinstance(exc, TestbedUnavailable):
            raise UsageError(
                f"demo: {exc} (install Debian's mosquitto and openssl, or run ./scripts/demo.sh)"
            ) from None
        if isinstance(exc, OSError):
            raise UsageError(
                f"demo: cannot start ({exc}); is port {args.port} or {args.sim_port} in use?"
                " try --port 0 --sim-port 0"
            ) from None
        raise
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    document = {
        "screen": world.screen_url,
        "simulator": world.sim_url,
        "staff": {"id": DEMO_STAFF[0], "pin": DEMO_STAFF[1]},
        "state_dir": str(world.dir),
    }
    out.emit(
        document,
        "\n".join(
            [
                "kiosk demo is running (Ctrl+C stops it):",
                f"  simulator + patron screen: {world.sim_url}",
                f"  patron screen alone:       {world.screen_url}",
                f"  staff mode: Ctrl+Alt+S on the screen, staff {DEMO_STAFF[0]}"
                f" PIN {DEMO_STAFF[1]}",
                f"  state (journal, central DB, logs): {world.dir}",
            ]
        ),
    )
    if args.ready_file is not None:
        args.ready_file.write_text(json.dumps(document))
    if args.open:
        _open_browser(world.sim_url)
    try:
        await stop.wait()
    finally:
        await world.stop()
    return 0


def run_browser_demo(args: argparse.Namespace, out: Output) -> int:
    handler = setup_logging(args.log_level)
    try:
        with contextlib.ExitStack() as stack:
            if args.state_dir is None:
                temporary = tempfile.TemporaryDirectory(prefix="kiosk-demo-")
                state_dir = Path(stack.enter_context(temporary))
            else:
                state_dir = args.state_dir
            options = DemoOptions(
                state_dir=state_dir, web_port=args.port, sim_port=args.sim_port, language=args.lang
            )
            return asyncio.run(_serve(DemoWorld(options), args, out))
    finally:
        logging.getLogger().removeHandler(handler)
