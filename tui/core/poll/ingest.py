"""Results ingest: stream an ended batch's results (JSONL) into the journal.

The SDK makes the HTTP call (`with_streaming_response.results`); the bytes are split on `\\n` and parsed
here with orjson (the SDK's per-line pydantic decoding is several times slower). Rows are upserted in
large transactions, each also writing the answers' words into the search index (`journal/search.py`: one more
`executemany`, from the lines already parsed), so a re-ingest is idempotent and a cut stream or a killed process simply resumes:
the next ingest re-reads the stream and upserts. Memory stays bounded: one network chunk plus one flush
of rows is all that is ever held (and the custom_ids seen, to name a repeated line).

The stream is checked against what was sent. A second line for a custom_id is a duplicate: the first is
kept, the repeat goes to `result_anomalies`. At the end of each read, one set difference against the batch's
`requests` moves the lines for custom_ids never sent in this batch out of `results` into `result_anomalies`
(they are not results: they never count toward complete, retry or export), and the requests left with no
line are the missing ones. A batch adopted from the account has no stored requests: nothing is compared, and
the batch says so (`results_compared = 0`).

Results are fetched only from the origin (scheme, host, port) the client was configured with: the request
carries the API key, so a `results_url` pointing anywhere else is refused before anything is sent there,
and redirects are not followed.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import orjson

from tui.core.journal import search
from tui.core.journal.connection import Journal, one_row
from tui.core.words import anomaly_words
from tui.core.poll.result_lines import Coster, parse_line, parse_line_words

# One write transaction per this many lines or bytes, whichever comes first. Results arrive in random
# custom_id order, so every transaction rewrites most leaf pages of the two indexes: fewer, larger
# transactions write (and later checkpoint) far fewer pages. At most two such buffers are held at a time.
FLUSH_ROWS = 20_000
MIN_FLUSH_ROWS = 2_500    # ... or this many while no write is in flight: SQLite, the slowest stage, never idles
FLUSH_BYTES = 16 * 1024 * 1024
MAX_PROBLEMS = 5          # problems kept word for word in the report; the rest are only counted
# `ingest_error` of a batch left partial although its stream was read to the end (lines that could not be
# recorded, or fewer lines than requests): downloading it again would give the same, so the poller stops.
READ_WHOLE = "results stream read to its end: "

_UPSERT = """
    INSERT INTO results(batch_local_id, custom_id, result_type, error_type, error_message, stop_reason, model,
                        input_tokens, output_tokens, cache_creation_input_tokens, cache_read_input_tokens,
                        cost_usd, preview, raw)
    VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)
    ON CONFLICT(batch_local_id, custom_id) DO UPDATE SET
        result_type = excluded.result_type, error_type = excluded.error_type,
        error_message = excluded.error_message, stop_reason = excluded.stop_reason, model = excluded.model,
        input_tokens = excluded.input_tokens, output_tokens = excluded.output_tokens,
        cache_creation_input_tokens = excluded.cache_creation_input_tokens,
        cache_read_input_tokens = excluded.cache_read_input_tokens,
        cost_usd = excluded.cost_usd, preview = excluded.preview, raw = excluded.raw
"""
_ANOMALY = ("INSERT OR REPLACE INTO result_anomalies(batch_local_id, kind, custom_id, occurrence, line_no, raw) "
            "VALUES (?,?,?,?,?,?)")
# The results of a batch whose custom_id was never sent in it: one pass over the batch's results, each looked up
# in the requests' primary key (only when the batch has stored requests).
_UNKNOWN_IDS = """
    SELECT r.custom_id FROM results r
    WHERE r.batch_local_id = ?1
      AND NOT EXISTS (SELECT 1 FROM requests q WHERE q.batch_local_id = ?1 AND q.custom_id = r.custom_id)
