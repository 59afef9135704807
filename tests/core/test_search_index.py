"""The search index (migration 6, `tui.core.journal.search`): a journal made before it gets every request and
answer indexed when it is opened; the ingest's words are the ones the index is later told to remove; a forgotten
batch leaves nothing behind; filters and sorts page by keyset like the custom_id order."""

from __future__ import annotations

import sqlite3

import orjson
import pytest
from drilldown_journal import add_batch, new_journal, result_for

from tui.core.journal import pages, search
from tui.core.journal.connection import Journal
from tui.core.journal.schema import MIGRATIONS


def _old_journal(path, *, version: int = 5) -> None:
    """A journal as a program that knew `version` migrations left it: one batch, its requests and results."""
    path.parent.mkdir(mode=0o700)
    con = sqlite3.connect(path)
    for script in MIGRATIONS[:version]:
        con.executescript(script)
    con.execute(f"PRAGMA user_version = {version}")
    con.execute("INSERT INTO batches(local_id, id, processing_status, ingest_state) VALUES (1, 'msgbatch_old', "
                "'ended', 'complete')")
    prompts = {
        "sdk-1": {"system": [{"type": "text", "text": "You handle refunds."}],
                  "messages": [{"role": "user", "content": "Where is my parcel?"}]},
        "sdk-2": {"messages": [{"role": "user", "content": [{"type": "text", "text": "Hello there"}]}]},
        "sdk-3": {"messages": [{"role": "user", "content": "What is the weather?"}]},
    }
    for cid, params in prompts.items():
        con.execute("INSERT INTO requests VALUES (1, ?, ?)",
                    (cid, orjson.dumps({"model": "claude-haiku-4-5", "max_tokens": 9, **params})))
    long_answer = "Thanks for writing. " * 15 + "The refund was approved."   # beyond the 200-character preview
    for cid, text in (("sdk-1", "Your parcel is on its way."), ("sdk-2", long_answer), ("sdk-3", "Sunny.")):
        line = orjson.dumps({"custom_id": cid, "result": {"type": "succeeded", "message": {
            "content": [{"type": "text", "text": text}], "model": "claude-haiku-4-5", "stop_reason": "end_turn",
            "usage": {"input_tokens": 3, "output_tokens": 4}}}})
        con.execute("INSERT INTO results(batch_local_id, custom_id, result_type, stop_reason, model, input_tokens,"
                    " output_tokens, preview, raw) VALUES (1, ?, 'succeeded', 'end_turn', 'claude-haiku-4-5', 3, 4,"
                    " ?, ?)", (cid, text[:200], line))
    con.commit()
    con.close()


async def test_a_journal_from_before_the_index_gets_its_requests_and_answers_indexed(journal_path):
    _old_journal(journal_path)
    journal = await Journal.open(journal_path)
    try:
        found = [r.custom_id for r in await pages.page(journal, 1, search="refund")]
        # sdk-1 by its system prompt, sdk-2 by its answer past the preview; sdk-3 says neither
        assert found == ["sdk-1", "sdk-2"]
        assert (await pages.counts_by_type(journal, 1, "refund"))["all"] == 2
        assert [r.custom_id for r in await pages.page(journal, 1, search="hello")] == ["sdk-2"]
    finally:
        await journal.close()


async def test_the_ingest_words_are_the_words_the_index_removes(journal_path):
    """`answer_words` (the ingest, in Python) and the SQL the index is told to forget with give the same words."""
    await new_journal(journal_path)
    lines = [result_for(i) for i in range(6)]
    lines.append({"custom_id": "multi", "result": {"type": "succeeded", "message": {"content": [
        {"type": "thinking", "thinking": "hidden"}, {"type": "text", "text": "first"},
        {"type": "tool_use", "id": "t", "name": "x", "input": {"text": "not text"}}, {"type": "text", "text": "second"},
    ]}}})
    con = sqlite3.connect(journal_path)
    con.execute("INSERT INTO batches(local_id) VALUES (1)")
    for line in lines:
        con.execute("INSERT INTO results(batch_local_id, custom_id, result_type, error_type, error_message, raw) "
                    "VALUES (1, ?, ?, ?, ?, ?)", (line["custom_id"], line["result"]["type"],
                                                  *(_error(line)), orjson.dumps(line)))
    rows = con.execute(f"SELECT r.custom_id, r.result_type, r.error_type, r.error_message, r.raw, "
                       f"{search._ANSWER_TEXT} FROM results r ORDER BY r.rowid").fetchall()
    con.close()
    for cid, rtype, etype, emsg, raw, sql_words in rows:
        assert search.answer_text(raw, rtype, etype, emsg) == sql_words, cid
    assert rows[-1][-1] == "first second"


