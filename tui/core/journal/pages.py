"""Read-only journal queries for browsing one batch: keyset pages of its requests and results.

A batch's rows are the union, by `custom_id`, of its stored requests (no result yet while it runs) and its
results (some adopted batches have results but no stored request). Every page is a keyset query
(`custom_id > ? ORDER BY custom_id LIMIT n`), never OFFSET, so the first page and the last page of a
100,000-request batch cost the same few milliseconds.

`search` is a case-insensitive substring of the custom_id, the preview (the first ~200 characters of the
response text, or the error message) or the error type. It is a LIKE scan: no index helps a substring, so
one search over 100,000 results reads the whole results table once (about 0.1-0.15 s on the reference
machine; `counts_by_type` with a search costs one more such scan). A page stops scanning as soon as it has
its rows, so common words come back at once. Full-text search would need an FTS table (a new migration).
"""

from __future__ import annotations

from typing import Any

import orjson

from tui.core.journal.connection import Journal, one_row
from tui.core.models import RESULT_TYPES, BatchRow, ResultRow
from tui.core.journal.schema import NOT_SUCCEEDED
from tui.core.journal.batches import get_batch

FILTERS: tuple[str, ...] = ("all", *RESULT_TYPES)

_COLUMNS = (
    "result_type, error_type, error_message, stop_reason, model, input_tokens, output_tokens, "
    "cache_creation_input_tokens, cache_read_input_tokens, cost_usd, preview"
)


def _type(result_type: str | None) -> str | None:
    return None if result_type in (None, "", "all") else result_type


def _like(search: str | None) -> str | None:
    if not search:
        return None
    esc = search.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{esc}%"


def _result_match(like: str | None, alias: str = "r") -> tuple[str, list[Any]]:
    if like is None:
        return "", []
    a = alias
    return (
        f" AND ({a}.custom_id LIKE ? ESCAPE '\\' OR {a}.preview LIKE ? ESCAPE '\\'"
        f" OR {a}.error_type LIKE ? ESCAPE '\\')",
        [like, like, like],
    )


def _type_term(kind: str, like: str | None) -> str:
    """The WHERE term picking one result type. Failures without a search read the `results_failed` index;
    succeeded rows and any search scan the primary key (`+` keeps the planner off the index): the rows a
    page needs are the bulk of that scan, and a search reads every row anyway."""
    if like is None and kind != "succeeded":
        return f"r.result_type = ? AND r.{NOT_SUCCEEDED}"
    return "+r.result_type = ?"


def _row(batch_local_id: int, custom_id: str, rest: Any) -> ResultRow:
    return ResultRow(batch_local_id, custom_id, *rest)


async def page(journal: Journal, batch_local_id: int, *, after: str | None = None,
               before: str | None = None, limit: int = 100, result_type: str | None = None,
               search: str | None = None, start: str | None = None,
               from_end: bool = False) -> list[ResultRow]:
    """Up to `limit` rows in custom_id order.

    `after` (exclusive) pages forward, `start` (inclusive) re-opens a page at a key, `before` (exclusive)
    pages back, `from_end` gives the last page; the rows come back ascending in every case.
    """
    kind, like = _type(result_type), _like(search)
    backward = before is not None or from_end
    op, key = (">", after) if after is not None else (">=", start)
    if backward:
        op, key = "<", before
    bound = f" AND custom_id {op} ?" if key is not None else ""
    bound_args = [key] if key is not None else []
    order = "DESC" if backward else "ASC"
    db = journal.db
    if kind is not None:
        match, match_args = _result_match(like)
        sql = (f"SELECT r.custom_id, {_COLUMNS} FROM results r WHERE r.batch_local_id = ? AND {_type_term(kind, like)}"
               f"{bound.replace('custom_id', 'r.custom_id')}{match} ORDER BY r.custom_id {order} LIMIT ?")
        args = [batch_local_id, kind, *bound_args, *match_args, limit]
    else:
        req_match, req_args = ("", []) if like is None else (" AND custom_id LIKE ? ESCAPE '\\'", [like])
        res_match, res_args = _result_match(like, "results")
        sql = (
            "WITH ids(custom_id) AS ("
            f" SELECT custom_id FROM requests WHERE batch_local_id = ?{bound}{req_match}"
            " UNION"
            f" SELECT custom_id FROM results WHERE batch_local_id = ?{bound}{res_match}"
            f" ORDER BY 1 {order} LIMIT ?)"
            f" SELECT ids.custom_id, {', '.join('r.' + c.strip() for c in _COLUMNS.split(','))}"
            " FROM ids LEFT JOIN results r ON r.batch_local_id = ? AND r.custom_id = ids.custom_id"
            f" ORDER BY ids.custom_id {order}"
        )
        args = [batch_local_id, *bound_args, *req_args, batch_local_id, *bound_args, *res_args,
                limit, batch_local_id]
    async with db.execute(sql, args) as cur:
        rows = [_row(batch_local_id, r[0], tuple(r)[1:]) for r in await cur.fetchall()]
    if backward:
        rows.reverse()
    return rows


