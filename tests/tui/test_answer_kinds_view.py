"""Every block kind of a real-shaped answer (made by the emulator's answer code) reads in the request view at
80×24: thinking collapsed until `t` or a click, redacted thinking as a one-line note, tool inputs as JSON,
web search results as a list and cited text with its numbered sources, and a block kind no version of the
API has sent yet shown raw instead of failing. A snapshot of each.

Regenerate after an intended change: `pytest tests/tui/test_answer_kinds_view.py --snapshot-update`.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from answer_kinds_journal import write_journal

from tests.drilldown_journal import T0
from tests.tui.harness import open_screen, press, running_app, screen_lines, screen_text, settle
from tui.app import make_app
from tui.core.clock import FixedClock
from tui.screens.request import RequestScreen

SIZE = (80, 24)


@pytest.fixture
async def journal_file(journal_path):
    await write_journal(journal_path)
    return journal_path


async def read_all(pilot, app) -> str:
    """Everything the response pane shows, page by page from its top to its end, as a user scrolls it."""
    pane = app.screen.query_one("#result-pane")
    pane.scroll_home(animate=False)
    await settle(pilot)
    pages = [screen_text(app)]
    while pane.scroll_y < pane.max_scroll_y:
        await press(pilot, "pagedown")
        pages.append(screen_text(app))
    return "\n".join(pages)


async def test_thinking_is_one_line_until_t_or_a_click(journal_file):
    async with running_app(journal_file, size=SIZE) as (app, pilot):
        screen = await open_screen(pilot, RequestScreen(1, "thinking"))
        shown = screen_text(app)
        assert "▸ thinking" in shown and "t or a click shows it" in shown
        assert "The question is about" not in shown
        assert "▍redacted thinking  encrypted, not readable (600 characters)" in shown
        await press(pilot, "t")
        assert screen.show_thinking and "The question is about “Why do leaves change colour" in screen_text(app)
        await press(pilot, "t")
        assert "The question is about" not in screen_text(app)
        row, text = next((i, text) for i, text in enumerate(screen_lines(app)) if "▸ thinking" in text)
        await pilot.click(offset=(text.index("▸ thinking") + 3, row))   # a click on the collapsed line
        await settle(pilot)
        assert screen.show_thinking and "The question is about" in screen_text(app)


async def test_tool_use_input_reads_as_json(journal_file):
    async with running_app(journal_file, size=SIZE) as (app, pilot):
        await open_screen(pilot, RequestScreen(1, "tool"))
        shown = await read_all(pilot, app)
        assert "stop_reason tool_use" in shown and "I'll use the get_weather tool to answer this." in shown
        assert "▍tool use  get_weather  id toolu_01" in shown
        for line in ('"city": "example city",', '"unit": "', '"days": 1'):
            assert line in shown, line


async def test_web_search_reads_as_results_and_cited_text_with_sources(journal_file):
    async with running_app(journal_file, size=SIZE) as (app, pilot):
        await open_screen(pilot, RequestScreen(1, "search"))
        shown = await read_all(pilot, app)
        assert "1 web search" in shown   # usage.server_tool_use.web_search_requests
        assert "▍server tool use  web_search  id srvtoolu_01" in shown
        assert '"query": "What did the latest IPCC report say about sea levels?"' in shown
        assert "▍web search results  3 results for srvtoolu_01" in shown
        assert "• Frequently asked questions (www.nature.com)  2 weeks ago" in shown
        assert "[1]" in shown and "sources" in shown
        assert "[1] Frequently asked questions (www.nature.com)" in shown
        assert "https://www.nature.com/wiki/" in shown


async def test_an_unknown_block_kind_is_shown_raw(journal_file):
    async with running_app(journal_file, size=SIZE) as (app, pilot):
        await open_screen(pilot, RequestScreen(1, "unknown"))
        shown = await read_all(pilot, app)
        assert "Here is something no client has seen:" in shown
        assert "▍hologram_2027  a kind this version does not know, shown as JSON" in shown
        assert '"codec": "lightfield",' in shown and '"frames": 3,' in shown


# -- snapshots ------------------------------------------------------------------------------------------------

@pytest.fixture
def snapshot_app(tmp_path: Path):
    path = tmp_path / "journal" / "journal.sqlite"
    path.parent.mkdir(parents=True)
    asyncio.run(write_journal(path))
    return make_app(journal_path=path, api_key="k", base_url="http://127.0.0.1:9", clock=FixedClock(T0), poll=False)


def _request(custom_id: str, *keys: str):
    async def run(pilot) -> None:
        await pilot.app.ready.wait()
        await settle(pilot)
        await open_screen(pilot, RequestScreen(1, custom_id))
        await press(pilot, *keys)

    return run


@pytest.mark.parametrize(("custom_id", "keys"), [("thinking", ()), ("tool", ("pagedown",)),
                                                  ("search", ("pagedown",)), ("unknown", ("pagedown",))],
                         ids=["thinking", "tool_use", "web_search", "unknown_block"])
def test_snapshot(snap_compare, snapshot_app, custom_id, keys):
    assert snap_compare(snapshot_app, terminal_size=SIZE, run_before=_request(custom_id, *keys))


def test_hostile_citations_search_results_and_block_kinds_are_shown_safely():
    from tui.widgets.response_view import result_view

    evil = "\x1b[2J\x1b]0;pwned\x07 \u202eevil"
    content = [
        {"type": "text", "text": "Claim.", "citations": [
            {"type": "web_search_result_location", "url": f"https://x.test/{evil}", "title": evil,
             "cited_text": "c", "encrypted_index": "i"},
            "not an object", {"type": "char_location", "document_title": None, "start_char_index": 3}]},
        {"type": "text", "text": "More.", "citations": "not a list"},
        {"type": "web_search_tool_result", "tool_use_id": "srvtoolu_1", "content": [
            {"type": "web_search_result", "title": evil, "url": evil, "page_age": evil, "encrypted_content": "x"},
            "junk"]},
        {"type": "web_search_tool_result", "tool_use_id": "srvtoolu_2",
         "content": {"type": "web_search_tool_result_error", "error_code": "max_uses_exceeded"}},
        {"type": evil, "x": 1},
        {"type": "thinking"}, {"type": "redacted_thinking", "data": 5},
    ]
    raw = {"custom_id": "x", "result": {"type": "succeeded", "message": {
        "model": "m", "id": "i", "stop_reason": "pause_turn", "content": content,
        "usage": {"input_tokens": 1, "output_tokens": 2, "server_tool_use": {"web_search_requests": 3},
                  "cache_creation": {"ephemeral_1h_input_tokens": 4}, "inference_geo": evil}}}}
    plain = result_view(raw, None, True).plain
    for ch in ("\x1b", "\x07", "\u202e"):
        assert ch not in plain
    assert "Claim.[1][2]" in plain and "More." in plain
    assert "[1] ␛[2J␛]0;pwned␇ <U+202E>evil" in plain and "https://x.test/␛[2J" in plain
    assert "the search failed: max_uses_exceeded" in plain
    assert "3 web searches" in plain and "(1h 4)" in plain
    assert "▍␛[2J␛]0;pwned␇ <U+202E>evil  a kind this version does not know" in plain