"""


@dataclass(slots=True)
class IngestReport:
    """What one ingest did. `state` is the batch's ingest_state afterwards."""

    batch_local_id: int
    state: str = "none"               # none | partial | complete | unavailable
    lines: int = 0                    # lines read from the stream this time
    written: int = 0                  # rows upserted this time
    malformed: int = 0                # lines with a problem (recorded as far as possible, or skipped)
    skipped: int = 0                  # lines that could not become a row at all (no custom_id)
    problems: list[str] = field(default_factory=list)   # "line N: what", the first few
    results_ingested: int = 0         # rows the journal holds for this batch
    expected: int = 0                 # the batch's request count
    bytes: int = 0
    seconds: float = 0.0
    stream_complete: bool = False     # the whole stream was read (no cut, no error)
    results_gone: bool = False        # the server no longer has the results (404): retrying cannot help
    refused: bool = False             # results_url was on another origin (or redirected there): not fetched
    error: str | None = None          # why the stream could not be read to its end
    # Checked against what was sent (from the journal once the read has ended; see BatchRow):
    compared: bool | None = None      # None: not read whole; False: no stored requests to compare against
    missing: int = 0                  # requests sent with no result line
    unknown: int = 0                  # custom_ids never sent in this batch (lines kept aside)
    duplicates: int = 0               # repeated lines (the first kept, the rest kept aside)

    @property
    def complete(self) -> bool:
        return self.state == "complete"

    @property
    def lines_per_second(self) -> float:
        return self.lines / self.seconds if self.seconds > 0 else 0.0

    @property
    def anomalies(self) -> str:
        """`3 results missing, 2 unknown ids, 1 duplicate line` ("" when the stream matched what was sent)."""
        return anomaly_words(self.missing, self.unknown, self.duplicates)

    @property
    def mismatch(self) -> bool:
        """Results are missing, or lines came for ids never sent in this batch."""
        return bool(self.missing or self.unknown)


MAX_LINE_BYTES = 32 * 1024 * 1024   # a line longer than this is not a result line: skipped (flagged), not held


