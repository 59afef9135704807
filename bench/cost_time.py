"""Benchmark: the dashboard's cost/time load (`tui.core.timing.overview.load_overview`) on a large journal.

    .venv/bin/python bench/cost_time.py [--batches 1000] [--results 1000000] [--snapshots 100]

Builds a journal with BATCHES batches (a tenth still running), RESULTS results spread over the ended ones
and SNAPSHOTS poll snapshots per batch, then prints seconds for the first load (everything summed) and a
reload (what the dashboard does after each sweep, with ended batches cached). Target: reload under 0.1 s.
"""

from __future__ import annotations

import argparse
import asyncio
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tui.core.timing.overview import SeriesCache, load_overview  # noqa: E402
from tui.core.journal.connection import Journal  # noqa: E402
from tui.core.journal.batches import list_batches  # noqa: E402

NOW = 1_800_000_000.0


def build(path: Path, batches: int, results: int, snapshots: int) -> None:
    db = sqlite3.connect(path)
    running = max(1, batches // 10)
    per_batch = max(1, results // max(1, batches - running))
    for b in range(1, batches + 1):
        created = NOW - 20 * 3600 + b
        ended = None if b <= running else created + 3600
        db.execute("INSERT INTO batches(local_id, id, processing_status, created_at, expires_at, ended_at, "
                   "n_processing, n_succeeded, ingest_state, results_ingested) VALUES (?,?,?,?,?,?,?,?,?,?)",
                   (b, f"msgbatch_{b:08d}", "in_progress" if ended is None else "ended", created,
                    created + 86_400, ended, per_batch if ended is None else 0, 0 if ended is None else per_batch,
                    "none" if ended is None else "complete", 0 if ended is None else per_batch))
        step = (ended or NOW) - created
        db.executemany("INSERT INTO snapshots VALUES (?,?,?,?,0,0,0)",
                       [(b, created + step * (k + 1) / snapshots, per_batch, 0) for k in range(snapshots - 1)]
                       + [(b, created + step, 0 if ended else per_batch, per_batch if ended else 0)])
        if ended is not None:
            db.executemany("INSERT INTO results(batch_local_id, custom_id, result_type, cost_usd, raw) "
                           "VALUES (?,?, 'succeeded', 0.001, x'7b7d')", [(b, f"r{i:07d}") for i in range(per_batch)])
    db.commit()
    db.close()


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--batches", type=int, default=1000)
    parser.add_argument("--results", type=int, default=1_000_000)
    parser.add_argument("--snapshots", type=int, default=100)
    args = parser.parse_args()
    path = Path(tempfile.mkdtemp()) / "journal.sqlite"
    journal = await Journal.open(path)
    await journal.close()
    started = time.perf_counter()
    build(path, args.batches, args.results, args.snapshots)
    print(f"built {args.batches:,} batches, {args.results:,} results, {args.batches * args.snapshots:,} snapshots "
          f"in {time.perf_counter() - started:.1f} s")
    journal = await Journal.open(path)
    try:
        rows = await list_batches(journal)
        cache = SeriesCache()
        for label in ("first load", "reload", "reload"):
            started = time.perf_counter()
            facts = await load_overview(journal, rows, NOW, cache)
            print(f"{label:>10}: {time.perf_counter() - started:.3f} s  (total ${facts.total.cost_usd:,.2f}, "
                  f"{len(facts.eta)} ETAs, header span {facts.all_span:.0f} s)")
    finally:
        await journal.close()


if __name__ == "__main__":
    asyncio.run(main())
