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
import time
from dataclasses import dataclass, field
from collections.abc import Iterator
from typing import Any

import orjson

from tui.core.journal import Journal
from tui.core.pricing import ModelPrice, PriceTable, price_table

FLUSH_ROWS = 5_000
PREVIEW_CHARS = 200
MAX_PROBLEMS = 5          # problems kept word for word in the report; the rest are only counted

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
_KNOWN_TYPES = frozenset(("succeeded", "errored", "canceled", "expired"))
_USAGE_KEYS = ("input_tokens", "output_tokens", "cache_creation_input_tokens", "cache_read_input_tokens")


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
    error: str | None = None          # why the stream could not be read to its end

    @property
    def complete(self) -> bool:
        return self.state == "complete"

    @property
    def lines_per_second(self) -> float:
        return self.lines / self.seconds if self.seconds > 0 else 0.0


# ---------------------------------------------------------------------------------------------- parsing

def _preview(content: Any) -> str | None:
    parts: list[str] = []
    size = 0
    for block in content:
        if isinstance(block, dict) and block.get("type") == "text":
            text = block.get("text")
            if isinstance(text, str):
                parts.append(text)
                size += len(text)
                if size >= PREVIEW_CHARS:
                    break
    return "".join(parts)[:PREVIEW_CHARS] if parts else None


def _fast_row(local_id: int, line: bytes, obj: Any, cost: Coster) -> tuple | None:
    """The well-formed case, with no checks beyond exact types; None sends the line to `_careful_row`."""
    cid = obj["custom_id"]
    result = obj["result"]
    rtype = result["type"]
    if type(cid) is not str or not cid:
        return None
    if rtype == "succeeded":
        msg = result["message"]
        usage = msg["usage"]
        i, o = usage["input_tokens"], usage["output_tokens"]
        cc, cr = usage.get("cache_creation_input_tokens"), usage.get("cache_read_input_tokens")
        model, stop = msg["model"], msg.get("stop_reason")
        if (type(i) is not int or type(o) is not int or type(model) is not str
                or (cc is not None and type(cc) is not int) or (cr is not None and type(cr) is not int)
                or (stop is not None and type(stop) is not str)):
            return None
        return (local_id, cid, rtype, None, None, stop, model, i, o, cc, cr, cost(model, i, o, cc, cr),
                _preview(msg["content"]), line)
    if rtype == "errored":
        inner = result["error"]["error"]
        etype, emsg = inner["type"], inner.get("message")
        if type(etype) is not str or (emsg is not None and type(emsg) is not str):
            return None
        return (local_id, cid, rtype, etype, emsg, None, None, None, None, None, None, 0.0,
                emsg[:PREVIEW_CHARS] if emsg else None, line)
    if rtype == "canceled" or rtype == "expired":
        return (local_id, cid, rtype, None, None, None, None, None, None, None, None, 0.0, None, line)
    return None


def _careful_row(local_id: int, line: bytes, obj: Any, cost: Coster) -> tuple[tuple | None, str | None]:
    """Whatever can be recorded from an odd line, and what was wrong with it (None when nothing)."""
    if not isinstance(obj, dict):
        return None, "not a JSON object"
    cid = obj.get("custom_id")
    if not isinstance(cid, str) or not cid:
        return None, "custom_id missing or not a string"
    problems: list[str] = []

    def pick(container: Any, key: str, kind: type | tuple[type, ...], where: str) -> Any:
        value = container.get(key) if isinstance(container, dict) else None
        if value is None:
            return None
        if not isinstance(value, kind) or isinstance(value, bool):
            problems.append(f"{where}{key} has the wrong type")
            return None
        return value

    result = obj.get("result")
    if not isinstance(result, dict):
        return (local_id, cid, "unknown", None, None, None, None, None, None, None, None, None,
                None, line), "result missing or not an object"
    rtype = pick(result, "type", str, "result.") or "unknown"
    if rtype not in _KNOWN_TYPES:
        problems.append(f"unknown result type {rtype[:40]!r}")
    etype = emsg = stop = model = preview = None
    tokens: list[int | None] = [None, None, None, None]
    if rtype == "errored":
        outer = result.get("error")
        inner = outer.get("error") if isinstance(outer, dict) else None
        if not isinstance(inner, dict):
            problems.append("result.error.error missing")
        etype = pick(inner, "type", str, "result.error.error.")
        emsg = pick(inner, "message", str, "result.error.error.")
        preview = emsg[:PREVIEW_CHARS] if emsg else None
    elif rtype == "succeeded":
        msg = result.get("message")
        if not isinstance(msg, dict):
            problems.append("result.message missing")
            msg = {}
        model = pick(msg, "model", str, "message.")
        stop = pick(msg, "stop_reason", str, "message.")
        usage = msg.get("usage")
        if not isinstance(usage, dict):
            problems.append("message.usage missing or not an object")
        tokens = [pick(usage, k, int, "usage.") for k in _USAGE_KEYS]
        content = msg.get("content")
        preview = _preview(content) if isinstance(content, list) else None
    if rtype != "succeeded":
        price = 0.0 if rtype in _KNOWN_TYPES else None      # errored, canceled, expired: not billed
    elif model and tokens[0] is not None and tokens[1] is not None:
        price = cost(model, *tokens)
    else:
        price = None
    row = (local_id, cid, rtype, etype, emsg, stop, model, *tokens, price, preview, line)
    return row, "; ".join(problems) or None


