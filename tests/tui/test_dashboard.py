"""The dashboard driven by Pilot on the real app, a real journal and the emulator over loopback HTTP."""

from __future__ import annotations

import dataclasses
from contextlib import asynccontextmanager

from tests.builders import batch_items
from tests.core.action_helpers import submit_items
from tests.tui.harness import record_notifications, running_app, wait_until
from tui.core.journal.batches import list_batches
from tui.screens.dashboard import SORTS, DashboardScreen
from tui.screens.help import HelpScreen


async def submit_to(journal_path, client, emu, label: str, its, *, request_ms: float = 1.0) -> int:
    """Submit through the core path; `request_ms` sets how long each request takes on the emulator."""
    emu.config = dataclasses.replace(emu.config, request_ms=request_ms)
    return (await submit_items(journal_path, client, its, label)).local_id


@asynccontextmanager
async def dashboard(journal_path, emu, *, poll: bool = False, size=(120, 36)):
    async with running_app(journal_path, emu, poll=poll, size=size) as (app, pilot):
        screen = app.screen
        assert isinstance(screen, DashboardScreen)
        await wait_until(pilot, lambda: screen.loaded, "the dashboard's rows")
        yield app, pilot, screen


def order(screen: DashboardScreen) -> list[int]:
    table = screen.table
    return [int(table.coordinate_to_cell_key((i, 0)).row_key.value) for i in range(table.row_count)]


def cell(screen: DashboardScreen, local_id: int, column: str) -> str:
    return screen.table.get_cell(str(local_id), column).plain


async def test_rows_appear_and_update_in_place_when_a_batch_ends(journal_path, client, emulator):
    slow = await submit_to(journal_path, client, emulator, "slow-one", batch_items("s", 4, invalid=2), request_ms=400)
    quick = await submit_to(journal_path, client, emulator, "quick-one", batch_items("q", 3), request_ms=1)
    async with dashboard(journal_path, emulator, poll=True) as (app, pilot, screen):
        notes = record_notifications(app)
        await wait_until(pilot, lambda: set(screen.table.shown_ids()) == {slow, quick})
        table = screen.table
        removed, bells = [], []
        table.remove_row = lambda key: removed.append(key)          # a rebuild would remove rows
        table.clear = lambda *a, **k: removed.append("clear")
        app.bell = lambda: bells.append(1)
        assert cell(screen, slow, "status").endswith("running")
        assert cell(screen, slow, "done") == "0/6"
        await emulator.wait_until_ended(emulator.batch_ids()[1])    # newest first: [quick, slow]
        await pilot.press("R")                                      # poll now instead of waiting
        await wait_until(pilot, lambda: cell(screen, slow, "status").endswith("errors"))
        assert cell(screen, slow, "done") == "6/6" and cell(screen, slow, "errored") == "2"
        assert cell(screen, slow, "progress").endswith("100%")
        assert set(table.shown_ids()) == {slow, quick} and removed == []
        assert bells, "a batch that ends rings the bell"
        assert any("slow-one" in n.message and "2 errored" in n.message for n in notes)
        # the header totals follow
        totals = screen.query_one("#totals").render().plain
        assert "0 running" in totals and "2 ended" in totals and "9/9 done" in totals and "2 errors" in totals
        # and the poller ingested the results into the journal
        await wait_until(pilot, lambda: screen.all_rows[slow].results_ingested == 6)


async def test_filter_by_name_id_and_status(journal_path, client, emulator):
    a = await submit_to(journal_path, client, emulator, "alpha-run", batch_items("a", 2))
    b = await submit_to(journal_path, client, emulator, "beta-run", batch_items("b", 2, invalid=1))
    c = await submit_to(journal_path, client, emulator, "gamma-run", batch_items("c", 2), request_ms=60_000)
    await emulator.wait_until_ended(emulator.batch_ids()[1])
    async with dashboard(journal_path, emulator) as (app, pilot, screen):
        await pilot.press("R")
        await wait_until(pilot, lambda: cell(screen, b, "status").endswith("errors"))
        filter_box = screen.query_one("#filter")
        assert not filter_box.display
        await pilot.press("slash")
        assert filter_box.display and filter_box.has_focus
        await pilot.press(*"beta")
        assert screen.table.shown_ids() == [b]
        assert "showing 1 of 3" in screen.query_one("#totals").render().plain
        await pilot.press("enter")                       # keeps the filter, back to the table
        assert screen.table.has_focus and screen.table.shown_ids() == [b]
        await pilot.press("escape")                      # clears it
        assert sorted(screen.table.shown_ids()) == sorted([a, b, c]) and not filter_box.display
        await pilot.press("slash", *"running")           # by status
        assert screen.table.shown_ids() == [c]
        await pilot.press("escape")
        short = screen.all_rows[a].id[-8:]               # by the short id shown in the table
        await pilot.press("slash", *short, "enter")
        assert screen.table.shown_ids() == [a]
        await pilot.press("slash")
        filter_box.value = "nothing-matches"
        await pilot.pause()
        assert screen.table.row_count == 0 and screen.query_one("#empty").display


