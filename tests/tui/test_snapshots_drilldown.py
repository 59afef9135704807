"""Pixels of one batch and one request at 80×24 and 120×36 (fixed clock, journal built directly, no polling).

Regenerate after an intended change: `pytest tests/tui/test_snapshots_drilldown.py --snapshot-update`.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from drilldown_journal import (
    T0,
    add_batch,
    connect,
    insert_batch,
    insert_requests,
    insert_results,
    new_journal,
    rich_params,
    rich_result,
)

from tests.tui.harness import open_screen, press, settle
from tui.app import make_app
from tui.core.clock import FixedClock
from tui.screens.batch import BatchScreen
from tui.screens.request import RequestScreen

SIZES = [(80, 24), (120, 36)]


@pytest.fixture
def snapshot_app(tmp_path: Path):
    path = tmp_path / "journal" / "journal.sqlite"
    asyncio.run(new_journal(path))
    add_batch(path, 1, 400, label="support-tickets.jsonl", batch_id="msgbatch_01SupportTickets0000000")
    con = connect(path)
    with con:
        insert_batch(con, 2, n=1, label="retry of support-tickets", parent_id="msgbatch_01SupportTickets0000000",
                     batch_id="msgbatch_01RetryOfTickets00000000")
        insert_requests(con, 2, [("order-question-17", rich_params())])
        insert_results(con, 2, [rich_result("order-question-17")])
    con.close()
    return make_app(journal_path=path, api_key="k", base_url="http://127.0.0.1:9", clock=FixedClock(T0), poll=False)


async def _ready(pilot) -> None:
    await pilot.app.ready.wait()
    await settle(pilot)


def _batch(*keys: str):
    async def run(pilot) -> None:
        await _ready(pilot)
        await open_screen(pilot, BatchScreen(1))
        await press(pilot, *keys)

    return run


@pytest.mark.parametrize("size", SIZES)
def test_batch(snap_compare, snapshot_app, size):
    assert snap_compare(snapshot_app, terminal_size=size, run_before=_batch())


def test_batch_errored_filter(snap_compare, snapshot_app):
    assert snap_compare(snapshot_app, terminal_size=(80, 24), run_before=_batch("f", "f", "down"))


@pytest.mark.parametrize("size", SIZES)
def test_request(snap_compare, snapshot_app, size):
    async def run(pilot) -> None:
        await _ready(pilot)
        await open_screen(pilot, RequestScreen(2, "order-question-17"))

    assert snap_compare(snapshot_app, terminal_size=size, run_before=run)


def test_request_error(snap_compare, snapshot_app):
    """An errored request reached from the batch screen (errored filter, enter)."""
    assert snap_compare(snapshot_app, terminal_size=(80, 24), run_before=_batch("f", "f", "enter"))
