"""`claude-batch-tui submit FILE.jsonl [--label L] [--max-per-batch N] [--again] [--dry-run]`.

Checks every line and prints the plan; with problems, prints them (`FILE:LINE: what`) and sends nothing
(exit 1). Otherwise records the intents in the journal, creates the batches and prints their ids on
stdout, one per line (the plan goes to stderr then, so `ids=$(claude-batch-tui submit f.jsonl)` works).
"""

from __future__ import annotations

import argparse
import sys

from tui.commands._session import CommandError, finish, make_cli_client, open_journal, say, warn
from tui.core.submit.check import MAX_REQUESTS, Plan
from tui.core.submit.summary import plan_summary
from tui.core.words import plural


def _per_batch(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if not 1 <= value <= MAX_REQUESTS:
        raise argparse.ArgumentTypeError(f"must be between 1 and {MAX_REQUESTS:,}")
    return value


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", metavar="FILE.jsonl", help="one request per line: {\"custom_id\": …, \"params\": …}")
    parser.add_argument("--label", help="a name for these batches (default: the file name)")
    parser.add_argument("--max-per-batch", type=_per_batch, metavar="N",
                        help=f"at most N requests per batch (default and maximum {MAX_REQUESTS:,})")
    parser.add_argument("--again", action="store_true", help="submit a file that was submitted before once more")
    parser.add_argument("--dry-run", action="store_true", help="check and show the plan; send nothing")


def run(args: argparse.Namespace) -> int:
    return finish(_run(args))


def plan_lines(plan: Plan) -> list[str]:
    """The plan as a few human lines: totals, then one line per batch, then the cost estimate."""
    first, *rest = plan_summary(plan)
    return [f"{plan.source}: {first}", *rest]


async def _run(args: argparse.Namespace) -> int:
    import asyncio

    from tui.core.actions.label import LabelError, check_label
    from tui.core.submit.check import plan as make_plan

    if args.label is not None:
        try:
            args.label = check_label(args.label)
        except LabelError as exc:
            raise CommandError(f"--label: {exc}") from None
    plan = await asyncio.to_thread(make_plan, args.file, max_per_batch=args.max_per_batch)
    if not plan.ok:
        for line in plan.error_lines():
            warn(line)
        warn(f"{plan.source}: {plural(plan.error_count, 'problem')}; nothing was sent")
        return 1
    if args.dry_run:
        for line in plan_lines(plan):
            say(line)
        say("dry run: nothing was sent")
        return 0
    client = make_cli_client(args)   # before the journal: without a key, say so and touch nothing
    for line in plan_lines(plan):
        warn(line)
    journal = await open_journal(args)
    try:
        async with client:
            return await _send(journal, client, plan, args)
    finally:
        await journal.close()


async def _send(journal, client, plan, args: argparse.Namespace) -> int:
    from tui.core.submit.check import PlanError
    from tui.core.submit.send import AlreadySubmitted, recover, submit

    for row in await recover(journal, client):
        if row.id:
            warn(f"finished an interrupted submit: {row.id} ({row.job_name or 'no name'})")
    try:
        rows = await submit(journal, client, plan, label=args.label, again=args.again)
    except (AlreadySubmitted, PlanError) as exc:
        raise CommandError(str(exc)) from None
    code = 0
    for row in rows:
        name = f"batch {row.chunk_index + 1 if row.chunk_index is not None else '?'}"
        if row.id:
            say(row.id)
        elif row.intent_state == "failed":
            warn(f"{name} was not created: {row.intent_error}")
            code = 1
        elif row.intent_state == "intent":   # no connection could be made: nothing went out
            warn(f"{name}: {row.intent_error or 'not sent yet'}; `claude-batch-tui watch` or the next start "
                 "sends it")
            code = 1
        else:
            warn(f"{name} is not confirmed yet ({row.intent_error or 'no answer'}); "
                 "`claude-batch-tui watch` or the next start settles it")
            code = 1
    sys.stdout.flush()
    return code
