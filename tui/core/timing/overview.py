"""Everything the dashboard shows about cost and time, read in one go (a few queries, not a few per batch):
spend per batch and in total, throughput series per batch and for all batches, ETAs, and which ended
batches' results are waiting for ingest, kept only locally, or lost. Screens call `load_overview` in a worker.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from tui.core.timing import throughput as tp
from tui.core.timing import deadlines as tl
from tui.core.journal.connection import Journal, one_row
from tui.core.models import BatchRow
from tui.core.money.pricing import price_table
from tui.core.money.spend import Spend, batch_spend, job_spend

BATCH_BUCKETS = 8          # cells of a per-batch sparkline
ALL_BUCKETS = 20           # cells of the header sparkline


def span_label(seconds: float) -> str:
    return f"{seconds / 3600:g}h" if seconds >= 3600 else f"{seconds / 60:g}m"


@dataclass(slots=True)
class Overview:
    """The dashboard's cost and time, for the batches shown: what its header line and cost/time columns draw."""

    now: float = 0.0
    spend: dict[int, Spend] = field(default_factory=dict)
    total: Spend = field(default_factory=Spend)
    series: dict[int, list[int]] = field(default_factory=dict)
    all_series: list[int] = field(default_factory=list)
    all_span: float = tp.SPANS[2]
    eta: dict[int, tp.Eta] = field(default_factory=dict)
    awaiting_ingest: list[int] = field(default_factory=list)   # ended, results still only on the server
    local_only: list[int] = field(default_factory=list)        # results kept only in the journal now
    lost: list[int] = field(default_factory=list)              # never ingested, gone from the server
    prices_checked_on: str = ""
    prices_problem: str | None = None


class SeriesCache:
    """What stops changing is kept between loads: ended batches' sparklines. (Result sums are kept by
    `tui.core.journal.sums` for every reader.)"""

    def __init__(self) -> None:
        self.ended: dict[int, list[int]] = {}


async def load_overview(journal: Journal, rows: Iterable[BatchRow], now: float | None = None,
                     cache: SeriesCache | None = None) -> Overview:
    now = journal.clock.now() if now is None else now
    rows = list(rows)
    table = price_table()
    overview = Overview(now=now, prices_checked_on=table.checked_on, prices_problem=table.problem)
    cache = cache or SeriesCache()
    overview.spend = await batch_spend(journal, [r.local_id for r in rows], table=table)   # sums kept in spend
    for spend in overview.spend.values():
        overview.total = overview.total + spend

    need = [r.local_id for r in rows if r.local_id not in cache.ended and r.created_at is not None]
    moves: dict[int, list[tp.Move]] = {}
    for move in await tp.completions(journal, 0.0, now, need):
        moves.setdefault(move.batch_local_id, []).append(move)
    history = await tp.ended_durations(journal) if any(r.unfinished for r in rows) else []
    for row in rows:
        if row.local_id in cache.ended:
            overview.series[row.local_id] = cache.ended[row.local_id]
        elif row.created_at is not None:
            series = tp.life_series(row, moves.get(row.local_id, []), now, BATCH_BUCKETS)
            overview.series[row.local_id] = series
            if row.processing_status == "ended" and row.ended_at is not None and row.ended_at <= now:
                cache.ended[row.local_id] = series
        if row.unfinished:
            rate = tp.rate_from(moves.get(row.local_id, []), now)
            eta = tp.eta_for(row, now, rate, tp.similar(history, row.total, row.local_id))
            if eta is not None:
                overview.eta[row.local_id] = eta
        where = tl.results_location(row, now)
        if where == tl.ON_SERVER:
            overview.awaiting_ingest.append(row.local_id)
        elif where == tl.LOCAL_ONLY:
            overview.local_only.append(row.local_id)
        elif where == tl.LOST:
            overview.lost.append(row.local_id)
    overview.all_span, overview.all_series = await tp.all_series(journal, now, ALL_BUCKETS)
    return overview


@dataclass(frozen=True, slots=True)
class BatchCostTime:
    """Cost and time of one batch, for its own view."""

    spend: Spend | None
    eta: tp.Eta | None
    job_spend: Spend | None = None   # the whole job, when it has more than this batch (chunks, retries)
    job_batches: int = 0


async def batch_cost_time(journal: Journal, batch: BatchRow, now: float) -> BatchCostTime:
    spend = (await batch_spend(journal, [batch.local_id])).get(batch.local_id)
    eta = await tp.estimate_eta(journal, batch, now)
    if batch.job_id is None:
        return BatchCostTime(spend, eta)
    async with journal.db.execute("SELECT COUNT(*) FROM batches WHERE job_id = ?", (batch.job_id,)) as cur:
        (n,) = await one_row(cur)
    if n < 2:
        return BatchCostTime(spend, eta)
    return BatchCostTime(spend, eta, await job_spend(journal, batch.job_id), n)
