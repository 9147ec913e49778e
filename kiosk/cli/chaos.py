"""``kiosk chaos kill``: SIGKILL a kiosk at random points against a private broker and central.

Starts mosquitto (TLS + the contract's ACL) on a free port, the reference central service on a
SQLite file in a temporary folder, and a kiosk process doing stack checkouts and returns over
the real MQTT link on a virtual pad whose tags are saved after every write. Each round kills
the kiosk after a random number of durable steps, restarts it (recovery + outbox drain) and
audits journal, tags and central: ``lost``, ``duplicate_effects``, ``out_of_order`` and
``tag_mismatches`` must all be 0. Exit status 1 when any is not.
"""

from __future__ import annotations

import argparse
import logging
import random
from typing import Any

from kiosk.cli._base import KioskArgumentParser, Output, add_json_flag, positive_int
from kiosk.testbed.chaos import kill_run

__all__ = ["register", "run_kill"]

MAX_ROUNDS = 1000
MAX_ITEMS = 20


def _bounded(limit: int, what: str) -> Any:
    def parse(text: str) -> int:
        value = positive_int(text)
        if value > limit:
            raise argparse.ArgumentTypeError(f"{text!r} is more than {limit} {what}")
        return value

    return parse


def _seed(text: str) -> int:
    try:
        return int(text, 0)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None


def register(sub: Any) -> None:
    chaos = sub.add_parser("chaos", help="fault injection against a private broker and central")
    kinds = chaos.add_subparsers(dest="kind", metavar="KIND", parser_class=KioskArgumentParser)
    kinds.required = True
    kill = kinds.add_parser(
        "kill",
        help="SIGKILL a kiosk at random points; audit journal, tags and central",
        description=__doc__.split("\n\n", 1)[1] if __doc__ else None,
    )
    kill.add_argument("--rounds", type=_bounded(MAX_ROUNDS, "rounds"), required=True,
                      help="kill-and-restart rounds")
    kill.add_argument("--seed", type=_seed, default=None, help="random seed (default: random)")
    kill.add_argument("--items", type=_bounded(MAX_ITEMS, "items"), default=4,
                      help="items in each stack (4)")
    add_json_flag(kill)
    kill.set_defaults(handler=run_kill)


def run_kill(args: argparse.Namespace, out: Output) -> int:
    logging.basicConfig(level=logging.ERROR)
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(2**32)
    progress = None if out.as_json else out.warn
    report = kill_run(args.rounds, seed, items=args.items, progress=progress).as_json()
    out.emit(
        report,
        lambda: (
            f"{report['rounds']} rounds ({report['kills']} kills), "
            f"{report['transactions']} transactions: lost {report['lost']}, "
            f"duplicate effects {report['duplicate_effects']}, "
            f"out of order {report['out_of_order']}, "
            f"tag mismatches {report['tag_mismatches']} (seed {report['seed']})"
        ),
    )
    bad = ("lost", "duplicate_effects", "out_of_order", "tag_mismatches", "failed_restarts")
    return 1 if any(report[key] for key in bad) else 0