class _Sink:
    """Collects whole lines and writes them in large upsert transactions, keeping the batch row's bookkeeping.

    The event loop only hands over network chunks cut at their last newline; splitting them into lines and
    parsing happen in aiosqlite's thread, as part of the write. So the loop holds the GIL a few microseconds
    per chunk instead of per line, and the writer (the slowest stage) rarely waits for it."""

    def __init__(self, journal: Journal, local_id: int, report: IngestReport) -> None:
        self.journal, self.local_id, self.report = journal, local_id, report
        self.parts: list[bytes] = []   # each starts a line and ends in \n: network chunks cut at a newline
        self.count = 0                 # lines in `parts`
        self.held = 0                  # bytes in `parts`
        self.first = 1                 # number of the first line in `parts`
        self._checkpointer: sqlite3.Connection | None = None
        self._checkpointing: asyncio.Future[None] | None = None
        self.cost = Coster()
        self._writing: asyncio.Task[None] | None = None
        self.started_complete = report.state == "complete"
        self.seen: set[str] = set()          # custom_ids read so far: a second line for one is a duplicate
        self.repeats: dict[str, int] = {}    # custom_id -> repeats seen so far
        self.set_aside: list[tuple] = []     # anomaly rows of the lines being written
        self.texts: list[tuple[str, str | None]] = []   # (custom_id, answer text) of the rows being written

    def add(self, part: bytes, lines: int) -> None:
        """`part` holds `lines` whole lines: it starts a line and ends in \n."""
        self.parts.append(part)
        self.count += lines
        self.held += len(part)

    @property
    def full(self) -> bool:
        n = self.count
        return (n >= FLUSH_ROWS or self.held >= FLUSH_BYTES
                or (n >= MIN_FLUSH_ROWS and (self._writing is None or self._writing.done())))

    async def flag(self, lineno: int, problem: str) -> None:
        """A line that cannot be recorded at all (too long to hold): counted and named in the report."""
        await self._drain()   # the report's counters are also updated by the write in flight
        report = self.report
        report.lines += 1
        report.malformed += 1
        report.skipped += 1
        if len(report.problems) < MAX_PROBLEMS:
            report.problems.append(f"line {lineno}: {problem}")

    def _parsed(self, first: int, parts: list[bytes]) -> Iterator[tuple]:
        """Rows for `executemany`, split and parsed lazily: in aiosqlite's thread, between SQLite steps, so
        parsing neither waits for the network nor fights the writer for the GIL."""
        report, local_id, cost = self.report, self.local_id, self.cost
        seen, repeats, texts = self.seen, self.repeats, self.texts
        lineno = first - 1
        for line in _lines(parts):
            lineno += 1
            if not line:
                continue
            report.lines += 1
            row, problem, words = parse_line_words(local_id, line, cost)
            if problem is not None:
                report.malformed += 1
                if row is None:
                    report.skipped += 1
                if len(report.problems) < MAX_PROBLEMS:
                    report.problems.append(f"line {lineno}: {problem}")
            if row is not None:
                cid = row[1]
                if cid in seen:   # keep the first line for a custom_id; the repeat is set aside, word for word
                    n = repeats[cid] = repeats.get(cid, 0) + 1
                    report.duplicates += 1
                    self.set_aside.append((local_id, "duplicate", cid, n, lineno, line))
                    continue
                seen.add(cid)
                report.written += 1
                texts.append((cid, words))
                yield row

    async def flush(self) -> None:
        """Hand the rows collected so far to a background write (SQLite works in aiosqlite's thread while
        the next chunk is received and parsed); at most one write is in flight."""
        await self._drain()
        self._writing = asyncio.create_task(self._write(*self._take(), final=False))

    async def finish(self) -> None:
        await self._drain()
        await self._write(*self._take(), final=True)
        await self._close_checkpointer()

    def _take(self) -> tuple[int, list[bytes]]:
        taken = self.first, self.parts
        self.first += self.count
        self.parts, self.count, self.held = [], 0, 0
        return taken

    def _checkpoint_soon(self) -> None:
        if self._checkpointing is not None and not self._checkpointing.done():
            return   # one at a time; the next flush asks again
        if self._checkpointer is None:
            self._checkpointer = sqlite3.connect(self.journal.path, check_same_thread=False, isolation_level=None)
        self._checkpointing = asyncio.ensure_future(asyncio.to_thread(_passive_checkpoint, self._checkpointer))

    async def _close_checkpointer(self) -> None:
        if self._checkpointing is not None:
            with contextlib.suppress(BaseException):
                await self._checkpointing
            self._checkpointing = None
        if self._checkpointer is not None:
            self._checkpointer.close()
            self._checkpointer = None

    async def abort(self) -> None:
        await self._close_checkpointer()
        if self._writing is not None:
            self._writing.cancel()
            with contextlib.suppress(BaseException):
                await self._writing
            self._writing = None

    async def _drain(self) -> None:
        if self._writing is not None:
            task, self._writing = self._writing, None
            await task

    async def _write(self, first: int, parts: list[bytes], *, final: bool) -> None:
        report, local_id = self.report, self.local_id
        async with self.journal.transaction() as db:
            if parts:   # the rows, then their words in the search index (one executemany each)
                before = await search.last_result_rowid(db)
                self.texts = []
                await db.executemany(_UPSERT, self._parsed(first, parts))
                await search.index_answers(db, local_id, before, self.texts)
                self.texts = []
            if self.set_aside:
                await db.executemany(_ANOMALY, self.set_aside)
                self.set_aside = []
            if final:
                await self._check(db)
                return
            async with db.execute("SELECT COUNT(*) FROM results WHERE batch_local_id = ?", (local_id,)) as cur:
                (report.results_ingested,) = await one_row(cur)
            if report.results_ingested and report.state != "complete":
                report.state = "partial"   # complete is decided at the end of the read, against what was sent
            await db.execute("UPDATE batches SET results_ingested = ?, ingest_state = ?, ingest_error = NULL "
                             "WHERE local_id = ?", (report.results_ingested, report.state, local_id))
        if not final:   # copy this write into the database now, while the next rows arrive: the WAL restarts
            # small instead of growing to the size of the whole stream, and the tail after the last line is short.
            # On a connection of its own, so it overlaps the next insert instead of queuing behind it.
            self._checkpoint_soon()


    async def _check(self, db: Any) -> None:
        """The end of a read: lines for ids never sent set aside, the rest counted against the requests, the
        batch's state and its anomaly counts written. One set difference, not a lookup per line."""
        report, local_id = self.report, self.local_id
        async with db.execute("SELECT COUNT(*) FROM requests WHERE batch_local_id = ?", (local_id,)) as cur:
            (sent,) = await one_row(cur)
        if sent:
            async with db.execute(_UNKNOWN_IDS, (local_id,)) as cur:
                unknown = [cid for (cid,) in await cur.fetchall()]
            if unknown:
                ids = orjson.dumps(unknown).decode()
                await db.execute(
                    "INSERT OR REPLACE INTO result_anomalies(batch_local_id, kind, custom_id, occurrence, line_no, "
                    "raw) SELECT batch_local_id, 'unknown_id', custom_id, 0, NULL, raw FROM results "
                    "WHERE batch_local_id = ? AND custom_id IN (SELECT value FROM json_each(?))", (local_id, ids))
                await search.unindex_results(db, local_id, ids)
                await db.execute("DELETE FROM results WHERE batch_local_id = ? "
                                 "AND custom_id IN (SELECT value FROM json_each(?))", (local_id, ids))
        async with db.execute("SELECT COUNT(*) FROM results WHERE batch_local_id = ?", (local_id,)) as cur:
            (report.results_ingested,) = await one_row(cur)
        async with db.execute("SELECT COALESCE(SUM(kind = 'unknown_id'), 0), COALESCE(SUM(kind = 'duplicate'), 0) "
                              "FROM result_anomalies WHERE batch_local_id = ?", (local_id,)) as cur:
            report.unknown, report.duplicates = await one_row(cur)
        if (report.results_ingested >= sent) if sent else (report.results_ingested >= report.expected):
            report.state = "complete"
        elif report.results_ingested:
            report.state = "partial"
        checked = report.stream_complete or report.state == "complete"
        if checked:   # only a whole read says a result is missing (a cut one has simply not got there)
            report.compared = bool(sent)
            report.missing = max(0, sent - report.results_ingested) if sent else 0
        error = _error_text(report)
        if checked:   # what a whole read found; a cut read leaves the last whole read's findings as they were
            await db.execute(
                "UPDATE batches SET results_ingested = ?, ingest_state = ?, ingest_error = ?, results_compared = ?, "
                "results_missing = ?, results_unknown = ?, results_duplicate = ? WHERE local_id = ?",
                (report.results_ingested, report.state, error, int(bool(sent)), report.missing, report.unknown,
                 report.duplicates, local_id))
        else:
            await db.execute("UPDATE batches SET results_ingested = ?, ingest_state = ?, ingest_error = ? "
                             "WHERE local_id = ?", (report.results_ingested, report.state, error, local_id))
        if report.state == "complete" and not self.started_complete:
            detail: dict[str, Any] = {"results": report.results_ingested, "malformed": report.malformed}
            if report.unknown or report.duplicates:
                detail.update(unknown_ids=report.unknown, duplicate_lines=report.duplicates)
            await self.journal.record_event("ingested", batch_local_id=local_id, detail=detail)
        if checked and (report.mismatch or report.duplicates):
            await self.journal.record_event("results_anomalies", batch_local_id=local_id, detail={
                "missing": report.missing, "unknown_ids": report.unknown, "duplicate_lines": report.duplicates,
                "compared": bool(sent)})


