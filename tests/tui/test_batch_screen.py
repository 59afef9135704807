"""The batch screen against the real app and a journal built directly: every key, asserting state."""

from __future__ import annotations

import pytest
from drilldown_journal import (
    add_batch,
    connect,
    custom_id,
    insert_results,
    kind_of,
    new_journal,
    result_for,
)

from tests.tui.harness import open_screen, press, running_app, screen_lines, screen_text, settle, type_text
from tui.core.models import SweepResult
from tui.core.journal.batches import get_batch
from tui.messages import BatchesUpdated
from tui.screens.batch import BatchScreen
from tui.screens.request import RequestScreen
from tui.widgets.request_table import WINDOW

N = 1000


@pytest.fixture
async def journal_file(journal_path):
    await new_journal(journal_path)
    add_batch(journal_path, 1, N, label="support tickets")
    return journal_path


def consistent(screen: BatchScreen) -> None:
    """With the `all` filter, row i is req-{i:06d}: the cursor's key must match its position."""
    table = screen.table
    assert table.cursor_key() == custom_id(table.cursor_position())
    assert table.row_count == len(table.window) <= WINDOW
    first, last = table.visible_span()
    assert first <= table.cursor_position() + 1 <= last, "the cursor's row is on screen"


async def test_opening_shows_facts_counts_rows_and_position(journal_file):
    async with running_app(journal_file) as (app, pilot):
        screen = await open_screen(pilot, BatchScreen(1))
        assert screen.counts["all"] == N and screen.counts["errored"] == sum(kind_of(i) == "errored" for i in range(N))
        assert screen.table.row_count == WINDOW and screen.table.window_start == 0
        shown = screen_text(app)
        assert "msgbatch_0001" in shown and "support tickets" in shown
        assert f"errored {screen.counts['errored']:,}" in shown
        assert f"showing 1–" in shown and f"of {N:,}" in shown
        assert "errors: " in shown and "overloaded_error" in shown
        consistent(screen)


async def test_f_cycles_the_filter_showing_counts(journal_file):
    async with running_app(journal_file) as (app, pilot):
        screen = await open_screen(pilot, BatchScreen(1))
        for expected in ("succeeded", "errored", "canceled", "expired", "all"):
            await press(pilot, "f")
            assert screen.filter == expected
            rows = screen.table.window
            assert rows, expected
            if expected != "all":
                assert {r.result_type for r in rows} == {expected}
                assert len(rows) == min(WINDOW, screen.counts[expected])
            assert f"of {screen.counts[expected]:,}" in screen_text(app)


async def test_home_end_and_paging_keep_the_window_and_cursor_consistent(journal_file):
    async with running_app(journal_file, size=(100, 30)) as (app, pilot):
        screen = await open_screen(pilot, BatchScreen(1))
        table = screen.table
        await press(pilot, "end")
        assert table.at_end and table.cursor_position() == N - 1 and table.window_start == N - WINDOW
        assert f"row {N:,}" in screen_text(app)
        consistent(screen)
        await press(pilot, "home")
        assert table.cursor_position() == 0 and table.window_start == 0
        for _ in range(20):  # well past the first window: it slides forward by pages
            await press(pilot, "pagedown")
            consistent(screen)
        assert table.window_start > 0 and table.cursor_position() > WINDOW
        for _ in range(5):
            await press(pilot, "down")
            consistent(screen)
        for _ in range(25):
            await press(pilot, "pageup")
            consistent(screen)
        assert table.cursor_position() == 0 and table.window_start == 0
        await press(pilot, "j", "j", "k")
        assert table.cursor_position() == 1


async def test_search_by_text_and_custom_id_then_escape_clears(journal_file):
    async with running_app(journal_file) as (app, pilot):
        screen = await open_screen(pilot, BatchScreen(1))
        await press(pilot, "slash")
        await type_text(pilot, "floor 3")
        await press(pilot, "enter")
        assert screen.search == "floor 3"
        # both words begin words of the request's text ("ticket 31: the printer on floor 3"), or of the answer's
        expected = [i for i in range(N) if i % 7 == 3 or str(i).startswith("3")]
        assert screen.counts["all"] == len(expected)
        assert [r.custom_id for r in screen.table.window] == [custom_id(i) for i in expected[:WINDOW]]
        assert "/ floor 3" in screen_text(app)
        await press(pilot, "slash", "ctrl+a", "ctrl+k")
        await type_text(pilot, "req-00012")  # a q typed into the box is text, not "back"
        await press(pilot, "enter")
        assert [r.custom_id for r in screen.table.window] == [custom_id(i) for i in range(120, 130)]
        await press(pilot, "escape")
        assert screen.search is None and screen.counts["all"] == N
        assert app.screen is screen
        await press(pilot, "escape")
        assert not isinstance(app.screen, BatchScreen)


async def test_enter_opens_the_request_and_escape_comes_back_following_n(journal_file):
    async with running_app(journal_file) as (app, pilot):
        screen = await open_screen(pilot, BatchScreen(1))
        await press(pilot, "f", "f")  # errored
        await press(pilot, "down")
        key = screen.table.cursor_key()
        await press(pilot, "enter")
        request = app.screen
        assert isinstance(request, RequestScreen) and request.custom_id == key
        assert request.result_type == "errored"
        await press(pilot, "n", "n")
        moved_to = request.custom_id
        assert moved_to != key and kind_of(int(moved_to[4:])) == "errored"
        await press(pilot, "escape")
        assert app.screen is screen
        assert screen.table.cursor_key() == moved_to


