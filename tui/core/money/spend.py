"""What batches actually cost: sums of `results.cost_usd` (batch prices, filled by ingest) per batch, per job
and in total, with what the same work would have cost at standard prices (the saving) and how many billed
results have no known price (so a sum is never presented as complete when it is not).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import orjson

from tui.core.journal.connection import Journal
from tui.core.journal.sums import result_sums, version_of
from tui.core.money.pricing import PriceTable, format_usd, price_table


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