def _error(line: dict) -> tuple[str | None, str | None]:
    if line["result"]["type"] != "errored":
        return None, None
    inner = line["result"]["error"]["error"]
    return inner["type"], inner["message"]


async def test_forgetting_a_batch_takes_its_words_out_of_the_index(journal_path):
    await new_journal(journal_path)
    add_batch(journal_path, 1, 30)
    journal = await Journal.open(journal_path)
    try:
        async with journal.transaction() as db:
            await search.forget_batch(db, 1)
            await db.execute("DELETE FROM batches WHERE local_id = 1")
        for table in ("search_requests", "search_results"):
            async with journal.db.execute(f"SELECT COUNT(*) FROM {table} WHERE {table} MATCH 'printer'") as cur:
                assert (await cur.fetchone())[0] == 0, table
            async with journal.db.execute(f"INSERT INTO {table}({table}, rank) VALUES ('integrity-check', 0)"):
                pass
    finally:
        await journal.close()


def test_the_query_words_and_filters():
    q = search.parse("stop:max_tokens,refusal model:Haiku error:overloaded refund sort:cost policy")
    assert (q.text, q.stop, q.model, q.error, q.sort) == ("refund policy", ("max_tokens", "refusal"), ("Haiku",),
                                                          ("overloaded",), "cost")
    assert q.match() == '"refund"* AND "policy"*'
    assert search.parse("100%").match() is None and search.parse("sdk-12").match() is None
    assert search.parse("http://x").text == "http://x" and not search.parse(None)


