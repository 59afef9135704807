"""The `/` search of a batch: what a row's text is, the full-text index that finds it, and the query words.

**The index** (migration 6): two FTS5 tables, `search_requests` and `search_results`, whose rowid is the rowid of
the `requests` / `results` row they index. Words are `unicode61` tokens (diacritics folded), without positions.
A row's text is said here twice, in SQL (`_REQUEST_TEXT`, `_ANSWER_TEXT`: what migration 6 filled existing
journals with, and what submits index) and in Python for the ingest (`answer_words`, the same words from the line
it has already parsed; a test holds the two together). The index keeps its own copy of the words, so a row
leaves it by its rowid alone, whatever words it went in with.

- Requests are indexed when they are recorded (`index_requests`, one set-based insert in the submit's
  transaction), answers as they are ingested (`index_answers`, one `executemany` in each ingest transaction).
- Rows leave the index before they leave the journal: `forget_batch` (delete --forget) and
  `unindex_results` (ingest setting aside lines for ids never sent).

**A row's text.** A request: the strings of `system` and, under `messages`, every `content` string and every
`text` (tool results included); images, documents' data, tools and settings are not text. An answer: every text
block of a succeeded message, joined by spaces, or the error's type and message.

**The query** typed after `/` (`parse`): words, and filters written `name:value`:

    refund                 custom_id, request text or answer text (below)
    stop:max_tokens        stop reason starts with the value
    model:haiku            model contains the value
    error:overloaded       error type contains the value
    stop:max_tokens,refusal   any of several values
    sort:tokens            the order (id, natural, tokens, cost), as the batch view's `s` key sets it

Words (letters and digits only) match a row when its custom_id contains them as typed, or when every word begins
a word of its request's text or of its answer's full text: `refund` finds "refunds" and "Refund", not
"nonrefundable". Anything else (`100%`, `sdk-12`, `invalid_request`) is found as typed in the custom_id, the
preview (first ~200 characters of the answer) or the error type. A filter keeps only rows with a result.
"""

from __future__ import annotations

import contextlib
import re
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import orjson

# The text of the request row `q` / the result row `r`, in SQL: word for word what migration 6 indexed.
_REQUEST_TEXT = """(SELECT group_concat(j.value, ' ')
    FROM json_tree(CASE WHEN json_valid(CAST(q.params AS TEXT)) THEN CAST(q.params AS TEXT) ELSE '{}' END) j
    WHERE j.type = 'text' AND (j.fullkey = '$.system' OR (j.key = 'text' AND j.fullkey LIKE '$.system[%')
        OR ((j.key = 'text' OR j.key = 'content') AND j.fullkey LIKE '$.messages[%')))"""
_ANSWER_TEXT = """CASE
    WHEN r.result_type = 'succeeded' THEN (SELECT group_concat(j.value ->> '$.text', ' ')
        FROM json_each(CASE WHEN json_valid(CAST(r.raw AS TEXT)) THEN CAST(r.raw AS TEXT) ELSE '{}' END,
                       '$.result.message.content') j
        WHERE j.type = 'object' AND j.value ->> '$.type' = 'text')
    WHEN r.error_type IS NOT NULL OR r.error_message IS NOT NULL
        THEN COALESCE(r.error_type, '') || ' ' || COALESCE(r.error_message, '') END"""

# Statements (one `?`: a batch's local id) that index / unindex the rows of one batch. Also used by test
# journals written with plain SQL (tests/drilldown_journal.py).
INDEX_BATCH_REQUESTS = (f"INSERT OR REPLACE INTO search_requests(rowid, body) SELECT rowid, t FROM (SELECT q.rowid AS rowid,"
                        f" {_REQUEST_TEXT} AS t FROM requests q WHERE q.batch_local_id = ?) WHERE t IS NOT NULL")
INDEX_BATCH_RESULTS = (f"INSERT OR REPLACE INTO search_results(rowid, body) SELECT rowid, t FROM (SELECT r.rowid AS rowid,"
                       f" {_ANSWER_TEXT} AS t FROM results r WHERE r.batch_local_id = ?) WHERE t IS NOT NULL")
