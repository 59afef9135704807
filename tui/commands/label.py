"""`claude-batch-tui label ID_OR_NAME "new name"` / `label ID_OR_NAME --clear`: name a batch. Needs no key.

The name is stored in the journal and shown everywhere the batch is (the TUI, `list`, `watch`): useful for a
batch adopted from the account ("batch 6") or one chunk of a split file. `--clear` gives it its default name
back (its file's, its job's, or `batch N`). One batch at a time: a name is meant to tell batches apart.
"""

from __future__ import annotations

import argparse

from tui.commands._session import CommandError, finish, open_journal, say


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("batch", metavar="ID_OR_NAME",
                        help="the batch: its id (or a unique start or end of one, as `list` shows), #N, or its name")
    parser.add_argument("label", nargs="?", metavar="NEW_NAME",
                        help="the new name: one line of plain text, at most 100 characters")
    parser.add_argument("--clear", action="store_true", help="remove the label: back to the default name")


def run(args: argparse.Namespace) -> int:
    return finish(_run(args))


async def _run(args: argparse.Namespace) -> int:
    from tui.core.actions.label import LabelError, check_label, find_batch, set_label
    from tui.core.words import batch_name, short_id

    if args.clear and args.label is not None:
        raise CommandError("give a new name or --clear, not both", 2)
    if not args.clear and args.label is None:
        raise CommandError("give the new name (in quotes if it has spaces), or --clear for the default name", 2)
    try:
        label = None if args.clear else check_label(args.label)
    except LabelError as exc:
        raise CommandError(f"NEW_NAME: {exc}", 2) from None
    journal = await open_journal(args)
    try:
        try:
            batch = await find_batch(journal, args.batch)
            before = batch_name(batch)
            after = await set_label(journal, batch.local_id, label, actor="cli")
        except LabelError as exc:
            raise CommandError(str(exc)) from None
    finally:
        await journal.close()
    now = batch_name(after)
    say(f"{short_id(after)}: now named {now} (was {before})" if now != before else
        f"{short_id(after)}: named {now}, as before")
    return 0
