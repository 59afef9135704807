"""`claude-batch-tui export ID_OR_JOB -o FILE [--format jsonl|csv] [--only succeeded|failed] [--joined]
[--final] [--bom] [--raw-cells] [--force]`: write results from the journal (works after the server has deleted
them). CSV cells that a spreadsheet would run as formulas get a leading `'` unless `--raw-cells`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from tui.commands._session import CommandError, confirm, finish, open_journal, say, warn
from tui.core.words import plural


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("target", metavar="ID_OR_JOB",
                        help="a batch id (or a unique start or end of one), or a job: job:N or its name")
    parser.add_argument("-o", "--output", required=True, metavar="FILE", help="the file to write")
    parser.add_argument("--format", choices=("jsonl", "csv"),
                        help="default: from the file's extension (.jsonl or .csv), else csv")
    parser.add_argument("--only", choices=("succeeded", "failed"), help="only these results")
    parser.add_argument("--joined", action="store_true", help="put each request's params beside its result")
    parser.add_argument("--final", action="store_true",
                        help="the whole job of this batch, merged: one row per custom_id, newest success wins")
    parser.add_argument("--bom", action="store_true",
                        help="CSV: start with a UTF-8 byte-order mark, so Excel opens non-ASCII text correctly")
    parser.add_argument("--raw-cells", action="store_true",
                        help="CSV, for programs, not spreadsheets: write every cell exactly as stored. By default "
                             "a cell starting with =, +, -, @, a tab or a carriage return (a formula to Excel, "
                             "LibreOffice or Google Sheets) gets a ' in front so it shows as text; numbers we "
                             "write (tokens, cost) are never changed. JSONL is always as received")
    parser.add_argument("--force", action="store_true", help="replace FILE if it exists")


def _format(args: argparse.Namespace) -> str:
    if args.format:
        return args.format
    return "jsonl" if Path(args.output).suffix.lower() in (".jsonl", ".ndjson", ".json") else "csv"


def run(args: argparse.Namespace) -> int:
    return finish(_run(args))


async def _run(args: argparse.Namespace) -> int:
    from tui.core.actions.export import ExportError, ExportOptions, check_destination, export_results

    force = args.force
    existing = Path(args.output).expanduser()
    if not force and existing.is_file() and sys.stdin.isatty():
        force = confirm(f"{existing} exists. Replace it?", yes=False)
        if not force:
            raise CommandError("nothing written")
    options = ExportOptions(fmt=_format(args), only=args.only, joined=args.joined, final=args.final, force=force,
                            bom=args.bom, raw_cells=args.raw_cells)
    journal = await open_journal(args)
    try:
        try:
            check_destination(args.output, force=force)
            outcome = await export_results(journal, args.target, args.output, options, actor="cli")
        except ExportError as exc:
            raise CommandError(str(exc)) from None
    finally:
        await journal.close()
    say(f"wrote {plural(outcome.rows, 'row')} of {outcome.target.description} to {outcome.path}")
    if outcome.rows == 0:
        warn("note: the journal holds no matching results yet (a batch still running? `watch` ingests them)")
    return 0
