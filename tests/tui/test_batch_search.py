"""`/` and `s` in the batch view, on a batch submitted and ingested for real (core submit and ingest against the
emulator), then the real app: a search finds requests by their prompt (system or user text), by their answer's
full text past the 200-character preview, and by custom_id; `stop:`, `model:` and `error:` filter; `s` sorts by
custom_id with numbers by value, tokens and cost, shown on the screen, and paging keeps the order."""

from __future__ import annotations

import re
import sqlite3

import anthropic
import orjson
import pytest

from tests.tui.harness import open_screen, press, running_app, screen_text, type_text
from tui.core.journal.batches import apply_server_state
from tui.core.journal.connection import Journal
from tui.core.poll.ingest import ingest
from tui.core.submit.check import plan_from_requests
from tui.core.submit.send import submit
from tui.screens.batch import BatchScreen
from tui.screens.request import RequestScreen
from tui.widgets.request_table import WINDOW

N = 420   # more than one window (300 rows): paging is part of every order


def _params(i: int) -> dict:
    """Every 4th user prompt asks for a refund; every 4th (others) has it only in its system prompt, which the
    emulator's answer does not quote; every 5th stops at max_tokens; haiku and sonnet alternate."""
    params: dict = {"model": "claude-haiku-4-5" if i % 2 else "claude-sonnet-4-5",
                    "max_tokens": 4 if i % 5 == 0 else 400,
                    "messages": [{"role": "user", "content": f"Customer {i} wants a refund for order {i}."
                                  if i % 4 == 0 else f"Where is parcel {i}?"}]}
    if i % 4 == 1:
        params["system"] = [{"type": "text", "text": "Mention the refund policy."}]
    return params


@pytest.fixture
async def ingested(journal_path, emulator_factory):
    """The batch's local id; requests `sdk-0` .. `sdk-419` (not zero-padded), about 10% errored."""
    async with emulator_factory(fail_requests=0.1, seed=11) as emu:
        items = [(f"sdk-{i}", orjson.dumps(_params(i))) for i in range(N)]
        journal = await Journal.open(journal_path)
        try:
            async with anthropic.AsyncAnthropic(api_key="k", base_url=emu.base_url) as client:
                [row] = await submit(journal, client, plan_from_requests(items, source="tickets.jsonl"),
                                     label="tickets")
                ended = await emu.wait_until_ended(row.id)
                async with journal.transaction():
                    await apply_server_state(journal, row.local_id, ended)
                report = await ingest(journal, client, row.local_id)
                assert report.complete
        finally:
            await journal.close()
    return row.local_id


def _rows(journal_path) -> dict[str, dict]:
    """What the journal holds per custom_id: the request's params, the result line and columns."""
    con = sqlite3.connect(journal_path)
    try:
        out = {cid: {"params": orjson.loads(p)} for cid, p in con.execute("SELECT custom_id, params FROM requests")}
        for cid, raw, rtype, stop, model, etype, cost, tokens in con.execute(
                "SELECT custom_id, raw, result_type, stop_reason, model, error_type, cost_usd,"
                " COALESCE(input_tokens, 0) + COALESCE(output_tokens, 0) + COALESCE(cache_creation_input_tokens, 0)"
                " + COALESCE(cache_read_input_tokens, 0) FROM results"):
            out[cid].update(line=orjson.loads(raw), type=rtype, stop=stop, model=model, error=etype, cost=cost,
                            tokens=tokens)
        return out
    finally:
        con.close()


def _answer(row: dict) -> str:
    if row.get("type") != "succeeded":
        return ""
    return " ".join(b["text"] for b in row["line"]["result"]["message"]["content"] if b.get("type") == "text")


def _prompt(row: dict) -> str:
    params = row["params"]
    system = params.get("system") or []
    return " ".join([*(b["text"] for b in system), *(m["content"] for m in params["messages"])])


def _words(text: str) -> list[str]:
    return re.findall(r"[^\W_]+", text.lower())


def _natural(cid: str) -> tuple[str, int]:
    return "", int(cid.removeprefix("sdk-"))


async def _search(pilot, text: str) -> None:
    await press(pilot, "slash", "ctrl+a", "ctrl+k")
    await type_text(pilot, text)
    await press(pilot, "enter")


async def _all_rows(pilot, screen: BatchScreen) -> list[str]:
    """Every row of the filter, in the table's order: the window, then page by page with pagedown to the end."""
    table = screen.table
    total = screen.counts[screen.filter]
    seen = {table.window_start + k: r.custom_id for k, r in enumerate(table.window)}
    for _ in range(total):
        if table.at_end and table.cursor_position() == total - 1:
            break
        await press(pilot, "pagedown")
        seen.update({table.window_start + k: r.custom_id for k, r in enumerate(table.window)})
    assert sorted(seen) == list(range(total)), "the windows cover every position once"
    return [seen[k] for k in range(total)]


