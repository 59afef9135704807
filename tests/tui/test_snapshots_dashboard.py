"""Pixels of the dashboard and the help screen at 80×24 and 120×36, and of a poll failure.

A journal pre-filled with known rows, a fixed clock and no polling make every frame the same.
Regenerate after an intended change: `pytest tests/tui/test_snapshots_dashboard.py --snapshot-update`.
"""

from __future__ import annotations

import asyncio
import random
import sqlite3
from pathlib import Path

import pytest

from tests.tui.harness import settle, wait_until
from tui.app import make_app
from tui.core.clock import FixedClock
from tui.core.journal.connection import Journal

T0 = 1_790_000_000.0   # the fixed "now"
H = 3600.0

# label, status, counts (processing, succeeded, errored, canceled, expired), age in hours, extras
ROWS = [
    ("catalog-enrichment-20k.jsonl", "in_progress", (20_000, 0, 0, 0, 0), 0.1, {}),
    ("weekly-report-drafts.jsonl", "in_progress", (1_200, 0, 0, 0, 0), 21.0, {}),
    ("legal-review.jsonl", "in_progress", (300, 0, 0, 0, 0), 23.5, {}),
    ("legal-contracts-summary.jsonl", "canceling", (300, 0, 0, 0, 0), 0.2, {"cancel_initiated_at": T0 - 60}),
    ("support-tickets-triage.jsonl", "ended", (0, 387, 13, 0, 0), 0.3, {}),
    ("retry of product-descriptions.jsonl", "ended", (0, 28, 0, 0, 0), 0.25, {"parent_id": "msgbatch_0000parent"}),
    ("product-descriptions.jsonl", "ended", (0, 122, 28, 0, 0), 0.4, {"id": "msgbatch_0000parent"}),
    ("[bold]oops[/end] \x1b[2J.jsonl", "ended", (0, 50, 0, 0, 0), 2.0, {}),
    ("old-canceled.jsonl", "ended", (0, 10, 0, 90, 0), 5.0, {"cancel_initiated_at": T0 - 4 * H}),
    ("nightly-eval-2026-11-23.jsonl", "ended", (0, 288, 0, 0, 112), 26.0, {}),
]


def build_journal(path: Path) -> None:
    async def create() -> None:
        await (await Journal.open(path)).close()

    asyncio.run(create())
    db = sqlite3.connect(path)
    with db:
        for n, (label, status, counts, age_h, extra) in enumerate(ROWS, 1):
            created = T0 - age_h * H
            db.execute("INSERT INTO jobs(id, name, request_count, created_at) VALUES (?,?,?,?)",
                       (n, label, sum(counts), created))
            ended = created + 0.1 * H if status == "ended" else None
            db.execute(
                "INSERT INTO batches(local_id, id, job_id, chunk_index, parent_id, intent_state, intent_request_count,"
                " processing_status, n_processing, n_succeeded, n_errored, n_canceled, n_expired, created_at,"
                " expires_at, ended_at, cancel_initiated_at, last_polled_at, ingest_state, results_ingested)"
                " VALUES (?,?,?,0,?,'created',?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (n, extra.get("id", f"msgbatch_{n:024d}"), n, extra.get("parent_id"), sum(counts), status, *counts,
                 created, created + 24 * H, ended, extra.get("cancel_initiated_at"), T0 - 5,
                 "complete" if status == "ended" else "none", sum(counts[1:]) if status == "ended" else 0))
        # a job still being sent: no server id yet
        db.execute("INSERT INTO jobs(id, name, request_count, created_at) VALUES (99, 'hourly-digest-1000.jsonl',"
                   " 500, ?)", (T0,))
        db.execute("INSERT INTO batches(local_id, job_id, chunk_index, intent_state, intent_request_count,"
                   " intent_sent_at) VALUES (99, 99, 0, 'sending', 500, ?)", (T0 - 1,))
        # some results with their cost: the spend in the header and the cost column
        for i, cost in enumerate((0.0123, 0.0456, 0.1)):
            db.execute("INSERT INTO results(batch_local_id, custom_id, result_type, cost_usd, raw)"
                       " VALUES (5, ?, 'succeeded', ?, x'7b7d')", (f"r{i}", cost))
    db.close()


@pytest.fixture
def snapshot_app(tmp_path):
    def make(**kwargs):
        path = tmp_path / "journal.sqlite"
        build_journal(path)
        return make_app(journal_path=path, api_key="k", base_url="http://127.0.0.1:9", clock=FixedClock(T0),
                        poll=False, **kwargs)

    return make


async def _loaded(pilot) -> None:
    app = pilot.app
    await app.ready.wait()
    await wait_until(pilot, lambda: getattr(app.screen, "loaded", False)
                     and not app.screen.query_one("#batches").loading, "the dashboard's rows", step=0.01)
    await settle(pilot)           # loads that start other loads (costs, sparklines) settle too
    app.clear_notifications()     # toasts (e.g. "expiring soon") have their own tests
    await pilot.pause()


@pytest.mark.parametrize("size", [(80, 24), (120, 36)])
def test_dashboard(snap_compare, snapshot_app, size):
    assert snap_compare(snapshot_app(), terminal_size=size, run_before=_loaded)


@pytest.mark.parametrize("size", [(80, 24), (120, 36)])
def test_help(snap_compare, snapshot_app, size):
    async def open_help(pilot) -> None:
        await _loaded(pilot)
        await pilot.press("question_mark")
        await pilot.pause()

    assert snap_compare(snapshot_app(), terminal_size=size, run_before=open_help)


def test_dashboard_marked_and_filtered(snap_compare, snapshot_app):
    async def act(pilot) -> None:
        await _loaded(pilot)
        await pilot.press("slash", *"legal", "enter", "space")
        await pilot.pause()

    assert snap_compare(snapshot_app(), terminal_size=(80, 24), run_before=act)


def test_poll_failure_status_line(snap_compare, snapshot_app):
    """A sweep against a server that is not there: a quiet warning line, the table stays."""
    async def poll(pilot) -> None:
        await _loaded(pilot)
        random.seed(6)            # the poller's backoff has jitter: the "retrying in" it shows stays the same
        await pilot.press("R")
        await wait_until(pilot, lambda: pilot.app.status[1], "the poll error in the status line", step=0.02)
        assert pilot.app.status[1]
        pilot.app.clear_notifications()
        await pilot.pause()

    assert snap_compare(snapshot_app(), terminal_size=(80, 24), run_before=poll)