# The same for the rows added after a rowid (one `?`), whatever their batch.
INDEX_REQUESTS_AFTER = INDEX_BATCH_REQUESTS.replace("q.batch_local_id = ?", "q.rowid > ?")
INDEX_RESULTS_AFTER = INDEX_BATCH_RESULTS.replace("r.batch_local_id = ?", "r.rowid > ?")



def answer_words(obj: Any, result_type: str, error_type: str | None, error_message: str | None) -> str | None:
    """The words of one parsed result line (the Python twin of `_ANSWER_TEXT`): a success's text blocks joined by
    spaces, or the error's type and message; None when there is no text."""
    if result_type == "succeeded":
        try:
            content = obj["result"]["message"]["content"]
        except (KeyError, TypeError, IndexError):
            return None
        if type(content) is not list:
            return None
        if len(content) == 1:   # the common case: one text block
            block = content[0]
            if type(block) is dict and block.get("type") == "text" and type(text := block.get("text")) is str:
                return text
        texts = [str(b["text"]) for b in content
                 if type(b) is dict and b.get("type") == "text" and b.get("text") is not None
                 and not isinstance(b["text"], (dict, list, bool))]
        return " ".join(texts) if texts else None
    if error_type is not None or error_message is not None:
        return f"{error_type or ''} {error_message or ''}"
    return None


def answer_text(line: bytes, result_type: str, error_type: str | None, error_message: str | None) -> str | None:
    """`answer_words` of a raw results line (None if it is not JSON)."""
    try:
        obj = orjson.loads(line)
    except orjson.JSONDecodeError:
        return None
    return answer_words(obj, result_type, error_type, error_message)


async def index_requests(db: Any, batch_local_ids: Iterable[int]) -> None:
    """Index the stored requests of these batches (just recorded, in the caller's transaction)."""
    for local_id in batch_local_ids:
        await db.execute(INDEX_BATCH_REQUESTS, (local_id,))


async def last_result_rowid(db: Any) -> int:
    """The largest rowid of `results`: the rows an insert adds next are numbered from it."""
    async with db.execute("SELECT COALESCE(MAX(rowid), 0) FROM results") as cur:
        row = await cur.fetchone()
    return int(row[0])


async def index_answers(db: Any, batch_local_id: int, before: int, written: Sequence[tuple[str, str | None]]
                        ) -> None:
    """Index the answers just upserted (in the caller's transaction): `written` = (custom_id, text) in the order
    of the upsert, `before` = `last_result_rowid` before it. New rows took the rowids after `before`, in order;
    if some custom_ids were there already (a re-read of a cut stream), every row is found by its custom_id and
    its words replaced."""
    if not written:
        return
    if await last_result_rowid(db) - before == len(written):
        rows: Iterable[tuple[int, str]] = [(before + k, text) for k, (_, text) in enumerate(written, 1)
                                           if text is not None]
    else:
        async with db.execute("SELECT custom_id, rowid FROM results WHERE batch_local_id = ?",
                              (batch_local_id,)) as cur:
            rowids = dict(await cur.fetchall())
        rows = [(rowids[cid], text) for cid, text in written if text is not None and cid in rowids]
    try:   # a quarter quicker than OR REPLACE, which only words left behind by a row deleted elsewhere need
        await db.executemany("INSERT INTO search_results(rowid, body) VALUES (?, ?)", rows)
    except sqlite3.IntegrityError:
        await db.executemany("INSERT OR REPLACE INTO search_results(rowid, body) VALUES (?, ?)", rows)


async def unindex_results(db: Any, batch_local_id: int, custom_ids_json: str | None = None) -> None:
    """Take results of a batch (all, or those whose custom_id is in the JSON array) out of the index, before they
    are deleted."""
    await db.execute("DELETE FROM search_results WHERE rowid IN (SELECT rowid FROM results WHERE batch_local_id = ?1"
                     " AND (?2 IS NULL OR custom_id IN (SELECT value FROM json_each(?2))))",
                     (batch_local_id, custom_ids_json))


async def forget_batch(db: Any, batch_local_id: int) -> None:
    """Take a batch's requests and results out of the index, before the batch row (and its rows) is deleted."""
    await db.execute("DELETE FROM search_requests WHERE rowid IN (SELECT rowid FROM requests WHERE batch_local_id = ?)",
                     (batch_local_id,))
    await unindex_results(db, batch_local_id)


