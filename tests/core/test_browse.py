"""Keyset browsing of one batch: pages, filters, search, counts and positions against a brute-force model."""

from __future__ import annotations

import re

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
)

from tui.core.journal import pages
from tui.core.journal.connection import Journal
from tui.core.journal.batches import get_batch

MIXED = 1  # requests 0..49, results 10..59: 0..9 pending, 50..59 results with no stored request


@pytest.fixture
async def mixed(journal_path):
    await new_journal(journal_path)
    con = connect(journal_path)
    with con:
        insert_batch(con, MIXED, n=60)
        insert_requests(con, MIXED, ((custom_id(i), params_for(i)) for i in range(50)))
        lines = [result_for(i) for i in range(10, 60)]
        lines[5] = result_for(15, "succeeded", text="A 100% match_here, Printer")
        insert_results(con, MIXED, lines)
    con.close()
    j = await Journal.open(journal_path)
    yield j
    await j.close()


def _words_begin(search: str, texts: list[str]) -> bool:
    """Every word of a plain-word search begins a word of one of the texts (the full-text index's finds)."""
    words = search.lower().split()
    if not words or not all(re.fullmatch(r"[^\W_]+", w) for w in words):
        return False
    return any(all(any(t.startswith(w) for t in re.findall(r"[^\W_]+", text.lower())) for w in words)
               for text in texts)


def model(result_type: str | None, search: str | None) -> list[str]:
    """What the filter should show, computed the slow way. Plain words: in the custom_id as typed, or each word
    beginning a word of the request's text or of the answer's text. Anything else: as typed in the custom_id, the
    answer's first 200 characters or the error type."""
    out = []
    for i in range(60):
        kind = kind_of(i) if i >= 10 else None
        text = ("A 100% match_here, Printer" if i == 15 else
                result_for(i)["result"].get("message", {}).get("content", [{}])[0].get("text")
                if kind == "succeeded" else
                result_for(i)["result"]["error"]["error"]["message"] if kind == "errored" else None)
        etype = result_for(i)["result"]["error"]["error"]["type"] if kind == "errored" else None
        if result_type not in (None, "all") and kind != result_type:
            continue
        if search:
            s = search.lower()
            hay = [custom_id(i)] + ([(text or "")[:200], etype or ""] if kind else [])
            request = params_for(i) if i < 50 else None
            texts = ([f"{request['system']} {request['messages'][0]['content']}"] if request else []) + \
                ([f"{etype or ''} {text or ''}"] if kind else [])
            plain = all(re.fullmatch(r"[^\W_]+", w) for w in s.split())
            if plain and not (s in custom_id(i) or _words_begin(search, texts)):
                continue
            if not plain and not any(s in h.lower() for h in hay):
                continue
        out.append(custom_id(i))
    return out


FILTERS = [None, "succeeded", "errored", "canceled", "expired"]
SEARCHES = [None, "printer", "00003", "100%", "match_", "overloaded", "zzz", "summar", "ticket 12", "floor jam", "rinter", "tech",
            "invalid_request"]


@pytest.mark.parametrize("result_type", FILTERS)
@pytest.mark.parametrize("search", SEARCHES)
async def test_pages_counts_and_positions_match_the_model(mixed, result_type, search):
    expected = model(result_type, search)
    # forward by keyset, 7 at a time
    seen, after = [], None
    while True:
        rows = await pages.page(mixed, MIXED, after=after, limit=7, result_type=result_type, search=search)
        seen += [r.custom_id for r in rows]
        if len(rows) < 7:
            break
        after = rows[-1].custom_id
    assert seen == expected
    # backward from the end
    back, before = [], None
    rows = await pages.page(mixed, MIXED, from_end=True, limit=7, result_type=result_type, search=search)
    while rows:
        back = [r.custom_id for r in rows] + back
        rows = await pages.page(mixed, MIXED, before=rows[0].custom_id, limit=7,
                                 result_type=result_type, search=search)
    assert back == expected
    counts = await pages.counts_by_type(mixed, MIXED, search)
    assert counts[result_type or "all"] == len(expected)
    assert await pages.total(mixed, MIXED, result_type, search) == len(expected)
    for index, cid in enumerate(expected):
        assert await pages.position(mixed, MIXED, cid, result_type, search) == index


