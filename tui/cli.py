"""The one command-line entry point: `claude-batch-tui [options] [COMMAND ...]`.

The parser lives here; each headless command lives in `tui/commands/<name>.py` (its `add_arguments` and
`run`), and the TUI in `tui/launch.py`. Command modules import the engine inside `run`, so `--help` and the
TUI's first frame stay fast.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from types import ModuleType

from tui import launch
from tui.commands import cancel, delete, doctor, emulator, export, label, listing, retry, submit, watch

# command name -> (its module, one-line help)
COMMANDS: dict[str, tuple[ModuleType, str]] = {
    "emulator": (emulator, "run the local Batches API emulator alone, for your own scripts and tests"),
    "submit": (submit, "headless: check, split and submit a JSONL file, print the batch ids"),
    "list": (listing, "headless: what the journal knows"),
    "watch": (watch, "headless: poll and ingest until every batch has ended"),
    "export": (export, "headless: write results as JSONL or CSV, joined with the inputs"),
    "cancel": (cancel, "headless: cancel batches"),
    "retry": (retry, "headless: resubmit the failed requests of a batch"),
    "delete": (delete, "headless: delete ended batches on the server"),
    "label": (label, "headless: name a batch (an adopted one, a chunk); --clear gives back its default name"),
    "doctor": (doctor, "check the journal; --recover OUT copies what is readable into a new journal"),
}


def _add_global_options(parser: argparse.ArgumentParser, default: object = None) -> None:
    parser.add_argument("--journal", metavar="PATH", default=default,
                        help="journal file (default: your user data folder; or set CLAUDE_BATCH_TUI_JOURNAL)")
    parser.add_argument("--base-url", metavar="URL", default=default,
                        help="any server that speaks the Batches API (ANTHROPIC_BASE_URL works too)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="claude-batch-tui",
        description="Submit, watch and act on Claude Message Batches. With no command: the full-screen TUI.",
    )
    _add_global_options(parser)
    parser.add_argument("--demo", action="store_true",
                        help="the TUI on a built-in emulator with live example batches: no key needed")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (module, help_text) in COMMANDS.items():
        cmd_parser = sub.add_parser(name, help=help_text, description=help_text)
        # also accepted after the command; SUPPRESS keeps a value given before it
        _add_global_options(cmd_parser, default=argparse.SUPPRESS)
        module.add_arguments(cmd_parser)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    module = launch if args.command is None else COMMANDS[args.command][0]
    try:
        return int(module.run(args) or 0)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
