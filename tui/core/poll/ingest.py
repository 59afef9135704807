"""Results ingest: stream an ended batch's results (JSONL) into the journal.

The SDK makes the HTTP call (`with_streaming_response.results`); the bytes are split on `\\n` and parsed
here with orjson (the SDK's per-line pydantic decoding is several times slower). Rows are upserted in
large transactions, so a re-ingest is idempotent and a cut stream or a killed process simply resumes:
the next ingest re-reads the stream and upserts. Memory stays bounded: one network chunk plus one flush
of rows is all that is ever held.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from tui.core.journal.connection import Journal, one_row
from tui.core.poll.result_lines import Coster, parse_line

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
    error: str | None = None          # why the stream could not be read to its end

    @property
    def complete(self) -> bool:
        return self.state == "complete"

    @property
    def lines_per_second(self) -> float:
        return self.lines / self.seconds if self.seconds > 0 else 0.0


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
        lineno = first - 1
        for line in _lines(parts):
            lineno += 1
            if not line:
                continue
            report.lines += 1
            row, problem = parse_line(local_id, line, cost)
            if problem is not None:
                report.malformed += 1
                if row is None:
                    report.skipped += 1
                if len(report.problems) < MAX_PROBLEMS:
                    report.problems.append(f"line {lineno}: {problem}")
            if row is not None:
                report.written += 1
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
        report = self.report
        async with self.journal.transaction() as db:
            if parts:
                await db.executemany(_UPSERT, self._parsed(first, parts))
            async with db.execute("SELECT COUNT(*) FROM results WHERE batch_local_id = ?", (self.local_id,)) as cur:
                (report.results_ingested,) = await one_row(cur)
            before = report.state
            if report.results_ingested >= report.expected and (report.results_ingested or final):
                report.state = "complete"
            elif report.results_ingested:
                report.state = "partial"
            error = _error_text(report) if final else None
            await db.execute("UPDATE batches SET results_ingested = ?, ingest_state = ?, ingest_error = ? "
                             "WHERE local_id = ?",
                             (report.results_ingested, report.state, error, self.local_id))
            if report.state == "complete" and before != "complete":
                await self.journal.record_event("ingested", batch_local_id=self.local_id, detail={
                    "results": report.results_ingested, "malformed": report.malformed})
        if not final:   # copy this write into the database now, while the next rows arrive: the WAL restarts
            # small instead of growing to the size of the whole stream, and the tail after the last line is short.
            # On a connection of its own, so it overlaps the next insert instead of queuing behind it.
            self._checkpoint_soon()


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


async def _stream(journal: Journal, client: Any, batch_id: str, report: IngestReport) -> None:
    import anthropic
    import httpx2

    sink = _Sink(journal, report.batch_local_id, report)
    lineno = 0
    try:
        async with client.messages.batches.with_streaming_response.results(batch_id) as response:
            tail: list[bytes] = []    # the unfinished last line, in pieces (joined once: no quadratic copies)
            held = 0
            skipping = False          # inside a line over MAX_LINE_BYTES: dropped up to its newline
            async for chunk in response.iter_bytes():
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
        report.stream_complete = True
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