async def test_rows_without_results_are_pending_and_orphans_are_kept(mixed):
    rows = await pages.page(mixed, MIXED, limit=100)
    by_id = {r.custom_id: r for r in rows}
    assert by_id[custom_id(3)].result_type is None
    assert by_id[custom_id(55)].result_type == kind_of(55)
    counts = await pages.counts_by_type(mixed, MIXED)
    assert counts["pending"] == 10 and counts["all"] == 60
    assert counts["pending"] + sum(counts[k] for k in ("succeeded", "errored", "canceled", "expired")) == 60


async def test_start_reopens_a_page_at_a_key_inclusive(mixed):
    rows = await pages.page(mixed, MIXED, start=custom_id(20), limit=3)
    assert [r.custom_id for r in rows] == [custom_id(20), custom_id(21), custom_id(22)]


async def test_search_is_literal_for_like_wildcards(mixed):
    assert [r.custom_id for r in await pages.page(mixed, MIXED, search="100%")] == [custom_id(15)]
    assert [r.custom_id for r in await pages.page(mixed, MIXED, search="ch%re")] == []
    assert [r.custom_id for r in await pages.page(mixed, MIXED, search="ch_h")] == [custom_id(15)]
    assert [r.custom_id for r in await pages.page(mixed, MIXED, search="c__h")] == []


async def test_error_summary_counts_error_types(mixed):
    summary = await pages.error_summary(mixed, MIXED)
    errored = [i for i in range(10, 60) if kind_of(i) == "errored"]
    assert sum(n for _, n in summary) == len(errored)
    assert [n for _, n in summary] == sorted((n for _, n in summary), reverse=True)
    assert {t for t, _ in summary} <= {"overloaded_error", "invalid_request_error", "api_error"}


async def test_neighbours_follow_the_filter(mixed):
    errored = model("errored", None)
    nxt = await pages.neighbour(mixed, MIXED, errored[0], +1, "errored")
    assert nxt is not None and nxt.custom_id == errored[1]
    prev = await pages.neighbour(mixed, MIXED, errored[1], -1, "errored")
    assert prev is not None and prev.custom_id == errored[0]
    assert await pages.neighbour(mixed, MIXED, errored[0], -1, "errored") is None
    assert await pages.neighbour(mixed, MIXED, errored[-1], +1, "errored") is None


async def test_request_detail_returns_params_raw_and_row(mixed):
    params, raw, row = await pages.request_detail(mixed, MIXED, custom_id(12))
    assert params == params_for(12)
    assert raw == result_for(12)
    assert row.result_type == kind_of(12)
    params, raw, row = await pages.request_detail(mixed, MIXED, custom_id(2))  # pending
    assert params == params_for(2) and raw is None and row.result_type is None
    params, raw, row = await pages.request_detail(mixed, MIXED, custom_id(57))  # no stored request
    assert params is None and raw == result_for(57)
    assert await pages.request_detail(mixed, MIXED, "nope") == (None, None, None)


async def test_retry_family_links_parent_and_children(journal_path):
    await new_journal(journal_path)
    add_batch(journal_path, 1, 5, batch_id="msgbatch_parent")
    add_batch(journal_path, 2, 2, batch_id="msgbatch_child1", parent_id="msgbatch_parent")
    add_batch(journal_path, 3, 1, batch_id="msgbatch_child2", parent_id="msgbatch_parent")
    j = await Journal.open(journal_path)
    try:
        parent, children = await pages.retry_family(j, await get_batch(j, 1))
        assert parent is None and [c.id for c in children] == ["msgbatch_child1", "msgbatch_child2"]
        parent, children = await pages.retry_family(j, await get_batch(j, 2))
        assert parent.id == "msgbatch_parent" and children == []
    finally:
        await j.close()


async def test_an_adopted_batch_has_only_results(journal_path):
    await new_journal(journal_path)
    add_batch(journal_path, 1, 30, with_requests=False, adopted=True)
    j = await Journal.open(journal_path)
    try:
        counts = await pages.counts_by_type(j, 1)
        assert counts["all"] == 30 and counts["pending"] == 0
        rows = await pages.page(j, 1, from_end=True, limit=5)
        assert [r.custom_id for r in rows] == [custom_id(i) for i in range(25, 30)]
        assert await pages.position(j, 1, custom_id(25)) == 25
    finally:
        await j.close()
