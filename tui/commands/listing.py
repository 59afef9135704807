"""`claude-batch-tui list [--json] [--offline]`: every batch the journal knows, newest first.

With a key (or `--base-url`), one bounded listing call first adopts the batches made elsewhere and found on the
account (as the TUI and `watch` do), so they are listed too; a server out of reach is said on stderr and the
journal is listed all the same. Without a key, or with `--offline`, it lists the journal alone.

The table: short id (a unique end of the id, accepted by the other commands), status, request counts,
age, cost when known, name, in the words the TUI uses (`tui.core.words`); then one line for each batch whose
results do not match what was sent (`3 results missing, 2 unknown ids, 1 duplicate line`).
`--json`: one array of objects with the full id and every field, for scripts: `results_check` is null until the
results stream was read to its end, then "ok", "mismatch" (results missing or unknown ids), "duplicates" (only
repeated lines) or "not compared" (no requests in this journal to compare with: an adopted batch), beside the
counts `results_missing`, `results_unknown_ids` and `results_duplicate_lines`.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from tui.commands._session import finish, open_journal, say, warn
from tui.core.models import BatchRow
from tui.core.words import batch_name, duration, result_anomalies, short_id, status_word

HEADERS = ("ID", "STATUS", "REQUESTS", "OK", "ERR", "CANC", "EXP", "AGE", "COST", "NAME")
RIGHT = {"REQUESTS", "OK", "ERR", "CANC", "EXP", "AGE", "COST"}
LIST_TIMEOUT = 10.0   # seconds the listing call may take before the journal is listed alone


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="machine-readable: a JSON array, full ids")
    parser.add_argument("--offline", action="store_true",
                        help="list the journal only; by default, when a key is set, batches made elsewhere and "
                             "found on the account are adopted first (one listing call)")


def run(args: argparse.Namespace) -> int:
    return finish(_run(args))


def table_lines(rows: list[BatchRow], now: float, spend: dict | None = None) -> list[str]:
    """`spend`: {local_id: tui.core.money.spend.Spend}, so a cost with unpriced results says so."""
    from tui.core.money.pricing import format_usd

    def cost(row: BatchRow) -> str:
        if spend and row.local_id in spend:
            return spend[row.local_id].text().replace("—", "-")
        return format_usd(row.cost_usd) if row.cost_usd is not None else "-"

    cells = [HEADERS]
    for row in rows:
        c = row.counts
        done = row.processing_status == "ended"
        cells.append((short_id(row), status_word(row), f"{row.total:,}",
                      f"{c.succeeded:,}" if done else "-", f"{c.errored:,}" if done else "-",
                      f"{c.canceled:,}" if done else "-", f"{c.expired:,}" if done else "-",
                      duration(now - row.created_at) if row.created_at else "-",
                      cost(row), batch_name(row)))
    widths = [max(len(r[i]) for r in cells) for i in range(len(HEADERS))]
    lines = []
    for r in cells:
        parts = [v.rjust(w) if h in RIGHT else v.ljust(w) for v, w, h in zip(r, widths, HEADERS)]
        lines.append("  ".join(parts).rstrip())
    return lines


def results_check(row: BatchRow) -> str | None:
    """ok | mismatch | duplicates | not compared; None before the results stream has been read to its end."""
    if row.results_compared is None:
        return None
    if row.results_mismatch:
        return "mismatch"
    if row.results_duplicate:
        return "duplicates"
    return "ok" if row.results_compared else "not compared"


def anomaly_lines(rows: list[BatchRow]) -> list[str]:
    """One line per batch whose results stream did not match what was sent."""
    return [f"{short_id(row)}: results do not match what was sent: {result_anomalies(row)}"
            + ("; `retry` resends the missing" if row.results_missing else "")
            if row.results_mismatch else f"{short_id(row)}: {result_anomalies(row)} in the results (the first kept)"
            for row in rows if result_anomalies(row)]


def as_json(row: BatchRow) -> dict:
    c = row.counts
    return {
        "id": row.id, "local_id": row.local_id, "status": status_word(row), "name": batch_name(row),
        "processing_status": row.processing_status, "intent_state": row.intent_state,
        "intent_error": row.intent_error,
        "request_counts": {"processing": c.processing, "succeeded": c.succeeded, "errored": c.errored,
                           "canceled": c.canceled, "expired": c.expired},
        "total": row.total, "created_at": row.created_at, "ended_at": row.ended_at,
        "expires_at": row.expires_at, "label": row.label, "job_id": row.job_id, "job_name": row.job_name,
        "source_path": row.source_path, "chunk_index": row.chunk_index, "parent_id": row.parent_id,
        "adopted": row.adopted, "gone": row.gone, "ingest_state": row.ingest_state,
        "results_ingested": row.results_ingested, "cost_usd": row.cost_usd,
        "results_check": results_check(row), "results_missing": row.results_missing,
        "results_unknown_ids": row.results_unknown, "results_duplicate_lines": row.results_duplicate,
    }


async def _adopt(args: argparse.Namespace, journal: Any) -> bool:
    """Adopt the account's batches made elsewhere; never fails the listing (said on stderr instead).
    True when some were adopted."""
    from tui.commands._session import CommandError, make_cli_client
    from tui.core.poll.adopt import adopt_from_account
    from tui.core.words import plural

    try:
        client = make_cli_client(args, clock=journal.clock)   # ages read on the server's clock
    except CommandError:
        return False   # no key: `list` needs none, and lists the journal
    async with client:
        report = await adopt_from_account(journal, client, timeout=LIST_TIMEOUT)
    if report.error:
        warn(f"note: could not look for batches made elsewhere ({report.error}); listing the journal only")
    elif report.waited:
        warn("note: some batches of this journal are not sent yet; batches made elsewhere are adopted once "
             "they are (so a new batch of yours is not taken for a stranger)")
    if report.adopted:
        warn(f"adopted {plural(len(report.adopted), 'batch')} made elsewhere (found on the account)")
    return bool(report.adopted)


async def _run(args: argparse.Namespace) -> int:
    from tui.core.journal.batches import list_batches

    journal = await open_journal(args)
    try:
        rows = await list_batches(journal)   # first: a journal in trouble is said before any call is made
        if not args.offline and await _adopt(args, journal):
            rows = await list_batches(journal)
        now = journal.clock.server_now()
        from tui.core.money.spend import batch_spend

        spend = await batch_spend(journal)
    finally:
        await journal.close()
    if args.json:
        import orjson

        sys.stdout.write(orjson.dumps([as_json(r) for r in rows], option=orjson.OPT_INDENT_2).decode() + "\n")
        return 0
    if not rows:
        say("no batches in the journal yet: `claude-batch-tui submit FILE.jsonl` sends some")
        return 0
    for line in table_lines(rows, now, spend):
        say(line)
    for line in anomaly_lines(rows):
        warn(f"warning: {line}")
    return 0