@pytest.mark.parametrize("sort", ["id", "natural", "tokens", "cost"])
@pytest.mark.parametrize("result_type", [None, "succeeded", "errored"])
@pytest.mark.parametrize("query", [None, "printer", "stop:end_turn", "floor 3"])
async def test_every_sort_pages_by_keyset_through_the_same_rows(journal_path, sort, result_type, query):
    """Forward by `after`, back by `before`, the last page, positions: the same rows in the same order as one read."""
    await new_journal(journal_path)
    add_batch(journal_path, 1, 120, with_results=False)
    con = sqlite3.connect(journal_path)
    from drilldown_journal import insert_results

    insert_results(con, 1, (result_for(i) for i in range(100)))   # 100..119 are pending
    con.commit()
    con.close()
    journal = await Journal.open(journal_path)
    try:
        whole = await pages.page(journal, 1, limit=1000, result_type=result_type, search=query, sort=sort)
        assert len(whole) == await pages.total(journal, 1, result_type, query)
        seen, after = [], None
        while True:
            rows = await pages.page(journal, 1, after=after, limit=7, result_type=result_type, search=query,
                                    sort=sort)
            seen += rows
            if len(rows) < 7:
                break
            after = rows[-1].custom_id
        assert seen == whole
        back = await pages.page(journal, 1, from_end=True, limit=7, result_type=result_type, search=query, sort=sort)
        assert back == whole[-7:]
        if back:
            assert await pages.page(journal, 1, before=back[0].custom_id, limit=7, result_type=result_type,
                                    search=query, sort=sort) == whole[-14:-7]
        for index in (0, len(whole) // 2, len(whole) - 1) if whole else ():
            assert await pages.position(journal, 1, whole[index].custom_id, result_type, query, sort) == index
        if sort == "natural":
            assert [r.custom_id for r in whole] == sorted((r.custom_id for r in whole),
                                                          key=lambda c: int(c.rsplit("-", 1)[1]))
        if sort == "tokens":
            totals = [(r.input_tokens or 0) + (r.output_tokens or 0) if r.input_tokens is not None else -1
                      for r in whole]
            assert totals == sorted(totals, reverse=True)
        if sort == "cost":
            costs = [r.cost_usd if r.cost_usd is not None else -1 for r in whole]
            assert costs == sorted(costs, reverse=True)
    finally:
        await journal.close()


async def test_natural_order_puts_2_before_10(journal_path):
    await new_journal(journal_path)
    con = sqlite3.connect(journal_path)
    con.execute("INSERT INTO batches(local_id) VALUES (1)")
    for cid in ("sdk-10", "sdk-2", "sdk-1", "sdk-100", "other-3", "sdk-9"):
        con.execute("INSERT INTO requests VALUES (1, ?, '{}')", (cid,))
    con.commit()
    con.close()
    journal = await Journal.open(journal_path)
    try:
        rows = await pages.page(journal, 1, sort="natural")
        assert [r.custom_id for r in rows] == ["other-3", "sdk-1", "sdk-2", "sdk-9", "sdk-10", "sdk-100"]
        assert [r.custom_id for r in await pages.page(journal, 1)][:3] == ["other-3", "sdk-1", "sdk-10"]
    finally:
        await journal.close()


async def test_words_left_behind_by_a_row_deleted_elsewhere_do_not_stop_an_ingest(journal_path):
    """A results row deleted without the index (another program, an old test journal) leaves its words; the next
    row to take its rowid replaces them instead of failing the ingest's transaction."""
    await new_journal(journal_path)
    journal = await Journal.open(journal_path)
    try:
        async with journal.transaction() as db:
            await db.execute("INSERT INTO batches(local_id) VALUES (1)")
            await db.execute("INSERT INTO search_results(rowid, body) VALUES (1, 'stale words')")
            before = await search.last_result_rowid(db)
            await db.execute("INSERT INTO results(batch_local_id, custom_id, result_type, raw) "
                             "VALUES (1, 'a', 'succeeded', '{}')")
            await search.index_answers(db, 1, before, [("a", "fresh words")])
        async with journal.db.execute("SELECT rowid FROM search_results WHERE search_results MATCH 'fresh'") as cur:
            assert [tuple(r) for r in await cur.fetchall()] == [(1,)]
        async with journal.db.execute("SELECT COUNT(*) FROM search_results WHERE search_results MATCH 'stale'") as cur:
            assert (await cur.fetchone())[0] == 0
    finally:
        await journal.close()


@pytest.mark.parametrize("query", ["printer", "technician", "floor 3", "000012", "req", "zzz", "ticket 17"])
@pytest.mark.parametrize("pending", [0, 5])
async def test_word_search_counts_are_the_rows_the_pages_show(journal_path, query, pending):
    """The counts of a word search (taken from the set of its matches, with no probe of each match when no request
    waits for its result) are the tally of the rows its pages give: custom_ids containing the words (in a request,
    or in a result with no request), prompts and answers, every result type, pending rows when there are some."""
    await new_journal(journal_path)
    add_batch(journal_path, 1, 60, with_results=False)
    con = sqlite3.connect(journal_path)
    from drilldown_journal import insert_results

    extra = result_for(12)
    extra["custom_id"] = "adopted-000012"   # a result whose request is not in the journal
    insert_results(con, 1, [*(result_for(i) for i in range(60 - pending)), extra])
    con.commit()
    con.close()
    journal = await Journal.open(journal_path)
    try:
        rows = await pages.page(journal, 1, limit=1000, search=query)
        counts = await pages.counts_by_type(journal, 1, query)
        tally: dict[str, int] = {}
        for row in rows:
            tally[row.result_type or "pending"] = tally.get(row.result_type or "pending", 0) + 1
        assert counts["all"] == len(rows)
        assert {k: v for k, v in counts.items() if v and k != "all"} == tally
        if query == "000012":
            assert [r.custom_id for r in rows] == ["adopted-000012", "req-000012"]
        for result_type in ("succeeded", "errored"):
            assert await pages.total(journal, 1, result_type, query) == tally.get(result_type, 0)
    finally:
        await journal.close()


async def test_word_search_counts_follow_results_that_arrive(journal_path):
    """The counts of a search are right after each change of the journal: a result arriving (in this connection,
    as the app's ingest writes, or in another program's), and the last result row taken out again."""
    await new_journal(journal_path)
    add_batch(journal_path, 1, 10, with_results=False)
    journal = await Journal.open(journal_path)
    try:
        assert (await pages.counts_by_type(journal, 1, "printer"))["pending"] == 10
        from drilldown_journal import result_columns

        async with journal.transaction() as db:
            await db.execute("INSERT INTO results(batch_local_id, custom_id, result_type, error_type, error_message,"
                             " stop_reason, model, input_tokens, output_tokens, cache_creation_input_tokens,"
                             " cache_read_input_tokens, cost_usd, preview, raw) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                             result_columns(1, result_for(0, "succeeded")))
        counts = await pages.counts_by_type(journal, 1, "printer")
        assert (counts["pending"], counts["succeeded"], counts["all"]) == (9, 1, 10)
        con = sqlite3.connect(journal_path)
        from drilldown_journal import insert_results

        insert_results(con, 1, [result_for(i, "succeeded") for i in range(1, 10)])
        con.commit()
        counts = await pages.counts_by_type(journal, 1, "printer")
        assert (counts["pending"], counts["succeeded"]) == (0, 10)
        con.execute("DELETE FROM results WHERE rowid = (SELECT MAX(rowid) FROM results)")
        con.commit()
        con.close()
        counts = await pages.counts_by_type(journal, 1, "printer")
        assert (counts["pending"], counts["succeeded"], counts["all"]) == (1, 9, 10)
    finally:
        await journal.close()