async def test_slash_finds_requests_by_prompt_and_by_answer_past_the_preview(journal_path, ingested):
    rows = _rows(journal_path)
    refund = sorted((cid for cid, r in rows.items() if "refund" in _words(_prompt(r) + " " + _answer(r))),
                    key=_natural)
    only_system = [cid for cid, r in rows.items() if cid in refund and int(cid[4:]) % 4 == 1]
    assert only_system and all("refund" not in (_answer(r)) for cid, r in rows.items() if cid in only_system)
    # a word of the answers that some answer has only past its first 200 characters (never in a prompt)
    late = {w for r in rows.values() for w in _words(_answer(r)[200:])
            if w not in _words(_answer(r)[:200]) and len(w) > 6} - {w for r in rows.values() for w in _words(_prompt(r))}
    word = sorted(late)[0]
    by_answer = {cid for cid, r in rows.items() if any(w.startswith(word) for w in _words(_answer(r)))}
    past_preview = {cid for cid in by_answer if word not in _words(_answer(rows[cid])[:200])}
    assert past_preview
    async with running_app(journal_path, size=(160, 40)) as (app, pilot):
        screen = await open_screen(pilot, BatchScreen(ingested))
        await _search(pilot, "refund")
        assert screen.counts["all"] == len(refund)
        assert "Clear search" in screen_text(app)   # the footer follows the search
        assert {r.custom_id for r in screen.table.window} == set(refund)
        assert set(only_system) <= {r.custom_id for r in screen.table.window}   # by the system prompt alone
        await _search(pilot, word)
        assert screen.counts["all"] == len(by_answer)
        assert past_preview <= {r.custom_id for r in screen.table.window}
        await _search(pilot, "sdk-41")   # the custom_id as typed
        assert sorted(r.custom_id for r in screen.table.window) == sorted(
            cid for cid in rows if "sdk-41" in cid)
        await press(pilot, "escape")
        assert screen.search is None and screen.counts["all"] == N


async def test_slash_filters_by_stop_reason_model_and_error_type(journal_path, ingested):
    rows = _rows(journal_path)
    errors = {r["error"] for r in rows.values() if r.get("error")}
    assert "overloaded_error" in errors or "api_error" in errors
    error = "overloaded" if "overloaded_error" in errors else "api"
    cases = {
        "stop:max_tokens": lambda r: r.get("stop") == "max_tokens",
        "model:haiku": lambda r: "haiku" in (r.get("model") or ""),
        f"error:{error}": lambda r: error in (r.get("error") or ""),
        "stop:max_tokens model:haiku refund": lambda r: r.get("stop") == "max_tokens" and "haiku" in r["model"]
        and "refund" in _words(_prompt(r) + " " + _answer(r)),
    }
    async with running_app(journal_path, size=(160, 40)) as (app, pilot):
        screen = await open_screen(pilot, BatchScreen(ingested))
        for typed, wanted in cases.items():
            await _search(pilot, typed)
            expected = sorted(cid for cid, r in rows.items() if wanted(r))
            assert expected, typed
            assert screen.counts["all"] == len(expected), typed
            assert sorted(r.custom_id for r in screen.table.window) == expected, typed
        await press(pilot, "f", "f")   # errored: the type filter and the search together
        assert screen.filter == "errored" and screen.counts["errored"] == 0   # max_tokens stops never errored


async def test_s_sorts_by_number_tokens_and_cost_with_paging(journal_path, ingested):
    rows = _rows(journal_path)
    by_number = sorted(rows, key=_natural)
    assert sorted(rows) != by_number   # as stored, sdk-10 comes before sdk-2
    by_tokens = sorted(rows, key=lambda c: (-rows[c]["tokens"] if rows[c].get("type") == "succeeded" else 1, c))
    by_cost = sorted(rows, key=lambda c: (-rows[c]["cost"] if rows[c].get("cost") is not None else 1, c))
    async with running_app(journal_path, size=(160, 40)) as (app, pilot):
        screen = await open_screen(pilot, BatchScreen(ingested))
        assert [r.custom_id for r in screen.table.window] == sorted(rows)[:WINDOW]
        await press(pilot, "s")
        assert screen.sort == "natural" and "custom_id, numbers by value" in screen_text(app)
        assert [r.custom_id for r in screen.table.window][:12] == by_number[:12]
        assert await _all_rows(pilot, screen) == by_number
        await press(pilot, "enter")   # the request view walks the same order
        request = app.screen
        assert isinstance(request, RequestScreen) and request.custom_id == by_number[-1]
        await press(pilot, "p")
        assert request.custom_id == by_number[-2]
        await press(pilot, "escape")
        await press(pilot, "s")
        assert screen.sort == "tokens" and "tokens, most first" in screen_text(app)
        assert await _all_rows(pilot, screen) == by_tokens
        await press(pilot, "s")
        assert screen.sort == "cost" and "cost, most first" in screen_text(app)
        assert await _all_rows(pilot, screen) == by_cost
        await _search(pilot, "refund")   # a search keeps the order
        refund = [c for c in by_cost if "refund" in _words(_prompt(rows[c]) + " " + _answer(rows[c]))]
        assert [r.custom_id for r in screen.table.window] == refund
        await press(pilot, "s")
        assert screen.sort == "id" and "numbers by value" not in screen_text(app)
        assert [r.custom_id for r in screen.table.window] == sorted(refund)


async def test_a_search_tells_the_footer_once_and_it_shows_the_keys_that_apply(journal_path):
    """Enter in the `/` box gives focus back to the table: the footer is told once (Textual says it twice per
    change of focus, and the footer rebuilds itself each time), and it then shows the keys of the table ("Open"
    only when there is a row to open)."""
    from drilldown_journal import add_batch, new_journal

    await new_journal(journal_path)
    add_batch(journal_path, 1, 40)
    async with running_app(journal_path) as (app, pilot):
        screen = await open_screen(pilot, BatchScreen(1))
        told: list[object] = []
        screen.bindings_updated_signal.subscribe(screen, told.append)
        footer = lambda: [key.description for key in screen.query("FooterKey")]   # noqa: E731
        assert "Open" in footer()
        await press(pilot, "slash")
        assert "Open" not in footer() and len(told) == 1
        await type_text(pilot, "printer")
        told.clear()
        await press(pilot, "enter")
        assert screen.counts["all"] == 40 and len(told) == 1
        assert "Open" in footer()
        await _search(pilot, "zzz")
        assert screen.counts["all"] == 0 and "Open" not in footer()
