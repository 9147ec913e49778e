"""``kiosk config check FILE`` and ``kiosk config show FILE``.

``check`` prints every problem as one ``FILE:LINE: section.key: …`` line on stderr and exits 2,
or says the file is valid (exit 0). ``show`` prints the effective configuration — the file's
values with every default filled in — as TOML (itself a valid configuration) or JSON.
"""

from __future__ import annotations

import argparse
from typing import Any

from kiosk.cli._base import EXIT_BAD_INPUT, Output, add_json_flag
from kiosk.config import check_config, config_to_dict, render_toml

__all__ = ["register"]


def register(sub: Any) -> None:
    config = sub.add_parser(
        "config",
        help="check or show the kiosk configuration file",
        description="Validate the kiosk configuration (TOML) or print it with defaults.",
    )
    verbs = config.add_subparsers(dest="verb", metavar="VERB", parser_class=type(config))
    verbs.required = True
    check = verbs.add_parser("check", help="validate FILE; exit 2 with FILE:LINE messages")
    check.add_argument("file", metavar="FILE", help="e.g. /etc/kiosk/kiosk.toml")
    add_json_flag(check)
    check.set_defaults(handler=run_check)
    show = verbs.add_parser("show", help="print the effective configuration (defaults filled in)")
    show.add_argument("file", metavar="FILE")
    add_json_flag(show)
    show.set_defaults(handler=run_show)


def run_check(args: argparse.Namespace, out: Output) -> int:
    config, problems = check_config(args.file)
    document = {
        "file": args.file,
        "ok": config is not None,
        "problems": [
            {"file": p.file, "line": p.line, "key": p.key, "message": p.message}
            for p in problems
        ],
    }
    if config is None:
        if out.as_json:
            out.emit(document, "")
        for problem in problems:
            out.warn(str(problem))
        return EXIT_BAD_INPUT
    out.emit(document, f"{args.file}: ok")
    return 0


def run_show(args: argparse.Namespace, out: Output) -> int:
    config, problems = check_config(args.file)
    if config is None:
        for problem in problems:
            out.warn(str(problem))
        return EXIT_BAD_INPUT
    out.emit(config_to_dict(config), lambda: render_toml(config))
    return 0
