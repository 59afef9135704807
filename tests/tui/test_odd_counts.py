"""Request counts from the server that are negative or do not add up are kept and shown as they came, flagged
(never mended): the poller stores them from a misbehaving server, the dashboard's Done column and totals bar
and the batch's facts say something is off."""

from __future__ import annotations

import anthropic
from drilldown_journal import T0, new_journal

from tests.reliability.hostile_server import HostileServer, ended_batch
from tests.tui.harness import open_screen, running_app, screen_text
from tui import render
from tui.core.journal.batches import get_batch
from tui.core.journal.connection import Journal
from tui.core.models import BatchRow, RequestCounts
from tui.core.poll.loop import Poller
from tui.screens.batch import BatchScreen
from tui.widgets.totals_bar import totals_text

NEGATIVE = "msgbatch_negative000000000000"
SHORT = "msgbatch_short00000000000000000"
FINE = "msgbatch_fine000000000000000000"


def _counts(processing: int, succeeded: int) -> dict:
    return {"processing": processing, "succeeded": succeeded, "errored": 0, "canceled": 0, "expired": 0}


async def test_odd_counts_are_stored_as_they_came_and_flagged(journal_path) -> None:
    await new_journal(journal_path)
    journal = await Journal.open(journal_path)
    try:
        async with journal.transaction() as db:
            for batch_id in (NEGATIVE, SHORT, FINE):
                await db.execute("INSERT INTO batches(id, processing_status, n_processing, intent_request_count, "
                                 "created_at) VALUES (?, 'in_progress', 10, 10, ?)", (batch_id, T0 - 60))
        async with HostileServer() as server:
            url = server.base_url
            server.batches[NEGATIVE] = ended_batch(NEGATIVE, url, 0, processing_status="in_progress",
                                                   ended_at=None, results_url=None,
                                                   request_counts=_counts(10, -3))
            server.batches[SHORT] = ended_batch(SHORT, url, 0, processing_status="in_progress", ended_at=None,
                                                results_url=None, request_counts=_counts(2, 4))
            server.batches[FINE] = ended_batch(FINE, url, 0, processing_status="in_progress", ended_at=None,
                                               results_url=None, request_counts=_counts(6, 4))
            async with anthropic.AsyncAnthropic(api_key="k", base_url=url) as client:
                result = await Poller(journal, client, adopt=False).sweep(force=True)
        assert result.errors == []
        negative, short, fine = [await get_batch(journal, i) for i in (NEGATIVE, SHORT, FINE)]
    finally:
        await journal.close()
    assert negative.counts == RequestCounts(processing=10, succeeded=-3)      # kept as they came
    assert render.counts_trouble(negative) == "negative from the server: succeeded -3"
    assert render.counts_trouble(short) == "add up to 6, not the 10 requests sent"
    assert render.counts_trouble(fine) == ""

    async with running_app(journal_path, size=(160, 40)) as (app, pilot):
        shown = screen_text(app)
        assert "-3/7 ⚠" in shown and "4/6 ⚠" in shown and "4/10" in shown and "4/10 ⚠" not in shown
        assert "⚠ 2 batches with odd counts" in shown
        assert shown.count("⚠ counts?") == 2                # no progress bar drawn from them
        local_id = next(r.local_id for r in app.screen.all_rows.values() if r.id == NEGATIVE)
        await open_screen(pilot, BatchScreen(local_id))
        shown = screen_text(app)
        assert "Counts ⚠ negative from the server: succeeded -3" in shown, shown
        assert "-3 ok" in shown


def test_an_ended_batch_still_processing_is_flagged() -> None:
    row = BatchRow(local_id=1, id="msgbatch_x", processing_status="ended",
                   counts=RequestCounts(processing=2, succeeded=8))
    assert render.counts_trouble(row) == "ended with 2 still processing"
    assert "1 batch with odd counts" in totals_text([row]).plain
    assert render.done_of_total(row).plain == "8/10 ⚠"