async def test_sort_cycles_and_keeps_the_cursor_on_its_batch(journal_path, client, emulator):
    ids = [await submit_to(journal_path, client, emulator, name, batch_items(name[0], n, invalid=bad))
           for name, n, bad in (("b-second", 2, 0), ("a-first", 1, 3), ("c-third", 5, 1))]
    await emulator.wait_until_ended(emulator.batch_ids()[0])
    async with dashboard(journal_path, emulator) as (app, pilot, screen):
        await pilot.press("R")
        await wait_until(pilot, lambda: all(r.processing_status == "ended" for r in screen.all_rows.values()))
        assert order(screen) == list(reversed(ids))      # newest first
        screen.table.move_to(ids[1])
        seen = []
        for _ in SORTS:
            await pilot.press("s")
            seen.append(SORTS[screen.sort_index][0])
            expected = [r.local_id for r in sorted(screen.all_rows.values(), key=SORTS[screen.sort_index][1])]
            assert order(screen) == expected
            assert screen.table.cursor_key() == ids[1]
        assert seen[-1] == "newest" and len(set(seen)) == len(SORTS)
        await pilot.press("s", "s")                      # "name"
        assert SORTS[screen.sort_index][0] == "name" and order(screen) == [ids[1], ids[0], ids[2]]
        await pilot.press("s", "s")                      # "errors": most errors first
        assert order(screen)[0] == ids[1]


async def test_space_marks_rows_for_bulk_actions(journal_path, client, emulator):
    ids = [await submit_to(journal_path, client, emulator, f"m{i}", batch_items(f"m{i}", 1)) for i in range(3)]
    async with dashboard(journal_path, emulator) as (app, pilot, screen):
        newest, middle, oldest = ids[2], ids[1], ids[0]
        assert screen.table.cursor_key() == newest
        assert screen.selected_batches() == [screen.all_rows[newest]]   # nothing marked: the cursor row
        await pilot.press("space")
        assert screen.marked == {newest} and screen.table.cursor_key() == middle
        await pilot.press("j", "space")
        assert screen.marked == {newest, oldest}
        assert cell(screen, newest, "mark") == "●" and cell(screen, middle, "mark") == " "
        assert [r.local_id for r in screen.selected_batches()] == [newest, oldest]
        assert "2 marked" in screen.query_one("#totals").render().plain
        await pilot.press("k", "k", "space")
        assert screen.marked == {oldest} and cell(screen, newest, "mark") == " "


async def test_refresh_key_polls_now_and_writes_the_journal(journal_path, client, emulator):
    lid = await submit_to(journal_path, client, emulator, "r-batch", batch_items("r", 2))
    await emulator.wait_until_ended(emulator.batch_ids()[0])
    async with dashboard(journal_path, emulator) as (app, pilot, screen):
        assert cell(screen, lid, "status").endswith("running")  # the journal's last word, no poll yet
        await pilot.press("R")
        await wait_until(pilot, lambda: cell(screen, lid, "status").endswith("done"))
        rows = await list_batches(app.journal)
        assert rows[0].processing_status == "ended" and rows[0].last_polled_at is not None


async def test_help_lists_every_key_and_escape_closes(journal_path, client, emulator):
    async with dashboard(journal_path, emulator) as (app, pilot, screen):
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        described = {description for _, _, description in app.screen.rows}
        for words in ("Filter", "Sort", "Mark", "Poll", "Open", "Quit", "Help"):
            assert words in described, words
        keys = {key for _, key, _ in app.screen.rows}
        assert {"/", "s", "space", "R", "?", "q", "ctrl+p"} <= keys, keys
        assert any(note.startswith("Prices checked") for note in app.screen.notes)
        await pilot.press("escape")
        assert app.screen is screen


