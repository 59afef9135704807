"""Throughput history and ETAs from what the journal has seen.

Snapshots (one row per poll of a batch, written by the poller) give completed-requests-per-interval series
for sparklines. Be honest about production: the API keeps `processing = N` until a batch ends, so a real
batch's series is flat until one jump at its end. An ETA therefore comes from the counts only where the
server moves them; otherwise from how long the account's recent ended batches of similar size took; and
otherwise there is none ("no estimate yet").
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass

from tui.core.journal import Journal
from tui.core.models import BatchRow
from tui.core.timeline import format_duration

NO_ESTIMATE = "no estimate yet"
SIMILAR_RATIO = 2.0          # "similar size": between half and twice the request count
SIMILAR_LIMIT = 20           # the most recent this many similar batches
RATE_WINDOW = 15 * 60.0      # counts-based rate over the last 15 minutes of snapshots

_DELTAS = """
    SELECT batch_local_id, at, delta FROM (
        SELECT batch_local_id, at,
               (n_succeeded + n_errored + n_canceled + n_expired)
               - LAG(n_succeeded + n_errored + n_canceled + n_expired)
                 OVER (PARTITION BY batch_local_id ORDER BY at) AS delta
        FROM snapshots WHERE {where}
    ) WHERE delta > 0 AND at >= ? AND at <= ?
"""


@dataclass(frozen=True, slots=True)
class Eta:
    seconds: float | None     # from now until the expected end; None when there is no estimate
    basis: str | None         # "counts" | "similar" | None
    text: str                 # for a cell: "~12m 30s", "any moment", "no estimate yet"
    detail: str = ""          # for a tooltip / the batch view: how the estimate was made


def bucketize(deltas: list[tuple[float, int]], start: float, end: float, buckets: int) -> list[int]:
    """Sum (time, count) pairs into `buckets` equal intervals of [start, end]."""
    series = [0] * max(buckets, 1)
    span = end - start
    if span <= 0:
        return series
    for at, n in deltas:
        if start <= at <= end:
            i = min(int((at - start) / span * len(series)), len(series) - 1)
            series[i] += n
    return series


async def completions(journal: Journal, start: float, end: float,
                      batch_local_id: int | None = None) -> list[tuple[int, float, int]]:
    """(batch, time, requests completed since the previous snapshot) for snapshots in [start, end]."""
    if batch_local_id is None:
        sql = _DELTAS.format(where="batch_local_id IN (SELECT DISTINCT batch_local_id FROM snapshots WHERE at >= ?)")
        args: tuple = (start, start, end)
    else:
        sql = _DELTAS.format(where="batch_local_id = ?")
        args = (batch_local_id, start, end)
    async with journal.db.execute(sql, args) as cur:
        return [(row[0], row[1], row[2]) for row in await cur.fetchall()]


async def batch_series(journal: Journal, batch: BatchRow, now: float, buckets: int = 8) -> list[int]:
    """Completed requests per interval over the batch's life so far (creation to end, or to now)."""
    start = batch.created_at if batch.created_at is not None else now
    end = batch.ended_at if batch.ended_at is not None else now
    rows = await completions(journal, start, end, batch.local_id)
    return bucketize([(at, n) for _, at, n in rows], start, end, buckets)


async def all_series(journal: Journal, now: float, span: float = 3600.0, buckets: int = 20) -> list[int]:
    """Completed requests per interval over the last `span` seconds, all batches together."""
    rows = await completions(journal, now - span, now)
    return bucketize([(at, n) for _, at, n in rows], now - span, now, buckets)


async def counts_rate(journal: Journal, batch: BatchRow, now: float) -> float | None:
    """Requests per second from the counts of an unfinished batch, if the server moves them."""
    async with journal.db.execute(
        "SELECT at, n_succeeded + n_errored + n_canceled + n_expired FROM snapshots "
        "WHERE batch_local_id = ? AND at >= ? AND at <= ? ORDER BY at",
        (batch.local_id, now - RATE_WINDOW, now),
    ) as cur:
        points = await cur.fetchall()
    if len(points) < 2:
        return None
    (t0, d0), (t1, d1) = points[0], points[-1]
    if t1 <= t0 or d1 <= d0:
        return None
    return (d1 - d0) / (t1 - t0)


async def similar_durations(journal: Journal, size: int, *, exclude: int | None = None) -> list[float]:
    """How long the most recent ended, not-canceled batches of similar size took (seconds, newest first)."""
    low, high = max(1, int(size / SIMILAR_RATIO)), int(size * SIMILAR_RATIO) + 1
    async with journal.db.execute(
        """SELECT ended_at - created_at FROM batches
           WHERE processing_status = 'ended' AND ended_at IS NOT NULL AND created_at IS NOT NULL
             AND cancel_initiated_at IS NULL AND n_expired = 0 AND local_id IS NOT ?
             AND (n_processing + n_succeeded + n_errored + n_canceled + n_expired) BETWEEN ? AND ?
           ORDER BY ended_at DESC LIMIT ?""",
        (exclude, low, high, SIMILAR_LIMIT),
    ) as cur:
        return [row[0] for row in await cur.fetchall() if row[0] is not None and row[0] >= 0]


async def estimate_eta(journal: Journal, batch: BatchRow, now: float) -> Eta | None:
    """The ETA of an unfinished batch (None for an ended one)."""
    if not batch.unfinished:
        return None
    rate = await counts_rate(journal, batch, now)
    if rate:
        left = batch.counts.processing / rate
        return Eta(left, "counts", "~" + format_duration(left),
                   f"from the counts: {rate * 60:.1f} requests/min over the last polls")
    durations = await similar_durations(journal, batch.total, exclude=batch.local_id)
    if durations and batch.created_at is not None:
        typical = statistics.median(durations)
        left = batch.created_at + typical - now
        n = len(durations)
        detail = (f"counts stay at processing until a batch ends; {n} recent batch{'es' if n != 1 else ''} "
                  f"of similar size took {format_duration(typical)} (median)")
        return Eta(max(left, 0.0), "similar", "~" + format_duration(left) if left > 0 else "any moment", detail)
    return Eta(None, None, NO_ESTIMATE,
               "counts stay at processing until a batch ends, and no ended batch of similar size is known yet")
