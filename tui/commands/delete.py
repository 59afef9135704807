"""`claude-batch-tui delete ID [ID ...] [--forget] [--yes]`: delete ended batches on the server (asks first)."""

from __future__ import annotations

import argparse

from tui.commands._session import (CommandError, add_yes, confirm, finish, make_cli_client, open_journal,
                                   resolve_batches, say, warn)
from tui.core.words import plural


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("ids", nargs="+", metavar="ID", help="batch id (or a unique start or end of one)")
    parser.add_argument("--forget", action="store_true",
                        help="also remove the batch and its results from the local journal")
    add_yes(parser)


def run(args: argparse.Namespace) -> int:
    return finish(_run(args))


async def _run(args: argparse.Namespace) -> int:
    from tui.core.actions.delete import delete_batches, delete_refusal

    journal = await open_journal(args)
    try:
        todo, refused = await resolve_batches(journal, args.ids, delete_refusal, "delete")
        if not todo:
            return 1
        local = "and forget its local results" if args.forget else "(local results are kept)"
        for batch in todo:
            say(f"delete {batch.id or batch.local_id} on the server {local}: "
                f"{plural(batch.results_ingested, 'result')}")
        if not confirm(f"Delete {plural(len(todo), 'batch')}?", yes=args.yes):
            raise CommandError("nothing deleted")
        client = make_cli_client(args)
        async with client:
            outcomes = await delete_batches(journal, client, [b.local_id for b in todo], forget=args.forget,
                                            actor="cli")
        for outcome in outcomes:
            (say if outcome.ok else warn)(outcome.message)
        return 0 if refused == 0 and all(o.ok for o in outcomes) else 1
    finally:
        await journal.close()
