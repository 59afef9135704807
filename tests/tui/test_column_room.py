"""Text is not cut where there is room (issue 11, point 7), on the real dashboard and batch view (Pilot, a real
journal in the shape submit and ingest write it, a fixed clock) at 80×24, 120×40 and 200×40:

- the full counts `20,000/20,000`; a 30-character name whole; a job's chunks named `big (1/3)`, `big (2/3)`;
- the ETA and retention columns from 120 columns;
- the batch facts at 80×24: the whole batch id, retention and job line.
"""

from __future__ import annotations

import sqlite3

import pytest

from tests.tui.harness import cursor_to, press, running_app, screen_lines, wait_until
from tui.core.clock import FixedClock
from tui.core.journal.connection import Journal

T0 = 1_790_000_000.0   # the harness's fixed clock without an emulator
HOUR = 3600.0
LONG_NAME = "quarterly-customer-feedback-xx"          # 30 characters
assert len(LONG_NAME) == 30
BIG_IDS = [f"msgbatch_01BigChunk{n}AbCdEfGhIjKlMn" for n in (1, 2, 3)]


async def build_journal(path) -> None:
    """A job `big` split into three 20,000-request batches (ended, results saved), a 20,000-request batch with
    a 30-character label (ended), and a running one."""
    await (await Journal.open(path, FixedClock(T0))).close()
    db = sqlite3.connect(path)
    with db:
        db.execute("INSERT INTO jobs(id, name, source_path, request_count, created_at) VALUES "
                   "(1, 'big', '/data/in/big.jsonl', 60000, ?)", (T0 - 3 * HOUR,))
        db.execute("INSERT INTO jobs(id, name, source_path, request_count, created_at) VALUES "
                   "(2, ?, '/data/in/feedback.jsonl', 20000, ?)", (LONG_NAME, T0 - 3 * HOUR))
        db.execute("INSERT INTO jobs(id, name, source_path, request_count, created_at) VALUES "
                   "(3, 'running.jsonl', '/data/in/running.jsonl', 20000, ?)", (T0 - HOUR,))
        rows = [  # local_id, id, job, chunk, label, status, processing, succeeded, created
            *[(n + 1, BIG_IDS[n], 1, n, "big", "ended", 0, 20_000, T0 - 3 * HOUR + n) for n in range(3)],
            (4, "msgbatch_01FeedbackAbCdEfGhIjKlMnOp", 2, 0, LONG_NAME, "ended", 0, 20_000, T0 - 2 * HOUR),
            (5, "msgbatch_01RunningAbCdEfGhIjKlMnOpQ", 3, 0, None, "in_progress", 20_000, 0, T0 - HOUR),
        ]
        for lid, bid, job, chunk, label, status, proc, ok, created in rows:
            ended = status == "ended"
            db.execute(
                "INSERT INTO batches(local_id, id, job_id, chunk_index, label, intent_state, intent_request_count,"
                " processing_status, n_processing, n_succeeded, created_at, expires_at, ended_at, last_polled_at,"
                " ingest_state, results_ingested) VALUES (?,?,?,?,?,'created',20000,?,?,?,?,?,?,?,?,?)",
                (lid, bid, job, chunk, label, status, proc, ok, created, created + 24 * HOUR,
                 created + HOUR if ended else None, T0 - 5, "complete" if ended else "none", ok if ended else 0))
    db.close()


def _table(lines: list[str]) -> str:
    return "\n".join(lines)


@pytest.mark.parametrize("size", [(80, 24), (120, 40), (200, 40)])
async def test_names_and_counts_are_whole_and_chunks_say_which(journal_path, size) -> None:
    await build_journal(journal_path)
    async with running_app(journal_path, size=size) as (app, pilot):
        lines = screen_lines(app)
        text = _table(lines)
        assert LONG_NAME in text, text                                   # 30 characters, whole
        for n in (1, 2, 3):
            assert f"big ({n}/3)" in text, text                         # which chunk of the job
        if size[0] >= 120:
            assert text.count("20,000/20,000") == 4, text                # the full counts, never "20,000/20,0"
            header = next(line for line in lines if "Status" in line and "Name" in line)
            assert "ETA" in header and "Retention" in header, header
            big = next(line for line in lines if "big (1/3)" in line)
            assert "28d" in big, big                                     # the server keeps its results ~28 days
        assert "…" not in text, text                                     # nothing cut on the table


async def test_a_name_longer_than_the_room_gets_as_much_as_fits_at_80(journal_path) -> None:
    await build_journal(journal_path)
    longer = "a-rather-long-batch-name-for-the-nightly-evaluation-run"   # 55 characters
    db = sqlite3.connect(journal_path)
    with db:
        db.execute("UPDATE batches SET label = ? WHERE local_id = 4", (longer,))
    db.close()
    async with running_app(journal_path, size=(80, 24)) as (app, pilot):
        line = next(line for line in screen_lines(app) if "a-rather" in line)
        shown = line.split("a-rather", 1)[1].split("…", 1)[0]
        assert len("a-rather" + shown) >= 33, line                      # more than the 30 kept for any name
        assert "Expires" in _table(screen_lines(app))                   # and the expiry countdown still fits


async def test_batch_facts_at_80x24_show_the_whole_id_retention_and_job(journal_path) -> None:
    await build_journal(journal_path)
    async with running_app(journal_path, size=(80, 24)) as (app, pilot):
        cursor_to(app, 2)
        await press(pilot, "enter")
        text = _table(screen_lines(app))
        assert BIG_IDS[1] in text, text                                  # the whole server id
        assert "local + server (" in text and "left)" in text, text     # the whole retention
        assert "big.jsonl  chunk 2 of 3" in text, text                   # the job line, with its chunk
        assert "big (2/3)" in text, text
        facts = text.split("custom_id", 1)[0]
        assert "…" not in facts, facts                                   # nothing of the facts cut


async def test_a_small_resize_changes_widths_in_place_and_redraws_the_bars(journal_path) -> None:
    await build_journal(journal_path)
    async with running_app(journal_path, size=(120, 40)) as (app, pilot):
        table = app.screen.table
        cursor_to(app, 3)
        keys = [c.key for c in table.columns_shown]
        bar = table.columns["progress"].width
        await pilot.resize_terminal(121, 40)
        await pilot.pause()
        assert [c.key for c in table.columns_shown] == keys                  # the same columns, wider
        assert table.columns["progress"].width == bar + 1
        assert table.get_cell("1", "progress").plain == "█" * (bar + 1 - 5) + " 100%"   # drawn for its width
        assert table.row_count == 5 and table.cursor_key() == 3
        text = _table(screen_lines(app))
        assert text.count("20,000/20,000") == 4 and "…" not in text, text


async def test_a_28_character_custom_id_shows_whole_in_the_batch_view_at_120(journal_path) -> None:
    from drilldown_journal import add_batch, new_journal, result_for

    from tui.screens.batch import BatchScreen

    await new_journal(journal_path)
    long_id = "support-tickets-triage-{:05d}".format
    add_batch(journal_path, 1, 30, with_requests=False,
              result=lambda i: {**result_for(i, "succeeded"), "custom_id": long_id(i)})
    async with running_app(journal_path, size=(120, 40)) as (app, pilot):
        await app.push_screen(BatchScreen(1))
        await wait_until(pilot, lambda: long_id(0) in "\n".join(screen_lines(app)), "the first custom_id, whole")
        assert long_id(1) in "\n".join(screen_lines(app))