# -- the query ---------------------------------------------------------------------------------------------------

FILTER_NAMES = ("stop", "model", "error")
SORT_NAMES = ("id", "natural", "tokens", "cost")
_FILTER = re.compile(r"^(stop|model|error):(\S+)$", re.IGNORECASE)
_SORT = re.compile(r"^sort:(id|natural|tokens|cost)$", re.IGNORECASE)
_WORD = re.compile(r"^[^\W_]+$")


@dataclass(frozen=True, slots=True)
class Query:
    """A parsed `/` query: the words (as typed, spaces kept) and the filters' values."""

    text: str = ""
    stop: tuple[str, ...] = ()
    model: tuple[str, ...] = ()
    error: tuple[str, ...] = ()
    sort: str | None = None           # `sort:tokens`: the order, when the caller gives none

    @property
    def filtered(self) -> bool:
        """A filter on what a result says: rows with no result yet never match it."""
        return bool(self.stop or self.model or self.error)

    def __bool__(self) -> bool:
        return bool(self.text or self.filtered)

    def match(self) -> str | None:
        """The FTS5 query for the words: every word a word prefix; None if any word is more than letters and
        digits (then only the as-typed search applies)."""
        words = self.text.split()
        if not words or not all(_WORD.match(w) for w in words):
            return None
        return " AND ".join(f'"{w}"*' for w in words)


def parse(search: str | None) -> Query:
    """`stop:max_tokens model:haiku refund` -> Query(text='refund', stop=('max_tokens',), model=('haiku',))."""
    if not search:
        return Query()
    words: list[str] = []
    found: dict[str, list[str]] = {name: [] for name in FILTER_NAMES}
    sort = None
    for word in search.split():
        m = _FILTER.match(word)
        if (by := _SORT.match(word)) is not None:
            sort = by[1].lower()
        elif m:
            found[m[1].lower()].extend(v for v in m[2].split(",") if v)
        else:
            words.append(word)
    return Query(" ".join(words), stop=tuple(found["stop"]), model=tuple(found["model"]),
                 error=tuple(found["error"]), sort=sort)


def _like(text: str, *, prefix_only: bool = False) -> str:
    esc = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"{esc}%" if prefix_only else f"%{esc}%"


def _any_like(column: str, values: tuple[str, ...], *, prefix_only: bool = False) -> tuple[str, list[Any]]:
    terms = " OR ".join(f"{column} LIKE ? ESCAPE '\\'" for _ in values)
    return f" AND ({terms})", [_like(v, prefix_only=prefix_only) for v in values]


async def hits(db: Any, batch_local_id: int, query: Query) -> int | None:
    """The key of the set of the batch's custom_ids that match the query's words (the custom_id contains them as
    typed, or the request or the answer has every word), built once per query in this connection's TEMP database
    (`temp.search_hits_<key>`), so that a search's page, counts and positions each read or probe it instead of reading
    the index and every custom_id again. None when the query has no index part. The key names the journal's last
    request and result rows: new rows make a new set."""
    match = query.match()
    if match is None:
        return None
    async with db.execute("SELECT 1 FROM temp.sqlite_master WHERE name = 'search_hit_sets'") as cur:
        made = await cur.fetchone() is not None
    if not made:   # in memory: twice as quick as SQLite's default temp files (set before any temp table exists:
        # a change drops them)
        with contextlib.suppress(sqlite3.OperationalError):
            await db.execute("PRAGMA temp_store = MEMORY")
    await db.execute("CREATE TEMP TABLE IF NOT EXISTS search_hit_sets(id INTEGER PRIMARY KEY, key TEXT UNIQUE)")
    async with db.execute("SELECT (SELECT COALESCE(MAX(rowid), 0) FROM main.results),"
                          " (SELECT COALESCE(MAX(rowid), 0) FROM main.requests)") as cur:
        last = await cur.fetchone()
    key = f"{batch_local_id}:{last[0]}:{last[1]}:{match}:{query.text}"
    async with db.execute("SELECT id FROM temp.search_hit_sets WHERE key = ?", (key,)) as cur:
        row = await cur.fetchone()
    if row is not None:
        return int(row[0])
    # keep the newest few sets (a search being paged, the one before it, the request view's), each a table of its
    # own: dropping one is a tenth of the cost of deleting its rows (~25 ms for 100,000)
    async with db.execute("SELECT id FROM temp.search_hit_sets ORDER BY id DESC LIMIT -1 OFFSET 2") as cur:
        old = [int(r[0]) for r in await cur.fetchall()]
    for hit_set in old:
        await db.execute(f"DROP TABLE IF EXISTS temp.search_hits_{hit_set}")
        await db.execute("DELETE FROM temp.search_hit_sets WHERE id = ?", (hit_set,))
    cur = await db.execute("INSERT INTO temp.search_hit_sets(key) VALUES (?)", (key,))
    hit_set = int(cur.lastrowid or 0)
    await cur.close()
    await db.execute(f"CREATE TEMP TABLE search_hits_{hit_set}(custom_id TEXT PRIMARY KEY) WITHOUT ROWID")
    for table, index in (("requests", "search_requests"), ("results", "search_results")):
        # one key-only scan of the batch's rows per table: the index's finds, and the custom_ids containing the
        # words as typed
        await db.execute(f"INSERT OR IGNORE INTO temp.search_hits_{hit_set} SELECT custom_id FROM main.{table}"
                         f" WHERE batch_local_id = ? AND (+rowid IN (SELECT rowid FROM main.{index} WHERE {index}"
                         " MATCH ?) OR custom_id LIKE ? ESCAPE '\\')",
                         (batch_local_id, match, _like(query.text)))
    return hit_set