async def test_a_sweep_that_ingests_results_refreshes_the_rows(journal_path):
    await new_journal(journal_path)
    add_batch(journal_path, 1, 50, with_results=False)
    async with running_app(journal_path) as (app, pilot):
        screen = await open_screen(pilot, BatchScreen(1))
        assert {r.result_type for r in screen.table.window} == {None}
        assert screen.counts["pending"] == 50
        con = connect(journal_path)
        with con:
            insert_results(con, 1, (result_for(i) for i in range(50)))
            con.execute("UPDATE batches SET processing_status='ended', n_processing=0, n_succeeded=50,"
                        " ingest_state='complete', results_ingested=50 WHERE local_id=1")
        con.close()
        app.broadcast(BatchesUpdated, SweepResult(changed=[await get_batch(app.journal, 1)]))
        await settle(pilot)
        assert screen.counts["pending"] == 0
        assert {r.result_type for r in screen.table.window} == {kind_of(i) for i in range(50)}


async def test_an_adopted_batch_and_a_missing_batch_open_without_trouble(journal_path):
    await new_journal(journal_path)
    add_batch(journal_path, 1, 20, with_requests=False, adopted=True)
    async with running_app(journal_path) as (app, pilot):
        screen = await open_screen(pilot, BatchScreen(1))
        assert screen.table.row_count == 20
        assert "adopted" in screen_text(app)
        await press(pilot, "escape")
        await open_screen(pilot, BatchScreen(99))
        assert "not in the journal" in screen_text(app)


async def test_keys_are_in_the_footer_and_the_help(journal_file):
    async with running_app(journal_file) as (app, pilot):
        await open_screen(pilot, BatchScreen(1))
        footer = screen_lines(app)[-1]
        for word in ("Open", "Filter", "Search"):
            assert word in footer
        commands = {c.title for c in app.get_system_commands(app.screen)}
        assert {"Open", "Filter", "Search", "First", "Last"} <= commands  # the command palette
        await press(pilot, "question_mark")
        shown = screen_text(app)
        for word in ("Everywhere", "Batches (the dashboard)", "One batch", "Filter", "Search", "First", "Last"):
            assert word in shown                 # the keys of every screen on the stack, bottom first
        assert "One request" not in shown and "Copy response" not in shown
        await press(pilot, "escape", "enter", "question_mark")    # over a request: its keys too
        shown = screen_text(app)
        for word in ("One request", "Next", "Copy response", "Raw JSON"):
            assert word in shown


@pytest.mark.slow
async def test_a_100000_request_batch_opens_pages_to_the_end_and_filters(journal_path):
    n = 100_000
    await new_journal(journal_path)
    add_batch(journal_path, 1, n)
    async with running_app(journal_path, size=(80, 24)) as (app, pilot):
        screen = await open_screen(pilot, BatchScreen(1))
        table = screen.table
        assert screen.counts["all"] == n and table.row_count == WINDOW
        await press(pilot, "end")
        assert table.cursor_key() == custom_id(n - 1) and table.cursor_position() == n - 1
        await press(pilot, "pageup", "pageup")
        consistent(screen)
        await press(pilot, "f", "f")  # errored
        errored = screen.counts["errored"]
        assert errored == n // 10 and {r.result_type for r in table.window} == {"errored"}
        await press(pilot, "end")
        assert table.cursor_position() == errored - 1 and table.cursor_key() == custom_id(n - 7)
        await press(pilot, "home")
        assert table.cursor_key() == custom_id(3)


async def test_a_settled_batch_ignores_sweeps_about_other_batches(journal_file):
    async with running_app(journal_file) as (app, pilot):
        screen = await open_screen(pilot, BatchScreen(1))
        con = connect(journal_file)
        with con:
            con.execute("UPDATE batches SET label = 'renamed' WHERE local_id = 1")
        con.close()
        app.broadcast(BatchesUpdated, SweepResult(changed=[]))
        await settle(pilot)
        assert screen.row.label == "support tickets"  # nothing re-read
        app.broadcast(BatchesUpdated, SweepResult(changed=[await get_batch(app.journal, 1)]))
        await settle(pilot)
        assert screen.row.label == "renamed" and "renamed" in screen_text(app)


async def test_an_empty_filter_says_so_and_hides_open(journal_path):
    await new_journal(journal_path)
    add_batch(journal_path, 1, 6)  # no expired request among the first six
    async with running_app(journal_path) as (app, pilot):
        screen = await open_screen(pilot, BatchScreen(1))
        assert "Open" in screen_lines(app)[-1]
        await press(pilot, "f", "f", "f", "f")
        assert screen.filter == "expired" and screen.table.row_count == 0
        assert "no expired requests" in screen_text(app)
        assert "Open" not in screen_lines(app)[-1]


async def test_q_goes_back_one_screen_at_a_time(journal_file):
    async with running_app(journal_file) as (app, pilot):
        screen = await open_screen(pilot, BatchScreen(1))
        await press(pilot, "enter")
        assert isinstance(app.screen, RequestScreen)
        await press(pilot, "q")
        assert app.screen is screen
        await press(pilot, "q")
        assert not isinstance(app.screen, BatchScreen) and app.is_running


def test_long_custom_ids_are_cut_in_the_middle_keeping_their_distinct_end():
    from tui.widgets.request_table import id_cell

    assert id_cell("product-descriptions-00003", 16).plain == "produ…ions-00003"
    assert id_cell("req-000001", 16).plain == "req-000001"
    assert id_cell("a\x1b[2Jb" * 10, 12).plain.count("\x1b") == 0
