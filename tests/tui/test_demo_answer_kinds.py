"""`--demo` has a batch whose requests use thinking, tools and web search; its answers come back from the emulator
with every block kind, and a user reads them in the request view at 80×24."""

from __future__ import annotations

import orjson

from tests.tui.harness import screen_text, wait_until
from tui.app import make_app
from tui.demo_answers import ANSWER_KINDS
from tui.screens.request import RequestScreen


async def test_the_demo_has_a_batch_of_thinking_tools_and_web_search(journal_path):
    app = make_app(journal_path=journal_path, demo=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await app.ready.wait()
        dash = app.screen

        def kinds_batch():
            return next((r for r in dash.all_rows.values() if r.job_name == ANSWER_KINDS), None)

        async def ingested() -> bool:
            row = kinds_batch()
            if row is None or row.processing_status != "ended":
                return False
            async with app.journal.db.execute("SELECT COUNT(*) FROM results WHERE batch_local_id = ?",
                                              (row.local_id,)) as cur:
                (count,) = await cur.fetchone()
            return count == row.total

        await wait_until(pilot, ingested, "the demo's thinking/tools/web search batch to end and be read",
                         timeout=120, step=0.2)
        row = kinds_batch()
        assert row.counts.succeeded == row.total == 40
        async with app.journal.db.execute("SELECT custom_id, raw FROM results WHERE batch_local_id = ?",
                                          (row.local_id,)) as cur:
            lines = {cid: orjson.loads(raw) for cid, raw in await cur.fetchall()}
        kinds = {b["type"] for line in lines.values() for b in line["result"]["message"]["content"]}
        assert {"thinking", "text", "tool_use", "server_tool_use", "web_search_tool_result"} <= kinds
        stops = {line["result"]["message"]["stop_reason"] for line in lines.values()}
        assert {"end_turn", "tool_use"} <= stops

        thinking = min(cid for cid in lines if cid.startswith("think-"))
        await app.push_screen(RequestScreen(row.local_id, thinking))   # the poll loop runs: wait, not settle
        await wait_until(pilot, lambda: "▸ thinking" in screen_text(app), "the collapsed thinking line")
        assert "t or a click shows it" in screen_text(app) and "The question is about" not in screen_text(app)
        await pilot.press("t")
        await wait_until(pilot, lambda: "The question is about" in screen_text(app), "the thinking, shown")
