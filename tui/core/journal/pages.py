"""Read-only journal queries for browsing one batch: keyset pages of its requests and results.

A batch's rows are the union, by `custom_id`, of its stored requests (no result yet while it runs) and its
results (some adopted batches have results but no stored request). Every page is a keyset query
(`custom_id > ? ORDER BY custom_id LIMIT n`), never OFFSET, so the first page and the last page of a
100,000-request batch cost the same few milliseconds.

`search` is what the user typed after `/` (`tui.core.journal.search`): words found in the custom_id, the
request's text and the answer's full text (a full-text index, migration 6), and `stop:`/`model:`/`error:`
filters. One search over 100,000 rows reads the batch's rows once, probing the index's matches (read once per
query); a page stops scanning as soon as it has its rows, so common words come back at once.

`sort` orders the rows: `id` (custom_id as stored, the default: pages walk the primary key), `natural`
(custom_id with the number at its end compared by value: `sdk-2` before `sdk-10`), `tokens` and `cost` (most
first; rows without them last). Pages stay keyset pages under every sort: the anchor is still a custom_id, whose
sort key is looked up, and the page is the rows whose (key, custom_id) come after it. A sort other than `id`
sorts the batch's matching rows for each page (no index holds those orders).
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass
from typing import Any

import orjson

from tui.core.journal import search as text_search
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


SORTS: tuple[str, ...] = text_search.SORT_NAMES

# Sort keys (k1, k2) of a row, before the custom_id that ends every order. `{c}` is the row's custom_id, `{p}` the
# prefix of its result columns. Rows without tokens or cost (pending, failed) sort after the others.
_KEYS: dict[str, tuple[str, str]] = {
    "natural": ("rtrim({c}, '0123456789')", "length({c})"),
    "tokens": ("CASE WHEN {p}input_tokens IS NULL AND {p}output_tokens IS NULL THEN 1 ELSE"
               " -(COALESCE({p}input_tokens, 0) + COALESCE({p}output_tokens, 0)"
               " + COALESCE({p}cache_creation_input_tokens, 0) + COALESCE({p}cache_read_input_tokens, 0)) END", "0"),
    "cost": ("COALESCE(-{p}cost_usd, 1)", "0"),
}


def _sort(sort: str | None, query: text_search.Query) -> str:
    chosen = sort or query.sort or "id"
    return chosen if chosen in SORTS else "id"


@dataclass(frozen=True, slots=True)
class _Search:
    """A parsed search and the key of its index finds (`search.hits`), read once per call."""

    query: text_search.Query
    hits: int | None

    def __bool__(self) -> bool:
        return bool(self.query)


async def _prepare(journal: Journal, batch_local_id: int, search: str | None) -> _Search:
    query = text_search.parse(search)
    return _Search(query, await text_search.hits(journal.db, batch_local_id, query) if query.text else None)


def _result_match(found: _Search, alias: str = "r") -> tuple[str, list[Any]]:
    return text_search.result_condition(found.query, found.hits, alias)


def _request_match(found: _Search, alias: str = "q") -> tuple[str, list[Any]] | None:
    return text_search.request_condition(found.query, found.hits, alias)


def _type_term(kind: str, found: _Search) -> str:
    """The WHERE term picking one result type. Failures without a search read the `results_failed` index;
    succeeded rows and any search scan the primary key (`+` keeps the planner off the index): the rows a
    page needs are the bulk of that scan, and a search reads every row anyway."""
    if not found and kind != "succeeded":
        return f"r.result_type = ? AND r.{NOT_SUCCEEDED}"
    return "+r.result_type = ?"


def _row(batch_local_id: int, custom_id: str, rest: Any) -> ResultRow:
    return ResultRow(batch_local_id, custom_id, *rest)


async def page(journal: Journal, batch_local_id: int, *, after: str | None = None,
               before: str | None = None, limit: int = 100, result_type: str | None = None,
               search: str | None = None, start: str | None = None,
               from_end: bool = False, sort: str | None = None) -> list[ResultRow]:
    """Up to `limit` rows in the order of `sort` (default: `sort:` in the search, else custom_id).

    `after` (exclusive) pages forward, `start` (inclusive) re-opens a page at a key, `before` (exclusive)
    pages back, `from_end` gives the last page; the rows come back in the sort's order in every case.
    """
    found = await _prepare(journal, batch_local_id, search)
    kind, order_by = _type(result_type), _sort(sort, found.query)
    backward = before is not None or from_end
    op, key = (">", after) if after is not None else (">=", start)
    if backward:
        op, key = "<", before
    order = "DESC" if backward else "ASC"
    if order_by != "id":
        rows = await _sorted_page(journal, batch_local_id, kind, found, order_by, op, key, order, limit)
    else:
        rows = await _id_page(journal, batch_local_id, kind, found, op, key, order, limit)
    if backward:
        rows.reverse()
    return rows


async def _id_page(journal: Journal, batch_local_id: int, kind: str | None, found: _Search, op: str,
                   key: str | None, order: str, limit: int) -> list[ResultRow]:
    """A page in custom_id order: a walk of the primary key(s)."""
    bound = f" AND custom_id {op} ?" if key is not None else ""
    bound_args = [key] if key is not None else []
    if kind is not None:
        match, match_args = _result_match(found)
        sql = (f"SELECT r.custom_id, {_COLUMNS} FROM results r WHERE r.batch_local_id = ? AND {_type_term(kind, found)}"
               f"{bound.replace('custom_id', 'r.custom_id')}{match} ORDER BY r.custom_id {order} LIMIT ?")
        args = [batch_local_id, kind, *bound_args, *match_args, limit]
    elif (ids := text_search.matching_ids(found.query, found.hits, bound, bound_args)) is not None:
        sql = (
            f"WITH ids(custom_id) AS ({ids[0]} ORDER BY 1 {order} LIMIT ?)"
            f" SELECT ids.custom_id, {', '.join('r.' + c.strip() for c in _COLUMNS.split(','))}"
            " FROM ids LEFT JOIN results r ON r.batch_local_id = ? AND r.custom_id = ids.custom_id"
            f" ORDER BY ids.custom_id {order}"
        )
        args = [*ids[1], limit, batch_local_id]
    else:
        res_match, res_args = _result_match(found, "results")
        requests_part = _request_match(found, "requests")
        union = ""
        req_args: list[Any] = []
        if requests_part is not None:
            union = f" SELECT custom_id FROM requests WHERE batch_local_id = ?{bound}{requests_part[0]} UNION"
            req_args = [batch_local_id, *bound_args, *requests_part[1]]
        sql = (
            f"WITH ids(custom_id) AS ({union}"
            f" SELECT custom_id FROM results WHERE batch_local_id = ?{bound}{res_match}"
            f" ORDER BY 1 {order} LIMIT ?)"
            f" SELECT ids.custom_id, {', '.join('r.' + c.strip() for c in _COLUMNS.split(','))}"
            " FROM ids LEFT JOIN results r ON r.batch_local_id = ? AND r.custom_id = ids.custom_id"
            f" ORDER BY ids.custom_id {order}"
        )
        args = [*req_args, batch_local_id, *bound_args, *res_args, limit, batch_local_id]
    async with journal.db.execute(sql, args) as cur:
        return [_row(batch_local_id, r[0], tuple(r)[1:]) for r in await cur.fetchall()]


def _keyed_rows(batch_local_id: int, kind: str | None, found: _Search, order_by: str
                ) -> tuple[str, list[Any]]:
    """The rows of the filter with their sort keys k1, k2: results matching the query, and (showing all) the
    requests with no result yet that match it."""
    k1, k2 = (k.format(c="custom_id", p="") for k in _KEYS[order_by])
    match, match_args = _result_match(found)
    type_term, type_args = ("", []) if kind is None else (f" AND {_type_term(kind, found)}", [kind])
    rows = (f"SELECT r.custom_id, {_COLUMNS} FROM results r WHERE r.batch_local_id = ?{type_term}{match}")
    args: list[Any] = [batch_local_id, *type_args, *match_args]
    pending = None if kind is not None else _request_match(found, "q")
    if pending is not None:
        nulls = ", ".join("NULL" for _ in _COLUMNS.split(","))
        rows += (f" UNION ALL SELECT q.custom_id, {nulls} FROM requests q WHERE q.batch_local_id = ?{_NO_RESULT}"
                 f"{pending[0]}")
        args += [batch_local_id, *pending[1]]
    names = ", ".join(c.strip() for c in _COLUMNS.split(","))
    return f"SELECT custom_id, {names}, {k1} AS k1, {k2} AS k2 FROM ({rows})", args


async def _anchor_keys(journal: Journal, batch_local_id: int, custom_id: str, order_by: str) -> tuple[Any, Any]:
    """The sort keys of one row (with or without a result), for a keyset bound."""
    k1, k2 = (k.format(c="a.custom_id", p="r.") for k in _KEYS[order_by])
    async with journal.db.execute(
        f"SELECT {k1}, {k2} FROM (SELECT ? AS custom_id) a LEFT JOIN results r"
        " ON r.batch_local_id = ? AND r.custom_id = a.custom_id", (custom_id, batch_local_id)) as cur:
        row = await one_row(cur)
    return row[0], row[1]


async def _sorted_page(journal: Journal, batch_local_id: int, kind: str | None, found: _Search,
                       order_by: str, op: str, key: str | None, order: str, limit: int) -> list[ResultRow]:
    rows, args = _keyed_rows(batch_local_id, kind, found, order_by)
    bound = ""
    if key is not None:
        bound = f" WHERE (k1, k2, custom_id) {op} (?, ?, ?)"
        args += [*await _anchor_keys(journal, batch_local_id, key, order_by), key]
    names = ", ".join(c.strip() for c in _COLUMNS.split(","))
    sql = (f"SELECT custom_id, {names} FROM ({rows}){bound} ORDER BY k1 {order}, k2 {order}, custom_id {order}"
           " LIMIT ?")
    async with journal.db.execute(sql, [*args, limit]) as cur:
        return [_row(batch_local_id, r[0], tuple(r)[1:]) for r in await cur.fetchall()]


async def counts_by_type(journal: Journal, batch_local_id: int, search: str | None = None) -> dict[str, int]:
    """Rows per filter: 'all', each result type (unknown types as given), and 'pending' (no result yet)."""
    found = await _prepare(journal, batch_local_id, search)
    match, match_args = _result_match(found, "results")
    counts: dict[str, int] = dict.fromkeys(RESULT_TYPES, 0)
    covered = text_search.covered(found.query)
    ids = text_search.matching_ids(found.query, found.hits)
    waiting: int | None = None   # requests of the batch with no result yet, whatever the search
    if ids is not None:  # the matching rows that have a result
        waiting = await _waiting(journal, batch_local_id)
        if waiting == 0:   # every row has a result (an ended batch): a count of the set, no probe
            n_results = await _scalar(journal, f"SELECT COUNT(*) FROM ({ids[0]})", ids[1])
        else:              # a probe per match, not a read of every row
            n_results = await _scalar(
                journal, f"SELECT COUNT(*) FROM ({ids[0]}) u WHERE EXISTS (SELECT 1 FROM results x"
                " WHERE x.batch_local_id = ? AND x.custom_id = u.custom_id)", [*ids[1], batch_local_id])
    if covered:  # the primary key counts them all, the `results_failed` index the failures: no row is read
        if ids is None:
            n_results = await _scalar(journal, f"SELECT COUNT(*) FROM results WHERE batch_local_id = ?{match}",
                                      [batch_local_id, *match_args])
        sql = (f"SELECT result_type, COUNT(*) FROM results INDEXED BY results_failed WHERE batch_local_id = ?"
               f" AND {NOT_SUCCEEDED}{match} GROUP BY 1")
    else:  # the ORDER BY in the subquery keeps a search on one sequential primary-key scan
        sql = (f"SELECT result_type, COUNT(*) FROM (SELECT result_type FROM results WHERE batch_local_id = ?"
               f"{match} ORDER BY custom_id) GROUP BY result_type")
    async with journal.db.execute(sql, [batch_local_id, *match_args]) as cur:
        for result_type, n in await cur.fetchall():
            counts[result_type] = n
    if covered:
        counts["succeeded"] = n_results - sum(counts.values())
    n_results = sum(counts.values())
    pending = 0 if waiting == 0 else await _pending(journal, batch_local_id, found, n_results)
    counts["all"] = n_results + pending
    counts["pending"] = pending
    return counts


# per connection: (batch, state of the journal) -> requests of the batch waiting for their result; the last few
_WAITING: weakref.WeakKeyDictionary[Any, dict[tuple[int, tuple[Any, ...]], int]] = weakref.WeakKeyDictionary()


async def _waiting(journal: Journal, batch_local_id: int) -> int:
    """Requests of the batch with no result yet, whatever the search (~35 ms of key counts on 100,000 rows),
    remembered while the journal stays as it was: its last rows, the batch's results, other connections'
    commits. (Rows are only ever added or deleted: a change adds a row past the last one, or deletes one.)"""
    async with journal.db.execute("SELECT (SELECT MAX(rowid) FROM results), (SELECT MAX(rowid) FROM requests),"
                                  " (SELECT COUNT(*) FROM results WHERE batch_local_id = ?),"
                                  " (SELECT COUNT(*) FROM requests WHERE batch_local_id = ?)",
                                  (batch_local_id, batch_local_id)) as cur:
        state = tuple(await one_row(cur))
    async with journal.db.execute("PRAGMA data_version") as cur:
        state += tuple(await one_row(cur))
    known = _WAITING.setdefault(journal.db, {})
    key = (batch_local_id, state)
    if (waiting := known.get(key)) is not None:
        return waiting
    waiting = await _pending(journal, batch_local_id, _Search(text_search.Query(), None), int(state[2]))
    while len(known) >= 4:
        del known[next(iter(known))]
    known[key] = waiting
    return waiting


async def _scalar(journal: Journal, sql: str, args: list[Any]) -> int:
    async with journal.db.execute(sql, args) as cur:
        row = await one_row(cur)
    return int(row[0] or 0)


async def _has_requests(journal: Journal, batch_local_id: int) -> bool:
    return bool(await _scalar(journal, "SELECT EXISTS (SELECT 1 FROM requests WHERE batch_local_id = ?)",
                              [batch_local_id]))


_NO_RESULT = (" AND NOT EXISTS (SELECT 1 FROM results r WHERE r.batch_local_id = q.batch_local_id"
              " AND r.custom_id = q.custom_id)")


async def _pending(journal: Journal, batch_local_id: int, found: _Search, n_results: int,
                   below: str | None = None) -> int:
    """Requests with no result yet (matching the search, before `below` if given)."""
    condition = _request_match(found, "q")
    if condition is None or not await _has_requests(journal, batch_local_id):
        return 0
    bound, bound_args = ("", []) if below is None else (" AND q.custom_id < ?", [below])
    if found:
        if below is None:
            n_all = await _scalar(journal, "SELECT COUNT(*) FROM results WHERE batch_local_id = ?", [batch_local_id])
        else:
            n_all = await _scalar(journal, "SELECT COUNT(*) FROM results WHERE batch_local_id = ? AND custom_id < ?",
                                  [batch_local_id, below])
        if not await _pending(journal, batch_local_id, _Search(text_search.Query(), None), n_all, below):
            return 0   # no request waits for its result: none can match (two key counts, not a probe per request)
        return await _scalar(
            journal,
            "SELECT COUNT(*) FROM requests q WHERE q.batch_local_id = ?" + bound + condition[0] + _NO_RESULT,
            [batch_local_id, *bound_args, *condition[1]],
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
                   search: str | None = None, sort: str | None = None) -> int:
    """How many rows of the filter come before `custom_id` (its 0-based index when it is one of them)."""
    found = await _prepare(journal, batch_local_id, search)
    kind, order_by = _type(result_type), _sort(sort, found.query)
    if order_by != "id":
        rows, args = _keyed_rows(batch_local_id, kind, found, order_by)
        keys = await _anchor_keys(journal, batch_local_id, custom_id, order_by)
        return await _scalar(journal, f"SELECT COUNT(*) FROM ({rows}) WHERE (k1, k2, custom_id) < (?, ?, ?)",
                             [*args, *keys, custom_id])
    match, match_args = _result_match(found)
    count = "SELECT COUNT(*) FROM results r WHERE r.batch_local_id = ? AND r.custom_id < ?"
    if kind == "succeeded" and not found:   # all before it less the failures before it: two index counts
        n_all = await _scalar(journal, count, [batch_local_id, custom_id])
        failed = count.replace("results r", "results r INDEXED BY results_failed") + f" AND r.{NOT_SUCCEEDED}"
        return n_all - await _scalar(journal, failed, [batch_local_id, custom_id])
    type_term = ""
    type_args: list[Any] = []
    if kind is not None:
        type_term, type_args = f" AND {_type_term(kind, found)}", [kind]
    n_results = await _scalar(journal, f"{count}{type_term}{match}",
                              [batch_local_id, custom_id, *type_args, *match_args])
    if kind is not None:
        return n_results
    # every row is a result (matching), or a request with no result yet (matching)
    return n_results + await _pending(journal, batch_local_id, found, n_results, below=custom_id)


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
                    result_type: str | None = None, search: str | None = None,
                    sort: str | None = None) -> ResultRow | None:
    """The next (direction > 0) or previous (< 0) row of the filter, or None at the edge."""
    if direction > 0:
        rows = await page(journal, batch_local_id, after=custom_id, limit=1,
                          result_type=result_type, search=search, sort=sort)
    else:
        rows = await page(journal, batch_local_id, before=custom_id, limit=1,
                          result_type=result_type, search=search, sort=sort)
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