async def counts_by_type(journal: Journal, batch_local_id: int, search: str | None = None) -> dict[str, int]:
    """Rows per filter: 'all', each result type (unknown types as given), and 'pending' (no result yet)."""
    like = _like(search)
    match, match_args = _result_match(like, "results")
    counts: dict[str, int] = dict.fromkeys(RESULT_TYPES, 0)
    if like is None:  # the primary key counts them all, the `results_failed` index the failures
        n_results = await _scalar(journal, "SELECT COUNT(*) FROM results WHERE batch_local_id = ?", [batch_local_id])
        sql = f"SELECT result_type, COUNT(*) FROM results WHERE batch_local_id = ? AND {NOT_SUCCEEDED} GROUP BY 1"
    else:  # the ORDER BY in the subquery keeps a search on one sequential primary-key scan
        sql = (f"SELECT result_type, COUNT(*) FROM (SELECT result_type FROM results WHERE batch_local_id = ?"
               f"{match} ORDER BY custom_id) GROUP BY result_type")
    async with journal.db.execute(sql, [batch_local_id, *match_args]) as cur:
        for result_type, n in await cur.fetchall():
            counts[result_type] = n
    if like is None:
        counts["succeeded"] = n_results - sum(counts.values())
    n_results = sum(counts.values())
    pending = await _pending(journal, batch_local_id, like, n_results)
    counts["all"] = n_results + pending
    counts["pending"] = pending
    return counts


async def _scalar(journal: Journal, sql: str, args: list[Any]) -> int:
    async with journal.db.execute(sql, args) as cur:
        row = await one_row(cur)
    return int(row[0] or 0)


async def _has_requests(journal: Journal, batch_local_id: int) -> bool:
    return bool(await _scalar(journal, "SELECT EXISTS (SELECT 1 FROM requests WHERE batch_local_id = ?)",
                              [batch_local_id]))


_NO_RESULT = (" AND NOT EXISTS (SELECT 1 FROM results r WHERE r.batch_local_id = q.batch_local_id"
              " AND r.custom_id = q.custom_id)")


async def _pending(journal: Journal, batch_local_id: int, like: str | None, n_results: int,
                   below: str | None = None) -> int:
    """Requests with no result yet (matching `like` by custom_id, before `below` if given)."""
    if not await _has_requests(journal, batch_local_id):
        return 0
    bound, bound_args = ("", []) if below is None else (" AND q.custom_id < ?", [below])
    if like is not None:
        return await _scalar(
            journal,
            "SELECT COUNT(*) FROM requests q WHERE q.batch_local_id = ?" + bound +
            " AND q.custom_id LIKE ? ESCAPE '\\'" + _NO_RESULT,
            [batch_local_id, *bound_args, like],
        )
    # requests minus the results that have a request
    n_requests = await _scalar(journal, "SELECT COUNT(*) FROM requests q WHERE q.batch_local_id = ?" + bound,
                               [batch_local_id, *bound_args])
    if n_results == 0:
        return n_requests
    # results with no request: a merge of two ordered key scans (EXCEPT ... ORDER BY), ~3x cheaper than
    # a NOT EXISTS probe per result
    key_bound = bound.replace("q.", "")
    orphans = await _scalar(
        journal,
        "SELECT COUNT(*) FROM (SELECT custom_id FROM results WHERE batch_local_id = ?" + key_bound +
        " EXCEPT SELECT custom_id FROM requests WHERE batch_local_id = ?" + key_bound + " ORDER BY 1)",
        [batch_local_id, *bound_args, batch_local_id, *bound_args],
    )
    return n_requests - (n_results - orphans)


async def total(journal: Journal, batch_local_id: int, result_type: str | None = None,
                search: str | None = None) -> int:
    """How many rows the filter shows (the M of "showing N of M")."""
    counts = await counts_by_type(journal, batch_local_id, search)
    return counts.get(_type(result_type) or "all", 0)


