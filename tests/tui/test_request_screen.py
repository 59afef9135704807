"""The request screen: params with every block kind, responses, errors, n/p, v, y — against the real app."""

from __future__ import annotations

import pytest
from drilldown_journal import (
    add_batch,
    connect,
    custom_id,
    insert_batch,
    insert_requests,
    insert_results,
    kind_of,
    new_journal,
    params_for,
    result_for,
    rich_params,
    rich_result,
)

from textual import events

from tests.tui.harness import open_screen, press, record_notifications, running_app, screen_text, settle
from tui.screens.request import RequestScreen
from tui.widgets.response_view import params_view, result_view


@pytest.fixture
async def journal_file(journal_path):
    await new_journal(journal_path)
    add_batch(journal_path, 1, 60, label="tickets")
    con = connect(journal_path)
    with con:
        insert_batch(con, 2, n=1)
        insert_requests(con, 2, [("rich", rich_params())])
        insert_results(con, 2, [rich_result("rich")])
    con.close()
    return journal_path


def test_params_view_describes_every_block_kind():
    plain = params_view(rich_params()).plain
    for expected in ("model claude-sonnet-4-5", "max_tokens 2048", "temperature 0.2", "system",
                     "You are a careful support agent.", "tools (1)", "lookup_order — Find an order",
                     "user (1/3)", "Where is my order?", "[image: image/png, base64, 3.0 kB]",
                     "document  Invoice 7", "Invoice 7: one printer, $120.", "[document: application/pdf, base64",
                     "assistant (2/3)", "tool use  lookup_order  id toolu_01", '"number": "A-17"',
                     "tool result  for toolu_01", "shipped on Monday", "for toolu_02  (error)", "lookup failed"):
        assert expected in plain, expected
    assert "iVBORw0KGgoAAAA" not in plain  # images are described, never dumped


def test_result_view_shows_blocks_usage_cost_and_failures():
    plain = result_view(rich_result("rich"), None, True).plain
    for expected in ("succeeded", "stop_reason tool_use", "thinking", "Your order A-17 shipped on Monday.",
                     "tool use  lookup_order  id toolu_03", "input 1,200", "output 80", "cache write 10",
                     "cache read 300"):
        assert expected in plain, expected
    # thinking is collapsed until asked for (`t` or a click on the request screen)
    assert "The order shipped Monday" not in plain
    assert "The order shipped Monday" in result_view(rich_result("rich"), None, True, show_thinking=True).plain
    errored = result_view(result_for(3), None, True).plain
    assert "overloaded_error" in errored and "overloaded error on request 3" in errored
    assert "canceled before this request ran" in result_view(result_for(7), None, True).plain
    assert "24-hour expiry" in result_view(result_for(11), None, True).plain
    assert "still running" in result_view(None, None, False).plain
    assert "has ended" in result_view(None, None, True).plain


async def test_a_rich_request_reads_in_both_panes_and_v_shows_raw_json(journal_file):
    async with running_app(journal_file, size=(160, 60)) as (app, pilot):
        screen = await open_screen(pilot, RequestScreen(2, "rich"))
        shown = screen_text(app)
        assert "[image: image/png, base64" in shown and "Your order A-17 shipped on Monday." in shown
        assert "cost" in shown
        await press(pilot, "v")
        assert screen.raw_mode
        shown = screen_text(app)
        assert '"custom_id": "rich"' in shown and '"type": "thinking"' in shown
        await press(pilot, "v")
        assert not screen.raw_mode and "Your order A-17 shipped on Monday." in screen_text(app)


async def test_n_and_p_walk_the_filter_and_stop_at_its_edges(journal_file):
    errored = [custom_id(i) for i in range(60) if kind_of(i) == "errored"]
    async with running_app(journal_file) as (app, pilot):
        notes = record_notifications(app)
        screen = await open_screen(pilot, RequestScreen(1, errored[0], result_type="errored"))
        assert screen.position == 0 and screen.total == len(errored)
        assert f"1 of {len(errored)}" in screen_text(app)
        await press(pilot, "n")
        assert screen.custom_id == errored[1] and screen.position == 1
        assert f"2 of {len(errored)}" in screen_text(app) and "errored" in screen_text(app)
        await press(pilot, "p", "p")
        assert screen.custom_id == errored[0] and screen.position == 0
        assert any("first request" in n.message for n in notes)
        for _ in range(len(errored)):
            await press(pilot, "n")
        assert screen.custom_id == errored[-1]
        assert any("last request" in n.message for n in notes)


