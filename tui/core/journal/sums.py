"""Per-batch sums of stored results (count, cost at batch prices, priced, unpriced successes), kept between
reads: every reader of a batch's cost (the batch rows, spend, the dashboard) shares one cache.
"""

from __future__ import annotations

from typing import Any

import orjson

from tui.core.journal.connection import Journal

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
# kept per batch on the open `Journal` (`journal.kept_sums`) and redone only when that version moved (the
# server id is in it, so a local_id reused after a `delete --forget` is not mistaken for the old batch).


def version_of(results_ingested: int, ingest_state: str, batch_id: str | None) -> Version:
    return (results_ingested, ingest_state, batch_id)


async def result_sums(journal: Journal, versions: dict[int, Version]) -> dict[int, Sums]:
    """{local_id: sums of its results} for these batches, summed again only where the version moved."""
    kept_sums = journal.kept_sums
    stale = [lid for lid, version in versions.items()
             if (kept := kept_sums.get(lid)) is None or kept[0] != version]
    if stale:
        fresh: dict[int, Sums] = dict.fromkeys(stale, NO_RESULTS)
        async with journal.db.execute(_SUMS, (orjson.dumps(stale).decode(),)) as cur:
            for lid, *sums in await cur.fetchall():
                fresh[lid] = tuple(sums)
        for lid in stale:
            kept_sums[lid] = (versions[lid], fresh[lid])
    return {lid: kept_sums[lid][1] for lid in versions}
