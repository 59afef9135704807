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

from tui.core.journal.connection import Journal
from tui.core.models import BatchRow
from tui.core.words import duration

NO_ESTIMATE = "no estimate yet"
SIMILAR_RATIO = 2.0          # "similar size": between half and twice the request count
SIMILAR_LIMIT = 20           # the most recent this many similar batches
RATE_WINDOW = 15 * 60.0      # counts-based rate over the last 15 minutes of snapshots

# Requests completed between consecutive snapshots of a batch. A batch's first snapshot counts from its
# creation (what it had done before we first saw it), and a jump that spans the batch's end is placed at
# `ended_at` (the API moves all counts at once when a batch ends, so that is when the work became visible).
_DELTAS = """
    SELECT batch_local_id,
           CASE WHEN ended_at > prev_at AND ended_at < at THEN ended_at ELSE at END AS t, delta, prev_at
    FROM (
        SELECT s.batch_local_id, s.at, b.ended_at,
               COALESCE(LAG(s.at) OVER w, MIN(b.created_at, s.at), s.at) AS prev_at,
               s.done - COALESCE(LAG(s.done) OVER w, 0) AS delta
        FROM (SELECT batch_local_id, at, n_succeeded + n_errored + n_canceled + n_expired AS done
              FROM snapshots WHERE {where}) s
        JOIN batches b ON b.local_id = s.batch_local_id
        WINDOW w AS (PARTITION BY s.batch_local_id ORDER BY s.at)
    ) WHERE delta > 0 AND t >= ? AND t <= ?
"""


@dataclass(frozen=True, slots=True)
class Move:
    """Requests completed between two snapshots of one batch."""

    batch_local_id: int
    at: float
    count: int
    prev_at: float


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
                      batch_ids: list[int] | None = None) -> list[Move]:
    """Requests completed between consecutive snapshots, for snapshots in [start, end]: of the given
    batches (any age), or of every batch polled since `start`."""
    if batch_ids is None:
        sql = _DELTAS.format(where="batch_local_id IN (SELECT DISTINCT batch_local_id FROM snapshots WHERE at >= ?)")
        args: tuple = (start, start, end)
    elif not batch_ids:
        return []
    else:
        sql = _DELTAS.format(where=f"batch_local_id IN ({','.join('?' * len(batch_ids))})")
        args = (*batch_ids, start, end)
    async with journal.db.execute(sql, args) as cur:
        return [Move(*row) for row in await cur.fetchall()]


def life_series(batch: BatchRow, moves: list[Move], now: float, buckets: int = 8) -> list[int]:
    """Completed requests per interval over the batch's life so far (creation to end, or to now)."""
    start = batch.created_at if batch.created_at is not None else now
    end = batch.ended_at if batch.ended_at is not None else now
    return bucketize([(m.at, m.count) for m in moves], start, end, buckets)


SPANS = (300.0, 900.0, 3600.0, 6 * 3600.0, 86_400.0)   # the all-batch sparkline covers one of these


def pick_span(moves: list[Move], now: float) -> float:
    """The shortest span that holds every completion of the last day (an hour when there was none)."""
    recent = [m.at for m in moves if now - SPANS[-1] <= m.at <= now]
    age = now - min(recent) if recent else SPANS[2]
    return next((span for span in SPANS if age <= span), SPANS[-1])


async def all_series(journal: Journal, now: float, buckets: int = 20,
                     span: float | None = None) -> tuple[float, list[int]]:
    """Completed requests per interval, all batches together, over `span` seconds (by default the shortest
    of SPANS that holds the last day's activity): (span, series)."""
    moves = await completions(journal, now - (span or SPANS[-1]), now)
    span = span or pick_span(moves, now)
    return span, bucketize([(m.at, m.count) for m in moves], now - span, now, buckets)


def rate_from(moves: list[Move], now: float) -> float | None:
    """Requests per second of one batch from its recent count moves (None when its counts do not move)."""
    recent = [m for m in moves if now - RATE_WINDOW <= m.at <= now]
    if not recent:
        return None
    span = max(m.at for m in recent) - min(m.prev_at for m in recent)
    return sum(m.count for m in recent) / span if span > 0 else None


async def counts_rate(journal: Journal, batch: BatchRow, now: float) -> float | None:
    """Requests per second from the counts of an unfinished batch, if the server moves them."""
    return rate_from(await completions(journal, now - RATE_WINDOW, now, [batch.local_id]), now)


_ENDED = """
    SELECT local_id, n_processing + n_succeeded + n_errored + n_canceled + n_expired, ended_at - created_at
    FROM batches
    WHERE processing_status = 'ended' AND ended_at IS NOT NULL AND created_at IS NOT NULL
      AND cancel_initiated_at IS NULL AND n_expired = 0 AND ended_at >= created_at
    ORDER BY ended_at DESC LIMIT ?
"""


async def ended_durations(journal: Journal, limit: int = 1000) -> list[tuple[int, int, float]]:
    """(local_id, request count, seconds it took) of the most recent ended, not-canceled, not-expired batches."""
    async with journal.db.execute(_ENDED, (limit,)) as cur:
        return [(row[0], row[1], row[2]) for row in await cur.fetchall()]


def similar(history: list[tuple[int, int, float]], size: int, exclude: int | None = None) -> list[float]:
    """Durations of the most recent batches of similar size (between half and twice `size` requests)."""
    low, high = size / SIMILAR_RATIO, size * SIMILAR_RATIO
    found = [d for lid, n, d in history if lid != exclude and low <= n <= high]
    return found[:SIMILAR_LIMIT]


async def similar_durations(journal: Journal, size: int, *, exclude: int | None = None) -> list[float]:
    """How long the most recent ended, not-canceled batches of similar size took (seconds, newest first)."""
    return similar(await ended_durations(journal), size, exclude)


async def estimate_eta(journal: Journal, batch: BatchRow, now: float) -> Eta | None:
    """The ETA of an unfinished batch (None for an ended one)."""
    if not batch.unfinished:
        return None
    return eta_for(batch, now, await counts_rate(journal, batch, now),
                   await similar_durations(journal, batch.total, exclude=batch.local_id))


def eta_for(batch: BatchRow, now: float, rate: float | None, durations: list[float]) -> Eta | None:
    """The ETA from a counts rate (preferred) or the durations of similar ended batches."""
    if not batch.unfinished:
        return None
    if rate:
        left = batch.counts.processing / rate
        return Eta(left, "counts", "~" + duration(left),
                   f"from the counts: {rate * 60:.1f} requests/min over the last polls")
    if durations and batch.created_at is not None:
        typical = statistics.median(durations)
        left = batch.created_at + typical - now
        n = len(durations)
        detail = (f"{n} similar batch{'es' if n != 1 else ''} took {duration(typical)} (median); "
                  "counts only move when a batch ends")
        return Eta(max(left, 0.0), "similar", "~" + duration(left) if left > 0 else "any moment", detail)
    return Eta(None, None, NO_ESTIMATE,
               "counts only move when a batch ends, and no ended batch of similar size is known yet")