async def test_y_copies_the_response_text(journal_file):
    async with running_app(journal_file) as (app, pilot):
        notes = record_notifications(app)
        await open_screen(pilot, RequestScreen(2, "rich"))
        await press(pilot, "y")
        assert app.clipboard == "Your order A-17 shipped on Monday."
        assert any("Copied 34 characters of rich" in n.message for n in notes)
        await press(pilot, "escape")
        await open_screen(pilot, RequestScreen(1, custom_id(3)))  # errored: the error message is copied
        await press(pilot, "y")
        assert app.clipboard == result_for(3)["result"]["error"]["error"]["message"]


async def test_canceled_pending_and_adopted_requests_say_so(journal_path):
    await new_journal(journal_path)
    add_batch(journal_path, 1, 10)
    add_batch(journal_path, 2, 5, with_results=False)
    add_batch(journal_path, 3, 5, with_requests=False, adopted=True)
    async with running_app(journal_path) as (app, pilot):
        screen = await open_screen(pilot, RequestScreen(1, custom_id(7)))
        assert "canceled before this request ran" in screen_text(app)
        assert screen.check_action("copy", ()) is None  # nothing to copy: shown disabled
        await press(pilot, "escape")
        await open_screen(pilot, RequestScreen(2, custom_id(1)))
        assert "still running" in screen_text(app) and "Summarise ticket 1" in screen_text(app)
        await press(pilot, "escape")
        await open_screen(pilot, RequestScreen(3, custom_id(0)))
        assert "submitted elsewhere" in screen_text(app)
        assert params_for(0)["messages"][0]["content"] not in screen_text(app)


async def test_narrow_terminals_stack_the_panes(journal_file):
    async with running_app(journal_file, size=(80, 24)) as (app, pilot):
        screen = await open_screen(pilot, RequestScreen(2, "rich"))
        assert screen.query_one("#panes").has_class("-stacked")
        await pilot.resize_terminal(140, 40)
        await settle(pilot)
        assert not screen.query_one("#panes").has_class("-stacked")


async def test_quick_n_and_p_presses_each_move_one_request(journal_file):
    """Pressed faster than a request loads, every `n` still moves one request: none merged, none dropped."""
    errored = [custom_id(i) for i in range(60) if kind_of(i) == "errored"]
    async with running_app(journal_file) as (app, pilot):
        screen = await open_screen(pilot, RequestScreen(1, errored[0], result_type="errored"))
        for _ in range(5):
            app.post_message(events.Key("n", "n"))   # as a terminal hands them in: all at once
        await settle(pilot)
        assert screen.custom_id == errored[5] and screen.position == 5
        assert f"6 of {len(errored)}" in screen_text(app)
        for key in "ppn":
            app.post_message(events.Key(key, key))
        await settle(pilot)
        assert screen.custom_id == errored[4] and screen.position == 4
        assert errored[4] in screen_text(app)


async def test_the_keys_scroll_the_request_and_the_response_without_tab_first(journal_file):
    async with running_app(journal_file, size=(80, 16)) as (app, pilot):
        screen = await open_screen(pilot, RequestScreen(2, "rich"))
        request, response = screen.query_one("#params-pane"), screen.query_one("#result-pane")
        assert request.max_scroll_y > 3 and response.max_scroll_y > 3   # both longer than they are tall
        first = screen_text(app)

        def at() -> tuple[float, float]:
            return request.scroll_y, response.scroll_y

        for key in ("down", "j"):
            before = at()
            await press(pilot, key)
            assert at()[0] == before[0] + 1 and at()[1] == before[1] + 1, key
        await press(pilot, "k")
        assert at() == (1, 1)
        await press(pilot, "end")
        assert at() == (request.max_scroll_y, response.max_scroll_y)
        await press(pilot, "home")
        assert at() == (0, 0) and screen_text(app) == first
        await press(pilot, "pagedown")
        assert at()[0] > 1 and at()[1] > 1
        await press(pilot, "pageup")
        assert at() == (0, 0)
