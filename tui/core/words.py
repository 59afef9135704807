"""The app's plain-text vocabulary: one function per concept, so the CLI and the TUI say the same thing in
the same words. The TUI styles these words (`tui/render.py`); the CLI prints them as they are.

Concepts: a batch's status word, its display name and short id, a duration, a byte size, counts with their
plural, the outcome of an ended batch, and the text of a response. Outside text in a name goes through
`safe_text`.
"""

from __future__ import annotations

import os
from typing import Any

from tui.core.models import BatchRow, RequestCounts
from tui.core.safe_text import safe_text

SHORT_ID = 8   # the last characters of a server id; commands accept them as a unique suffix

# Every status word, in the order a "by status" sort shows them (what needs attention first).
STATUS_WORDS = ("sending", "waiting", "canceling", "running", "mismatch", "errors", "expired", "canceled", "refused", "done",
                "gone", "deleted", "unknown")


def status_word(row: BatchRow) -> str:
    """One word for where a batch stands, from its server state and local facts:

    sending / waiting (not confirmed yet; waiting: the last try could not reach the server) / refused (the
    server refused it) / running / canceling / mismatch (ended, but its results do not match what was sent:
    some missing, or lines for ids never sent) / done / errors / expired / canceled (ended, by what happened to
    its requests) / gone (the server no longer knows it) / deleted (deleted on the server by us).
    """
    if row.deleted_at is not None:
        return "deleted"
    if row.gone:
        return "gone"
    if row.id is None:
        if row.intent_state == "failed":
            return "refused"
        return "waiting" if row.intent_error else "sending"
    status = row.processing_status
    if status == "in_progress":
        return "running"
    if status == "canceling":
        return "canceling"
    if status == "ended":
        c = row.counts
        if row.results_mismatch:
            return "mismatch"
        if c.errored:
            return "errors"
        if c.expired:
            return "expired"
        if c.canceled or row.cancel_initiated_at is not None:
            return "canceled"
        return "done"
    return "unknown"


def batch_name(row: BatchRow) -> str:
    """The batch's label, else its source file's name, else its job's name, else `batch N` (made safe); a batch
    found on the server, not sent from here, says so. One of several batches a job was split into says which:
    `big (1/3)`, `big (2/3)`."""
    name = row.label or (os.path.basename(row.source_path) if row.source_path else None) or row.job_name
    if not name:
        name = f"batch {row.local_id}" + (" (adopted)" if row.adopted else "")
    name = safe_text(name, limit=120, single_line=True)
    if row.chunk_count is not None and row.chunk_count > 1 and row.chunk_index is not None:
        name += f" ({row.chunk_index + 1}/{row.chunk_count})"
    return name


def short_id(row: BatchRow) -> str:
    """The last characters of the server id (accepted by every command), or `#N` before there is one."""
    if not row.id:
        return f"#{row.local_id}"
    return safe_text(row.id[-SHORT_ID:], single_line=True)


def duration(seconds: float) -> str:
    """A short human duration, six characters at most: `42s`, `5m03s`, `45m`, `3h12m`, `47h59m` (hours up to two
    days, so a day-long countdown keeps its minutes), `2d4h`, `28d21h`. Never negative."""
    s = int(max(0, seconds))
    if s < 60:
        return f"{s}s"
    m, s = divmod(s, 60)
    if m < 60:
        return f"{m}m{s:02d}s" if m < 10 else f"{m}m"
    h, m = divmod(m, 60)
    if h < 48:
        return f"{h}h{m:02d}m"
    d, h = divmod(h, 24)
    return f"{d}d{h}h"


def byte_size(n: int) -> str:
    """Decimal units, as the API states its limits (256 MB): `512 B`, `3.4 kB`, `102.6 MB`, `1.2 GB`."""
    if n < 1000:
        return f"{n:,} B"
    for unit, size in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if n >= size:
            return f"{n / size:,.1f} {unit}"
    return f"{n:,} B"  # not reached


def plural(n: int, word: str) -> str:
    """`1 request`, `2,000 requests`, `3 batches`."""
    return f"{n:,} {word}" + ("" if n == 1 else "es" if word.endswith(("ch", "s")) else "s")


def outcome(counts: RequestCounts) -> str:
    """What became of an ended batch's requests: `380 succeeded, 12 errored, 8 expired` (zeros left out)."""
    parts = [f"{counts.succeeded:,} succeeded"]
    parts += [f"{n:,} {word}" for n, word in ((counts.errored, "errored"), (counts.canceled, "canceled"),
                                              (counts.expired, "expired")) if n]
    return ", ".join(parts)


def anomaly_words(missing: int, unknown: int, duplicate: int) -> str:
    """`3 results missing, 2 unknown ids, 1 duplicate line`, zeros left out ("" when all are zero): what a
    results stream got wrong against what was sent."""
    parts = [f"{n:,} {one if n == 1 else many}" for n, one, many in (
        (missing, "result missing", "results missing"), (unknown, "unknown id", "unknown ids"),
        (duplicate, "duplicate line", "duplicate lines")) if n]
    return ", ".join(parts)


def result_anomalies(row: BatchRow) -> str:
    """`anomaly_words` of a batch's last full read of its results ("" when they matched what was sent)."""
    return anomaly_words(row.results_missing, row.results_unknown, row.results_duplicate)


def response_text(result_line: Any) -> str:
    """The text of a succeeded result: its message's text blocks joined as the model wrote them (a block cut
    by a citation continues in the next). What `y` copies and what export writes; "" for anything else."""
    result = result_line.get("result") if isinstance(result_line, dict) else None
    message = result.get("message") if isinstance(result, dict) else None
    content = message.get("content") if isinstance(message, dict) else None
    if isinstance(content, str):
        return content
    if not isinstance(content, list):
        return ""
    return "".join(b["text"] for b in content
                   if isinstance(b, dict) and b.get("type") == "text" and isinstance(b.get("text"), str))


def error_message(result_line: Any) -> str:
    """The message of an errored result (the API nests it at `result.error.error.message`); "" otherwise."""
    result = result_line.get("result") if isinstance(result_line, dict) else None
    if not isinstance(result, dict) or result.get("type") != "errored":
        return ""
    outer = result.get("error")
    error = outer if isinstance(outer, dict) else {}
    nested = error.get("error")
    inner = nested if isinstance(nested, dict) else error
    message = inner.get("message", "")
    return message if isinstance(message, str) else str(message)