class Coster:
    """Batch-price cost of a usage, with the model lookup done once per model name (it is the slow part of
    `PriceTable.cost`, whose arithmetic this repeats). None when the model's price is unknown."""

    def __init__(self, table: PriceTable | None = None) -> None:
        self.table = table or price_table()
        self._prices: dict[str, ModelPrice | None] = {}

    def __call__(self, model: str, i: int, o: int, cc: int | None, cr: int | None) -> float | None:
        try:
            price = self._prices[model]
        except KeyError:
            price = self._prices[model] = self.table.lookup(model)
        if price is None:
            return None
        cc, cr = cc or 0, cr or 0
        r = price.rates_for(i + cc + cr)
        return (i * r.input + o * r.output + cc * r.cache_write + cr * r.cache_read) / 1e6 * self.table.batch_discount


def parse_line(local_id: int, line: bytes, cost: Coster) -> tuple[tuple | None, str | None]:
    """One results line -> (row for the results table or None, problem or None). Never raises."""
    try:
        obj = orjson.loads(line)
    except orjson.JSONDecodeError:
        try:
            obj = orjson.loads(line.decode("utf-8", "replace"))
        except orjson.JSONDecodeError:
            return None, "not valid JSON"
        row, problem = _careful_row(local_id, line, obj, cost)
        return row, "invalid UTF-8" + (f"; {problem}" if problem else "")
    try:
        row = _fast_row(local_id, line, obj, cost)
    except (KeyError, TypeError, AttributeError, IndexError):
        row = None
    if row is not None:
        return row, None
    return _careful_row(local_id, line, obj, cost)


# ---------------------------------------------------------------------------------------------- streaming

MAX_LINE_BYTES = 32 * 1024 * 1024   # a line longer than this is not a result line: skipped (flagged), not held


class _Sink:
    """Collects rows and writes them in large upsert transactions, keeping the batch row's bookkeeping."""

    def __init__(self, journal: Journal, local_id: int, report: IngestReport) -> None:
        self.journal, self.local_id, self.report = journal, local_id, report
        self.rows: list[tuple[int, bytes]] = []   # (line number, line), parsed when written
        self.cost = Coster()
        self._writing: asyncio.Task[None] | None = None

    def add(self, lineno: int, line: bytes) -> None:
        self.report.lines += 1
        self.rows.append((lineno, line))

    async def flag(self, lineno: int, problem: str) -> None:
        """A line that cannot be recorded at all (too long to hold): counted and named in the report."""
        await self._drain()   # the report's counters are also updated by the write in flight
        report = self.report
        report.lines += 1
        report.malformed += 1
        report.skipped += 1
        if len(report.problems) < MAX_PROBLEMS:
            report.problems.append(f"line {lineno}: {problem}")

    def _parsed(self, lines: list[tuple[int, bytes]]) -> Iterator[tuple]:
        """Rows for `executemany`, parsed lazily: in aiosqlite's thread, between SQLite steps, so parsing
        neither waits for the network nor fights the writer for the GIL."""
        report, local_id, cost = self.report, self.local_id, self.cost
        for lineno, line in lines:
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
        rows, self.rows = self.rows, []
        self._writing = asyncio.create_task(self._write(rows, final=False))

    async def finish(self) -> None:
        await self._drain()
        rows, self.rows = self.rows, []
        await self._write(rows, final=True)

    async def abort(self) -> None:
        if self._writing is not None:
            self._writing.cancel()
            with contextlib.suppress(BaseException):
                await self._writing
            self._writing = None

    async def _drain(self) -> None:
        if self._writing is not None:
            task, self._writing = self._writing, None
            await task

    async def _write(self, rows: list[tuple], *, final: bool) -> None:
        report = self.report
        async with self.journal.transaction() as db:
            if rows:
                await db.executemany(_UPSERT, self._parsed(rows))
            async with db.execute("SELECT COUNT(*) FROM results WHERE batch_local_id = ?", (self.local_id,)) as cur:
                (report.results_ingested,) = await cur.fetchone()
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


def _error_text(report: IngestReport) -> str | None:
    parts = []
    if report.error:
        parts.append(report.error)
    elif report.state != "complete" and report.state != "unavailable":
        parts.append(f"the results stream ended with {report.results_ingested} of {report.expected} results")
    if report.malformed:
        first = f" (first: {report.problems[0]})" if report.problems else ""
        parts.append(f"{report.malformed} malformed line{'s' if report.malformed != 1 else ''}{first}")
    return "; ".join(parts) or None


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
            parts: list[bytes] = []   # the unfinished last line, in pieces (joined once: no quadratic copies)
            held = 0
            skipping = False          # inside a line over MAX_LINE_BYTES: dropped up to its newline
            async for chunk in response.iter_bytes():
                report.bytes += len(chunk)
                if b"\n" not in chunk:
                    if not skipping:
                        parts.append(chunk)
                        held += len(chunk)
                else:
                    lines = chunk.split(b"\n")
                    if skipping:
                        lines[0], skipping = b"", False   # the end of the skipped line keeps its number
                    elif parts:
                        lines[0] = b"".join(parts) + lines[0]
                    last = lines.pop()
                    parts, held = [last], len(last)
                    for line in lines:
                        lineno += 1
                        if line:
                            sink.add(lineno, line)
                    if len(sink.rows) >= FLUSH_ROWS:
                        await sink.flush()
                if held > MAX_LINE_BYTES:
                    await sink.flag(lineno + 1, f"longer than {MAX_LINE_BYTES // 2**20} MB: skipped")
                    parts, held, skipping = [], 0, True
            pending = b"".join(parts)
            if pending.strip():
                sink.add(lineno + 1, pending)
        report.stream_complete = True
    except anthropic.NotFoundError:
        if report.results_ingested == 0 and not sink.rows:
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
