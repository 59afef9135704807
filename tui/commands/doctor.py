"""`claude-batch-tui doctor [--recover OUT]`: check the journal; copy what is readable into a new one.

Reads the journal only (SQLite's read-only mode): `PRAGMA quick_check`, then `PRAGMA integrity_check`, and
says in plain words what is wrong. With `--recover OUT`, makes a new journal at OUT with this program's
schema and copies every row that can still be read, table by table (row by row around damaged pages), then
reports what was copied and lost per table. Exit codes: 0 the journal is sound (with --recover: everything
was copied), 1 no journal there (with --recover: some rows were lost), 2 the journal is damaged or not a
journal (with --recover: nothing could be copied).
"""

from __future__ import annotations

import argparse
import shlex
from pathlib import Path

from tui.commands._session import say, warn
from tui.core.words import plural

SHOWN_PROBLEMS = 10


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--recover", metavar="OUT",
                        help="copy what is readable into a new journal file OUT (the journal itself is only read)")


def run(args: argparse.Namespace) -> int:
    from tui.core.config import journal_path
    from tui.core.journal.doctor import check_journal

    path = Path(journal_path(getattr(args, "journal", None)))
    report = check_journal(path)
    say(report.verdict)
    for line in report.problems[:SHOWN_PROBLEMS]:
        say(f"  {line}")
    if len(report.problems) > SHOWN_PROBLEMS:
        say(f"  … and {plural(len(report.problems) - SHOWN_PROBLEMS, 'more problem')}")
    if report.tables:
        say("rows: " + ", ".join(f"{name} {'unreadable' if n is None else f'{n:,}'}"
                                 for name, n in report.tables.items()))
    if args.recover:
        return _recover(path, Path(args.recover))
    if report.ok:
        return 0
    if report.missing:
        return 1
    where = shlex.quote(str(path))
    if report.readable:
        say(f"What to do: restore the journal from a backup, or copy what is readable into a new journal with "
            f"`claude-batch-tui doctor --journal {where} --recover NEW.sqlite`, check that, and use it "
            "(`--journal NEW.sqlite`, or move it in place of the damaged one and keep that as a copy)")
    else:
        say("What to do: restore the journal from a backup, or point --journal at your journal file; nothing "
            "can be copied out of this one")
    return 2


def _recover(path: Path, out: Path) -> int:
    import asyncio

    from tui.core.journal.doctor import DoctorError, recover_journal

    try:
        report = asyncio.run(recover_journal(path, out))
    except DoctorError as exc:
        warn(f"claude-batch-tui: {exc}")
        return 2
    say(f"copied into {out}:")
    width = max(len(t.name) for t in report.tables)
    for table in report.tables:
        lost = "" if not table.lost else f", {table.lost:,} lost"
        unknown = f", and more may be lost: {table.note}" if table.unknown_loss else \
            (f" ({table.note})" if table.note else "")
        say(f"  {table.name:<{width}}  {table.copied:,} copied{lost}{unknown}")
    if report.placeholders:
        say(f"  placeholders for rows that were lost, so what belonged to them is kept: "
            f"{', '.join(report.placeholders[:10])}" + (" …" if len(report.placeholders) > 10 else ""))
    where = shlex.quote(str(out))
    if report.complete:
        say(f"every row was copied. Use the new journal with `--journal {where}`, or move it in place of the old "
            "one (keep the old one as a copy)")
        return 0
    lost = ("at least " if any(t.unknown_loss for t in report.tables) else "") + plural(report.lost, "row") + " lost" if report.lost else \
        "some rows lost"
    say(f"{lost}; everything readable is in {out}. Use it with `--journal {where}`, or move it in place of the "
        "old one (keep the old one as a copy, and restore from a backup if you have a better one)")
    return 1
