"""What batches actually cost: sums of `results.cost_usd` (batch prices, filled by ingest) per batch, per job
and in total, with what the same work would have cost at standard prices (the saving) and how many billed
results have no known price (so a sum is never presented as complete when it is not).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import orjson

from tui.core.journal import Journal
from tui.core.pricing import PriceTable, format_usd, price_table


@dataclass(frozen=True, slots=True)
class Spend:
    cost_usd: float | None = None       # at batch prices; None when nothing priced is known
    realtime_usd: float | None = None   # the same usage at standard prices
    unknown: int = 0                    # succeeded results whose model has no known price

    @property
    def saving_usd(self) -> float | None:
        if self.cost_usd is None or self.realtime_usd is None:
            return None
        return self.realtime_usd - self.cost_usd

    def __add__(self, other: Spend) -> Spend:
        def plus(a: float | None, b: float | None) -> float | None:
            return b if a is None else a if b is None else a + b

        return Spend(plus(self.cost_usd, other.cost_usd), plus(self.realtime_usd, other.realtime_usd),
                     self.unknown + other.unknown)

    def text(self) -> str:
        """`$1.23`, `$1.23 + unknown price` (some results unpriced), `unknown price`, or `—` (nothing yet)."""
        if self.cost_usd is None:
            return "unknown price" if self.unknown else "—"
        return format_usd(self.cost_usd) + (" + unknown price" if self.unknown else "")


_SUMS = """
    SELECT batch_local_id, COUNT(*), SUM(cost_usd), COUNT(cost_usd),
           SUM(CASE WHEN cost_usd IS NULL AND result_type = 'succeeded' THEN 1 ELSE 0 END)
    FROM results WHERE batch_local_id IN (SELECT value FROM json_each(?)) GROUP BY batch_local_id
"""

Version = tuple[Any, ...]                      # what a batch's results depend on: see `result_sums`
Sums = tuple[int, float | None, int, int]      # results, SUM(cost_usd), priced results, unpriced successes
NO_RESULTS: Sums = (0, None, 0, 0)

# A batch's sums read every one of its results (~0.2 s for 100,000), and results change only while they are
# ingested, which moves `results_ingested`/`ingest_state` with every flush, in any process. So the sums are
# kept per (journal file, batch) and redone only when that version moved (the server id is in it, so a
# local_id reused after a `delete --forget` is not mistaken for the old batch).
_sums: dict[tuple[str, int], tuple[Version, Sums]] = {}


def version_of(results_ingested: int, ingest_state: str, batch_id: str | None) -> Version:
    return (results_ingested, ingest_state, batch_id)


async def result_sums(journal: Journal, versions: dict[int, Version]) -> dict[int, Sums]:
    """{local_id: sums of its results} for these batches, summed again only where the version moved."""
    where = str(journal.path)
    stale = [lid for lid, version in versions.items()
             if (kept := _sums.get((where, lid))) is None or kept[0] != version]
    if stale:
        fresh: dict[int, Sums] = dict.fromkeys(stale, NO_RESULTS)
        async with journal.db.execute(_SUMS, (orjson.dumps(stale).decode(),)) as cur:
            for lid, *sums in await cur.fetchall():
                fresh[lid] = tuple(sums)
        for lid in stale:
            _sums[(where, lid)] = (versions[lid], fresh[lid])
    return {lid: _sums[(where, lid)][1] for lid in versions}


def _spend(total: float | None, priced: int, unknown: int, table: PriceTable) -> Spend:
    if not priced:
        return Spend(None, None, unknown)
    return Spend(total, table.realtime_from_batch(total), unknown)


async def batch_spend(journal: Journal, local_ids: Iterable[int] | None = None,
                      *, table: PriceTable | None = None) -> dict[int, Spend]:
    """{batch local_id: Spend} for batches with ingested results (others are absent: nothing known yet)."""
    table = table or price_table()
    sql = "SELECT local_id, results_ingested, ingest_state, id FROM batches"
    if local_ids is None:
        args: tuple[Any, ...] = ()
    else:
        ids = list(local_ids)
        if not ids:
            return {}
        sql += " WHERE local_id IN (SELECT value FROM json_each(?))"
        args = (orjson.dumps(ids).decode(),)
    async with journal.db.execute(sql, args) as cur:
        versions = {lid: version_of(n, state, batch_id) for lid, n, state, batch_id in await cur.fetchall()}
    return {lid: _spend(total, priced, unknown, table)
            for lid, (n, total, priced, unknown) in (await result_sums(journal, versions)).items() if n}


async def total_spend(journal: Journal, *, table: PriceTable | None = None) -> Spend:
    """Everything the journal knows, all batches together."""
    total = Spend()
    for spend in (await batch_spend(journal, table=table)).values():
        total = total + spend
    return total


async def job_spend(journal: Journal, job_id: int, *, table: PriceTable | None = None) -> Spend:
    async with journal.db.execute("SELECT local_id FROM batches WHERE job_id = ?", (job_id,)) as cur:
        ids = [row[0] for row in await cur.fetchall()]
    total = Spend()
    for spend in (await batch_spend(journal, ids, table=table)).values():
        total = total + spend
    return total
