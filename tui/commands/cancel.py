"""`claude-batch-tui cancel ID [ID ...] [--yes]`: cancel unfinished batches (asks first)."""

from __future__ import annotations

import argparse

from tui.commands._session import (CommandError, add_yes, confirm, finish, make_cli_client, open_journal,
                                   resolve_batches, say, warn)
from tui.core.words import batch_name, plural


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("ids", nargs="+", metavar="ID", help="batch id (or a unique start or end of one)")
    add_yes(parser)


def run(args: argparse.Namespace) -> int:
    return finish(_run(args))


async def _run(args: argparse.Namespace) -> int:
    from tui.core.actions.cancel import cancel_batches, cancel_refusal

    journal = await open_journal(args)
    try:
        todo, refused = await resolve_batches(journal, args.ids, cancel_refusal, "cancel")
        if not todo:
            return 1
        for batch in todo:
            say(f"cancel {batch.id} ({batch_name(batch)}): "
                f"{plural(batch.counts.processing or batch.total, 'request')} still processing")
        if not confirm(f"Cancel {plural(len(todo), 'batch')}?", yes=args.yes):
            raise CommandError("nothing canceled")
        client = make_cli_client(args)
        async with client:
            outcomes = await cancel_batches(journal, client, [b.local_id for b in todo], actor="cli")
        for outcome in outcomes:
            (say if outcome.ok else warn)(outcome.message)
        return 0 if refused == 0 and all(o.ok for o in outcomes) else 1
    finally:
        await journal.close()
