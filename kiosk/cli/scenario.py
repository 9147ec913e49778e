"""``kiosk scenario run FILE``: play a scenario file on the real runtime and report (exit 1 if an
``expect`` fails, 2 for a bad file). The file format is in docs/scenarios.md."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from kiosk.cli._base import Output, add_json_flag
from kiosk.scenario import report, run_file

__all__ = ["register"]


def register(sub: Any) -> None:
    scenario = sub.add_parser(
        "scenario",
        help="run scenario files (tests, demos, reproducing field reports)",
        description="Run a scenario file (JSON or TOML, see docs/scenarios.md) on the kiosk "
        "runtime with a virtual pad and the in-process central.",
    )
    verbs = scenario.add_subparsers(dest="verb", metavar="VERB", parser_class=type(scenario))
    verbs.required = True
    run = verbs.add_parser("run", help="run one scenario file and report")
    run.add_argument("file", type=Path, help="the scenario (.json or .toml)")
    run.add_argument(
        "--state-dir", type=Path, default=None, help="keep the journal here (default: temporary)"
    )
    add_json_flag(run)
    run.set_defaults(handler=run_scenario)


def run_scenario(args: argparse.Namespace, out: Output) -> int:
    doc = run_file(args.file, args.state_dir)
    out.emit(doc, lambda: report.text(doc))
    if not doc["ok"] and out.as_json:
        for line in doc["failures"]:
            out.warn(line)
    return 0 if doc["ok"] else 1