async def position(journal: Journal, batch_local_id: int, custom_id: str, result_type: str | None = None,
                   search: str | None = None) -> int:
    """How many rows of the filter come before `custom_id` (its 0-based index when it is one of them)."""
    kind, like = _type(result_type), _like(search)
    match, match_args = _result_match(like)
    count = "SELECT COUNT(*) FROM results r WHERE r.batch_local_id = ? AND r.custom_id < ?"
    if kind == "succeeded" and like is None:   # all before it less the failures before it: two index counts
        n_all = await _scalar(journal, count, [batch_local_id, custom_id])
        failed = count.replace("results r", "results r INDEXED BY results_failed") + f" AND r.{NOT_SUCCEEDED}"
        return n_all - await _scalar(journal, failed, [batch_local_id, custom_id])
    type_term = ""
    type_args: list[Any] = []
    if kind is not None:
        type_term, type_args = f" AND {_type_term(kind, like)}", [kind]
    n_results = await _scalar(journal, f"{count}{type_term}{match}",
                              [batch_local_id, custom_id, *type_args, *match_args])
    if kind is not None:
        return n_results
    # every row is a result (matching), or a request with no result yet (matching by custom_id)
    return n_results + await _pending(journal, batch_local_id, like, n_results, below=custom_id)


async def error_summary(journal: Journal, batch_local_id: int) -> list[tuple[str, int]]:
    """What failed and how often: (error type, count), most frequent first."""
    async with journal.db.execute(
        # INDEXED BY: without statistics the planner would scan every result instead of the errored ones
        "SELECT COALESCE(error_type, 'unknown'), COUNT(*) FROM results INDEXED BY results_failed"
        f" WHERE batch_local_id = ? AND result_type = 'errored' AND {NOT_SUCCEEDED} GROUP BY 1 ORDER BY 2 DESC, 1",
        (batch_local_id,),
    ) as cur:
        return [(t, n) for t, n in await cur.fetchall()]


async def neighbour(journal: Journal, batch_local_id: int, custom_id: str, direction: int,
                    result_type: str | None = None, search: str | None = None) -> ResultRow | None:
    """The next (direction > 0) or previous (< 0) row of the filter, or None at the edge."""
    if direction > 0:
        rows = await page(journal, batch_local_id, after=custom_id, limit=1,
                          result_type=result_type, search=search)
    else:
        rows = await page(journal, batch_local_id, before=custom_id, limit=1,
                          result_type=result_type, search=search)
    return rows[0] if rows else None


async def request_detail(journal: Journal, batch_local_id: int, custom_id: str
                         ) -> tuple[dict[str, Any] | None, dict[str, Any] | None, ResultRow | None]:
    """(the request's params, the raw result line, its ResultRow); None for what the journal lacks."""
    params = raw = row = None
    async with journal.db.execute(
        "SELECT params FROM requests WHERE batch_local_id = ? AND custom_id = ?", (batch_local_id, custom_id)
    ) as cur:
        found = await cur.fetchone()
    if found is not None:
        params = orjson.loads(found[0])
    async with journal.db.execute(
        f"SELECT raw, {_COLUMNS} FROM results WHERE batch_local_id = ? AND custom_id = ?",
        (batch_local_id, custom_id),
    ) as cur:
        found = await cur.fetchone()
    if found is not None:
        raw = orjson.loads(found[0])
        row = _row(batch_local_id, custom_id, tuple(found)[1:])
    elif params is not None:
        row = ResultRow(batch_local_id, custom_id)
    return params, raw, row


async def retry_family(journal: Journal, batch: BatchRow) -> tuple[BatchRow | None, list[BatchRow]]:
    """The batch this one retries (its parent) and the batches that retry it (its children)."""
    parent = await get_batch(journal, batch.parent_id) if batch.parent_id else None
    children: list[BatchRow] = []
    if batch.id:
        async with journal.db.execute(
            "SELECT local_id FROM batches WHERE parent_id = ? ORDER BY local_id", (batch.id,)
        ) as cur:
            ids = [r[0] for r in await cur.fetchall()]
        for local_id in ids:
            child = await get_batch(journal, local_id)
            if child is not None:
                children.append(child)
    return parent, children


async def ingest_error(journal: Journal, batch_local_id: int) -> str | None:
    """Why the last ingest of this batch's results stopped, if it did."""
    async with journal.db.execute("SELECT ingest_error FROM batches WHERE local_id = ?", (batch_local_id,)) as cur:
        row = await cur.fetchone()
    return row[0] if row else None