async def test_every_key_is_in_the_command_palette(journal_path, client, emulator):
    await submit_to(journal_path, client, emulator, "p", batch_items("p", 1))
    async with dashboard(journal_path, emulator) as (app, pilot, screen):
        titles = {command.title for command in app.get_system_commands(screen)}
        assert {"Filter", "Sort", "Mark", "Poll", "Help", "Quit", "Open"} <= titles
        palette = [c for c in app.get_system_commands(screen) if c.title == "Sort"][0]
        before = screen.sort_index
        palette.callback()
        await pilot.pause()
        assert screen.sort_index == before + 1


async def test_q_quits_from_the_dashboard_and_goes_back_elsewhere(journal_path, client, emulator):
    from textual.screen import Screen

    async with dashboard(journal_path, emulator) as (app, pilot, screen):
        await app.push_screen(Screen())
        await pilot.press("q")
        assert app.screen is screen and app.is_running
        await pilot.press("q")
        await pilot.pause()
        assert not app.is_running


async def test_columns_follow_the_terminal_width(journal_path, client, emulator):
    await submit_to(journal_path, client, emulator, "w", batch_items("w", 1))
    important = {"mark", "status", "name", "progress", "errored"}
    async with dashboard(journal_path, emulator, size=(80, 24)) as (app, pilot, screen):
        narrow = {c.key for c in screen.table.columns_shown}
        assert important <= narrow and not {"age", "created"} & narrow
        assert sum(col.get_render_width(screen.table) for col in screen.table.columns.values()) <= 80
        await pilot.resize_terminal(200, 60)
        await pilot.pause()
        wide = {c.key for c in screen.table.columns_shown}
        assert narrow | {"age", "created", "succeeded", "canceled", "expired"} <= wide
        # the spare width goes to the bar (up to 30) and the rest to the name: the table fills the terminal
        assert screen.table.columns["progress"].width == 30
        assert sum(col.get_render_width(screen.table) for col in screen.table.columns.values()) == 200 - 2
        assert screen.table.row_count == 1


async def test_hostile_label_renders_literally(journal_path, client, emulator):
    label = "[bold]x[/end] \x1b[2J\x1b]0;title\x07 ‮evil"
    lid = await submit_to(journal_path, client, emulator, label, batch_items("h", 1))
    async with dashboard(journal_path, emulator) as (app, pilot, screen):
        name = cell(screen, lid, "name")
        assert "[bold]x[/end]" in name and "\x1b" not in name and "␛[2J" in name and "\u202e" not in name
        await pilot.press("slash", *"[/end]")
        assert screen.table.shown_ids() == [lid]


async def test_poll_failure_is_a_quiet_status_line(journal_path, client, emulator):
    lid = await submit_to(journal_path, client, emulator, "orphan", batch_items("o", 1), request_ms=60_000)
    await emulator.stop()                               # the server goes away
    async with dashboard(journal_path, emulator, poll=True, size=(80, 24)) as (app, pilot, screen):
        await wait_until(pilot, lambda: app.status[1])
        assert "poll" in app.status[0] or "reach" in app.status[0].lower()
        assert screen.query_one("#status").has_class("-error")
        assert app.screen is screen and app.is_running         # no modal, no crash
        assert screen.table.shown_ids() == [lid]


async def test_keys_that_cannot_apply_are_hidden(journal_path, emulator):
    async with dashboard(journal_path, emulator, size=(80, 24)) as (app, pilot, screen):
        active = {b.binding.action for b in screen.active_bindings.values() if b.enabled}
        assert "select_cursor" not in active and "toggle_mark" not in active and "clear_filter" not in active
        assert {"filter", "cycle_sort", "poll_now", "help"} <= active
        assert screen.query_one("#empty").display


async def test_the_cursor_stays_on_top_as_batches_arrive_until_the_user_moves_it(journal_path, client, emulator):
    from tui.core.models import SweepResult
    from tui.messages import BatchesUpdated

    first = await submit_to(journal_path, client, emulator, "arrive-1", batch_items("a", 1))
    async with dashboard(journal_path, emulator) as (app, pilot, screen):
        async def arrive(label: str) -> int:
            local_id = await submit_to(journal_path, client, emulator, label, batch_items(label[-1], 1))
            screen.post_message(BatchesUpdated(SweepResult()))     # as the app does after a sweep
            await wait_until(pilot, lambda: local_id in screen.table.shown_ids())
            return local_id

        second = await arrive("arrive-2")
        assert order(screen) == [second, first]
        assert screen.table.cursor_key() == second         # newest first, and nobody has moved the cursor
        await pilot.press("down")
        assert screen.table.cursor_key() == first
        third = await arrive("arrive-3")
        assert order(screen) == [third, second, first]
        assert screen.table.cursor_key() == first          # now it stays on the batch the user chose