def _lines(parts: list[bytes]) -> Iterator[bytes]:
    """The lines of parts that each start a line and end in \n (split one network chunk at a time, so a
    flush is never copied whole)."""
    for part in parts:
        lines = part.split(b"\n")
        lines.pop()   # after the part's last \n
        yield from lines


def _passive_checkpoint(db: sqlite3.Connection) -> None:
    with contextlib.suppress(sqlite3.OperationalError):   # busy or locked: the next one (or the final) does it
        db.execute("PRAGMA wal_checkpoint(PASSIVE)")


def _error_text(report: IngestReport) -> str | None:
    parts = []
    if report.error:
        parts.append(report.error)
    elif report.state != "complete" and report.state != "unavailable":
        if report.compared and report.stream_complete:
            parts.append(report.anomalies or f"{report.results_ingested} of {report.expected} results")
        else:
            parts.append(f"the results stream ended with {report.results_ingested} of {report.expected} results")
    if report.malformed:
        first = f" (first: {report.problems[0]})" if report.problems else ""
        parts.append(f"{report.malformed} malformed line{'s' if report.malformed != 1 else ''}{first}")
    if not parts:
        return None
    return (READ_WHOLE if report.stream_complete and report.state == "partial" else "") + "; ".join(parts)


async def ingest(journal: Journal, client: Any, batch_local_id: int) -> IngestReport:
    """Stream the results of an ended batch into the journal. Never raises for network or data problems:
    they end up in the report and in `batches.ingest_error`, and a later call resumes by upserting."""
    started = time.perf_counter()
    report = IngestReport(batch_local_id)
    async with journal.db.execute(
        "SELECT id, processing_status, n_processing + n_succeeded + n_errored + n_canceled + n_expired, "
        "ingest_state, results_ingested FROM batches WHERE local_id = ?", (batch_local_id,)) as cur:
        found = await cur.fetchone()
    if found is None:
        report.error = f"no batch with local id {batch_local_id} in the journal"
        return report
    batch_id, status, report.expected, report.state, report.results_ingested = found
    if not batch_id or status != "ended":
        report.error = f"batch {batch_id or batch_local_id} has not ended; its results are not ready"
        return report

    async with journal.bulk_writes():
        await _stream(journal, client, batch_id, report)
    report.seconds = time.perf_counter() - started
    return report


