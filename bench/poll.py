"""Benchmark: one poll sweep over 1,000 unfinished batches on the emulator.

    .venv/bin/python bench/poll.py [--batches 1000] [--sweeps 5]

The emulator runs as its own process (`claude-batch-tui emulator`); every batch ends END_AFTER seconds after
its creation. Prints HTTP requests and seconds per forced sweep (every unfinished batch polled): the
list-page path the poller takes for many batches, then, for comparison, one sweep that retrieves each
batch, and last the list-path sweep in which all of them have ended (the most writing a sweep does).
Target: at most 5 requests and under 1 s per sweep.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import anthropic

sys.path.insert(0, str(Path(__file__).parent))
from ingest import start_emulator  # noqa: E402  (the same emulator subprocess helper)

from tui.core.journal.connection import Journal  # noqa: E402
from tui.core.poll.loop import Poller  # noqa: E402
from tui.core.journal.batches import server_fields  # noqa: E402

END_AFTER = 15.0


async def create_batches(client: anthropic.AsyncAnthropic, journal: Journal, n: int) -> None:
    sem = asyncio.Semaphore(16)

    async def one(i: int) -> dict:
        async with sem:
            batch = await client.messages.batches.create(requests=[{"custom_id": f"b{i}", "params": {
                "model": "claude-sonnet-4-5", "max_tokens": 16, "messages": [{"role": "user", "content": "hi"}]}}])
            return server_fields(batch)

    rows = await asyncio.gather(*(one(i) for i in range(n)))
    async with journal.transaction() as db:
        for fields in rows:
            await db.execute(f"INSERT INTO batches({', '.join(fields)}) VALUES ({', '.join('?' * len(fields))})",
                             tuple(fields.values()))


async def timed_sweep(poller: Poller) -> tuple[float, int, int]:
    started = time.perf_counter()
    result = await poller.sweep(force=True)
    if result.errors:
        raise SystemExit(f"sweep failed: {result.errors[:3]}")
    return time.perf_counter() - started, result.http_requests, len(result.changed)


async def main(n: int, sweeps: int) -> None:
    proc, base_url = start_emulator("--request-ms", str(END_AFTER * 1000))
    try:
        async with anthropic.AsyncAnthropic(api_key="bench", base_url=base_url) as client:
            with tempfile.TemporaryDirectory() as tmp:
                journal = await Journal.open(Path(tmp) / "journal.sqlite")
                t0 = time.perf_counter()
                await create_batches(client, journal, n)
                created = time.perf_counter()
                print(f"setup: {n:,} unfinished batches created in {time.perf_counter() - t0:.1f} s")
                poller = Poller(journal, client, adopt=True)
                times = []
                for i in range(sweeps):
                    seconds, requests, changed = await timed_sweep(poller)
                    times.append(seconds)
                    print(f"list path, sweep {i + 1}: {requests} HTTP request(s), {seconds:.3f} s, "
                          f"{changed} row(s) changed")
                print(f"list path: median {statistics.median(times):.3f} s per sweep  "
                      "(target: <= 5 requests, < 1 s)")
                seconds, requests, _ = await timed_sweep(Poller(journal, client, adopt=False,
                                                                list_threshold=n + 1))
                print(f"for comparison, retrieve each (concurrency 8): {requests:,} HTTP requests, {seconds:.2f} s")
                await asyncio.sleep(max(0.0, created + END_AFTER + 0.5 - time.perf_counter()))
                seconds, requests, changed = await timed_sweep(poller)
                print(f"list path, the sweep that sees them end: {requests} HTTP request(s), {seconds:.3f} s, "
                      f"{changed:,} row(s) changed (each: an update, a snapshot, an 'ended' event)")
                await journal.close()
    finally:
        proc.terminate()
        proc.wait(timeout=10)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--batches", type=int, default=1000)
    parser.add_argument("--sweeps", type=int, default=5)
    args = parser.parse_args()
    os.environ.pop("ANTHROPIC_BASE_URL", None)
    asyncio.run(main(args.batches, args.sweeps))