def result_condition(query: Query, hits_key: int | None, alias: str = "r") -> tuple[str, list[Any]]:
    """` AND ...` restricting results rows (`alias`) of a batch to the query (`hits_key`: its `hits`), and the
    arguments."""
    a = alias
    sql, args = "", list[Any]()
    for column, values, prefix in (("stop_reason", query.stop, True), ("model", query.model, False),
                                   ("error_type", query.error, False)):
        if values:
            s, v = _any_like(f"{a}.{column}", values, prefix_only=prefix)
            sql, args = sql + s, args + v
    if query.text:
        like = _like(query.text)
        if hits_key is None:   # not plain words: as typed, in what the row shows
            sql += (f" AND ({a}.custom_id LIKE ? ESCAPE '\\' OR {a}.preview LIKE ? ESCAPE '\\'"
                    f" OR {a}.error_type LIKE ? ESCAPE '\\')")
            args += [like, like, like]
        else:   # words: one of the set's custom_ids (no row is read)
            sql += f" AND EXISTS (SELECT 1 FROM temp.search_hits_{int(hits_key)} h WHERE h.custom_id = {a}.custom_id)"
    return sql, args


def covered(query: Query) -> bool:
    """Whether `result_condition` reads only the batch's primary key (custom_id, rowid): plain words, no filter."""
    return not query.filtered and (not query.text or query.match() is not None)


def request_condition(query: Query, hits_key: int | None, alias: str = "q") -> tuple[str, list[Any]] | None:
    """` AND ...` restricting request rows (`alias`, those with no result yet) to the query; None when the query
    filters on what a result says (no such row can match)."""
    if query.filtered:
        return None
    if not query.text:
        return "", []
    if hits_key is None:
        return f" AND {alias}.custom_id LIKE ? ESCAPE '\\'", [_like(query.text)]
    return (f" AND EXISTS (SELECT 1 FROM temp.search_hits_{int(hits_key)} h WHERE h.custom_id = {alias}.custom_id)",
            [])


def matching_ids(query: Query, hits_key: int | None, bound: str = "", bound_args: Sequence[Any] = ()
                 ) -> tuple[str, list[Any]] | None:
    """A SELECT of the custom_ids of every row of the batch (with a result or not) that matches plain words and
    no filter, in custom_id order, `bound` (` AND custom_id > ?`, ...) applied: the set `hits` built, read along
    its primary key, so a page stops as soon as it has its rows and a count reads no row of the journal. None for
    any other query (then `result_condition` / `request_condition` filter a scan)."""
    if hits_key is None or query.filtered or not query.text:
        return None
    return f"SELECT custom_id FROM temp.search_hits_{int(hits_key)} WHERE 1{bound}", [*bound_args]
