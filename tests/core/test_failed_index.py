"""The `results_failed` partial index (migration 4): the queries that need it use it, a journal migrated from
version 3 answers as before, and a retry family's summary matches a brute-force count."""

from __future__ import annotations

import sqlite3

from drilldown_journal import connect, custom_id, insert_batch, insert_results, kind_of, new_journal, result_for

from tui.core.journal import pages
from tui.core.journal.connection import Journal
from tui.core.journal.lineage import final_summary
from tui.core.journal.schema import MIGRATIONS, NOT_SUCCEEDED


def _plan(con: sqlite3.Connection, sql: str, args: list) -> str:
    return " | ".join(row[3] for row in con.execute("EXPLAIN QUERY PLAN " + sql, args))


async def test_failure_filters_read_the_small_index(journal_path):
    await new_journal(journal_path)
    con = connect(journal_path)
    page = (f"SELECT r.custom_id FROM results r WHERE r.batch_local_id = ? AND r.result_type = ?"
            f" AND r.{NOT_SUCCEEDED} ORDER BY r.custom_id LIMIT 5")
    assert "results_failed" in _plan(con, page, [1, "errored"])
    counts = f"SELECT result_type, COUNT(*) FROM results WHERE batch_local_id = ? AND {NOT_SUCCEEDED} GROUP BY 1"
    assert "COVERING INDEX results_failed" in _plan(con, counts, [1])
    assert con.execute("SELECT sql FROM sqlite_master WHERE name = 'results_failed'").fetchone()[0].endswith(
        f"WHERE {NOT_SUCCEEDED}")
    con.close()


async def test_a_version_3_journal_keeps_its_answers(journal_path):
    journal_path.parent.mkdir(mode=0o700)
    con = sqlite3.connect(journal_path)
    for script in MIGRATIONS[:3]:
        con.executescript(script)
    con.execute("PRAGMA user_version = 3")
    with con:
        insert_batch(con, 1, n=200)
        insert_results(con, 1, (result_for(i) for i in range(200)))
    con.close()
    j = await Journal.open(journal_path)
    try:
        counts = await pages.counts_by_type(j, 1)
        for kind in ("succeeded", "errored", "canceled", "expired"):
            expected = [custom_id(i) for i in range(200) if kind_of(i) == kind]
            assert counts[kind] == len(expected)
            rows = await pages.page(j, 1, limit=500, result_type=kind)
            assert [r.custom_id for r in rows] == expected
            assert await pages.position(j, 1, custom_id(199), kind) == sum(1 for c in expected if c < custom_id(199))
        assert sum(n for _, n in await pages.error_summary(j, 1)) == counts["errored"]
    finally:
        await j.close()


async def test_family_summary_matches_a_brute_force_count(journal_path):
    # three batches of one family: the retry of a retry, each holding some of the same custom_ids
    outcomes = {
        1: {i: kind_of(i) for i in range(120)},
        2: {i: "succeeded" if i % 2 else "errored" for i in range(120) if kind_of(i) != "succeeded"},
        3: {i: "expired" for i in range(120) if kind_of(i) != "succeeded" and i % 2 == 0 and i % 3 == 0},
    }
    await new_journal(journal_path)
    con = connect(journal_path)
    with con:
        for local_id, kinds in outcomes.items():
            insert_batch(con, local_id, n=len(kinds))
            insert_results(con, local_id, (result_for(i, kind) for i, kind in kinds.items()))
    con.close()
    ids = {i for kinds in outcomes.values() for i in kinds}
    ok = {i for kinds in outcomes.values() for i, kind in kinds.items() if kind == "succeeded"}
    assert 0 < len(ok) < len(ids)
    j = await Journal.open(journal_path)
    try:
        assert await final_summary(j, [1, 2, 3]) == (len(ids), len(ok))
        only_first = {i for i, kind in outcomes[1].items() if kind == "succeeded"}
        assert await final_summary(j, [1]) == (120, len(only_first))
        assert await final_summary(j, [2, 3]) == (len(outcomes[2]), sum(1 for k in outcomes[2].values()
                                                                        if k == "succeeded"))
    finally:
        await j.close()
