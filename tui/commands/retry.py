"""`claude-batch-tui retry ID [--include canceled,expired] [--all-errors] [--yes]`: resend a batch's failures.

Prints what would be resent, per kind, and what is held back; asks before sending (on a terminal), or
refuses without one unless --yes.
"""

from __future__ import annotations

import argparse

from tui.commands._session import (CommandError, add_yes, confirm, finish, make_cli_client, open_journal, say,
                                   warn)
from tui.core.words import plural


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("id", metavar="ID", help="the batch whose failures to resend")
    parser.add_argument("--include", default="", metavar="KINDS",
                        help="also resend these result kinds: canceled, expired (comma-separated; expired "
                             "is resent by default)")
    parser.add_argument("--all-errors", action="store_true",
                        help="also resend requests that failed for their own fault (invalid_request_error …)")
    parser.add_argument("--again", action="store_true",
                        help="send even though this batch was already retried (resends the same requests)")
    add_yes(parser)


def run(args: argparse.Namespace) -> int:
    return finish(_run(args))


async def _run(args: argparse.Namespace) -> int:
    from tui.core.actions.retry import RetryError, select_retry, send_retry

    journal = await open_journal(args)
    try:
        try:
            sel = await select_retry(journal, args.id, include=args.include.split(","),
                                     all_errors=args.all_errors)
        except RetryError as exc:
            raise CommandError(str(exc)) from None
        for line in sel.summary_lines():
            say(line)
        if not sel.count:
            return 1
        if sel.retried_by and not args.again:
            raise CommandError(f"{sel.source.id} was already retried by {', '.join(sel.retried_by)}; retry that "
                               "batch, or add --again to resend these requests once more")
        if not confirm(f"Send {plural(sel.count, 'request')} as a new batch?", yes=args.yes):
            raise CommandError("nothing sent")
        client = make_cli_client(args)
        async with client:
            try:
                rows = await send_retry(journal, client, sel, actor="cli")
            except RetryError as exc:
                raise CommandError(str(exc)) from None
        code = 0
        for row in rows:
            if row.id:
                say(f"{row.id}: {plural(row.total, 'request')}, retrying {sel.source.id}")
            elif row.intent_state == "failed":
                warn(f"a retry batch was not created: {row.intent_error or 'the server refused it'}")
                code = 1
            else:
                warn(f"a retry batch is not confirmed yet ({row.intent_error or row.intent_state}); "
                     "`claude-batch-tui watch` settles it")
                code = 1
        return code
    finally:
        await journal.close()