_DEFAULT_PORTS = {"http": 80, "https": 443}


def origin(url: str, base: str | None = None) -> str:
    """`scheme://host:port` of a URL (the default port written out), for comparing and for messages. A relative
    URL (no scheme, no host) is taken against `base`, as the SDK does. ValueError: not a URL with a host."""
    parts = urlsplit(url.strip())
    if not parts.scheme and not parts.netloc and base is not None:
        return origin(base)
    scheme = (parts.scheme or (urlsplit(base).scheme if base else "")).lower()
    host = parts.hostname
    try:
        port = parts.port or _DEFAULT_PORTS.get(scheme)
    except ValueError:   # not a number, or out of range
        raise ValueError(f"not a URL with a valid port: {url[:200]!r}") from None
    if not scheme or not host:
        raise ValueError(f"not a URL with a scheme and a host: {url[:200]!r}")
    host = f"[{host}]" if ":" in host else host
    return f"{scheme}://{host}:{port}" if port is not None else f"{scheme}://{host}"


def foreign_origin(url: str, base: str, batch_id: str) -> str | None:
    """Why `url` must not be fetched with the client's key (another origin than `base`), or None if it may."""
    mine = origin(base)
    try:
        theirs = origin(url, base)
    except ValueError as exc:
        return f"refused to fetch the results of {batch_id}: its results_url is {exc}; results are fetched only " \
               f"from {mine}, the server this app is configured with"
    if theirs == mine:
        return None
    return (f"refused to fetch the results of {batch_id} from {theirs}: results are fetched only from {mine}, "
            f"the server this app is configured with (the request carries the API key); nothing was sent to {theirs}")


async def _open_results(client: Any, batch_id: str, report: IngestReport) -> Any:
    """The results response of `batch_id`, streaming, from the client's own origin only; None when refused
    (`report.error` says why). What `client.messages.batches.results` does, with the origin checked between
    its two requests and redirects not followed."""
    import anthropic
    import httpx2

    batch = await client.messages.batches.retrieve(batch_id)
    url = getattr(batch, "results_url", None)
    if not url or not isinstance(url, str):
        raise anthropic.AnthropicError(f"the server gave no results_url for {batch_id} "
                                       f"({getattr(batch, 'processing_status', None)})")
    refusal = foreign_origin(url, str(client.base_url), batch_id)
    if refusal is not None:
        report.refused = True
        report.error = refusal
        return None
    try:
        return await client.get(url, cast_to=httpx2.Response, stream=True,
                                options={"headers": {"Accept": "application/binary"}, "follow_redirects": False})
    except anthropic.APIStatusError as exc:
        if not 300 <= exc.status_code < 400:
            raise
        location = exc.response.headers.get("location", "")
        try:
            where = origin(location, url) if location else "nowhere"
        except ValueError:
            where = repr(location[:200])
        report.refused = True
        report.error = (f"refused to follow a redirect ({exc.status_code}) of the results of {batch_id} to {where}: "
                        f"results are fetched only from {origin(str(client.base_url))}, the server this app is "
                        f"configured with")
        return None


class _Refused(Exception):
    """The results are on another origin: not fetched."""


async def _stream(journal: Journal, client: Any, batch_id: str, report: IngestReport) -> None:
    import anthropic
    import httpx2

    sink = _Sink(journal, report.batch_local_id, report)
    lineno = 0
    try:
        response = await _open_results(client, batch_id, report)
        if response is None:
            raise _Refused
        try:
            tail: list[bytes] = []    # the unfinished last line, in pieces (joined once: no quadratic copies)
            held = 0
            skipping = False          # inside a line over MAX_LINE_BYTES: dropped up to its newline
            async for chunk in response.aiter_bytes():
                report.bytes += len(chunk)
                cut = chunk.rfind(b"\n") + 1
                if not cut:
                    if not skipping:
                        tail.append(chunk)
                        held += len(chunk)
                else:
                    lines = chunk.count(b"\n", 0, cut)
                    if skipping:     # the end of the skipped line: an empty line keeps its number
                        sink.add(chunk[chunk.index(b"\n"):cut], lines)
                        skipping = False
                    elif tail:
                        sink.add(b"".join((*tail, chunk[:cut])), lines)
                    else:
                        sink.add(chunk if cut == len(chunk) else chunk[:cut], lines)
                    lineno += lines
                    tail, held = ([chunk[cut:]], len(chunk) - cut) if cut < len(chunk) else ([], 0)
                    if sink.full:
                        await sink.flush()
                if held > MAX_LINE_BYTES:
                    await sink.flag(lineno + 1, f"longer than {MAX_LINE_BYTES // 2**20} MB: skipped")
                    tail, held, skipping = [], 0, True
            pending = b"".join(tail)
            if pending.strip():
                sink.add(pending + b"\n", 1)
        finally:
            await response.aclose()
        report.stream_complete = True
    except _Refused:
        pass   # report.error says why; nothing was sent to the other origin
    except anthropic.NotFoundError:
        report.results_gone = True
        if report.results_ingested == 0 and not sink.parts:
            report.state = "unavailable"
        report.error = "results are no longer available on the server (kept what the journal has)"
    except (anthropic.APIError, anthropic.AnthropicError, httpx2.HTTPError, ValueError) as exc:
        report.error = f"results stream of {batch_id} broke after line {lineno}: {_short(exc)}"
    except BaseException:
        await sink.abort()
        raise
    await sink.finish()


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:200]
