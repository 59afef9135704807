"""Benchmark: 100,000 results streamed from the emulator into a journal, in one run, beside two references.

    .venv/bin/python bench/ingest.py [--requests 100000]

The emulator runs as its own process (`claude-batch-tui emulator`), so the peak RSS printed is this
process's: the ingest's. Printed, in order:
  ingest      `tui.core.poll.ingest.ingest` end to end: HTTP stream -> orjson -> upsert transactions (+ peak RSS)
  sdk loop    the SDK's own typed loop, `async for r in await client.messages.batches.results(id)`
  floor       orjson + one executemany of the same lines from a local file into SQLite (no network)
Targets: ingest >= 50,000 lines/s, >= 3x the SDK loop, peak RSS < 200 MB.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import anthropic
import orjson

from tui.core.poll.ingest import ingest
from tui.core.journal.connection import Journal
from tui.core.journal.batches import server_fields


def start_emulator(*flags: str) -> tuple[subprocess.Popen, str]:
    """`claude-batch-tui emulator` as its own process (default: requests take no time); (process, base URL)."""
    proc = subprocess.Popen([sys.executable, "-m", "tui", "emulator", "--port", "0",
                             *(flags or ("--request-ms", "0"))], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    line = proc.stdout.readline()
    match = re.search(r"(http://\S+)", line)
    if not match:
        proc.kill()
        raise SystemExit(f"the emulator did not start: {line!r}")
    return proc, match.group(1)


def cpu_seconds() -> float:
    """CPU time of this process, all threads (SQLite works in aiosqlite's thread): on a shared, busy
    machine it says more than the wall clock."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def make_batch(client: anthropic.AsyncAnthropic, n: int) -> str:
    requests = [{"custom_id": f"req-{i:06d}", "params": {
        "model": "claude-sonnet-4-5", "max_tokens": 1024,
        "messages": [{"role": "user", "content": f"Tell me about item {i} of the catalogue, briefly."}]}}
        for i in range(n)]
    batch = await client.with_options(max_retries=0, timeout=600).messages.batches.create(requests=requests)
    while batch.processing_status != "ended":
        await asyncio.sleep(0.2)
        batch = await client.messages.batches.retrieve(batch.id)
    return batch.id


def create_in_child(base_url: str, n: int) -> str:
    out = subprocess.run([sys.executable, __file__, "--create-on", base_url, "--requests", str(n)],
                         check=True, capture_output=True, text=True)
    return out.stdout.strip()


async def create_and_print(base_url: str, n: int) -> None:
    async with anthropic.AsyncAnthropic(api_key="bench", base_url=base_url, timeout=600) as client:
        print(await make_batch(client, n))


async def bench_ingest(client: anthropic.AsyncAnthropic, batch_id: str, folder: Path) -> tuple[float, int, int]:
    journal = await Journal.open(folder / "journal.sqlite")
    try:
        fields = server_fields(await client.messages.batches.retrieve(batch_id))
        async with journal.transaction() as db:
            cur = await db.execute(f"INSERT INTO batches({', '.join(fields)}) VALUES "
                                   f"({', '.join('?' * len(fields))})", tuple(fields.values()))
            local_id = cur.lastrowid
        started = time.perf_counter()
        report = await ingest(journal, client, local_id)
        seconds = time.perf_counter() - started
        if not report.complete:
            raise SystemExit(f"ingest did not complete: {report}")
        return seconds, report.lines, report.bytes
    finally:
        await journal.close()


async def bench_sdk_loop(client: anthropic.AsyncAnthropic, batch_id: str) -> tuple[float, int]:
    started = time.perf_counter()
    count = 0
    async for _result in await client.messages.batches.results(batch_id):
        count += 1
    return time.perf_counter() - started, count


async def download(client: anthropic.AsyncAnthropic, batch_id: str, path: Path) -> None:
    async with client.messages.batches.with_streaming_response.results(batch_id) as response:
        with path.open("wb") as out:
            async for chunk in response.iter_bytes():
                out.write(chunk)


def bench_floor(path: Path, folder: Path) -> tuple[float, int]:
    db = sqlite3.connect(folder / "floor.sqlite")
    db.execute("CREATE TABLE results (custom_id TEXT PRIMARY KEY, result_type TEXT, raw BLOB) WITHOUT ROWID")
    started = time.perf_counter()
    rows = []
    with path.open("rb") as f:
        for line in f:
            obj = orjson.loads(line)
            rows.append((obj["custom_id"], obj["result"]["type"], line))
    with db:
        db.executemany("INSERT INTO results VALUES (?,?,?)", rows)
    seconds = time.perf_counter() - started
    db.close()
    return seconds, len(rows)


async def main(n: int) -> None:
    proc, base_url = start_emulator()
    try:
        client = anthropic.AsyncAnthropic(api_key="bench", base_url=base_url, timeout=600)
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            t0 = time.perf_counter()
            batch_id = create_in_child(base_url, n)   # building a 100,000-request body must not count in our RSS
            print(f"setup: batch of {n:,} requests created and ended in {time.perf_counter() - t0:.1f} s")
            rss_before = peak_rss_mb()
            cpu = cpu_seconds()
            seconds, lines, size = await bench_ingest(client, batch_id, folder)
            cpu, rss = cpu_seconds() - cpu, peak_rss_mb()
            ingest_rate = lines / seconds
            print(f"ingest   : {lines:,} lines ({size / 1e6:.0f} MB) in {seconds:.2f} s = {ingest_rate:,.0f} lines/s "
                  f"(cpu {cpu:.2f} s), peak RSS {rss:.0f} MB (before ingest {rss_before:.0f} MB)")
            sdk_cpu = cpu_seconds()
            seconds, count = await bench_sdk_loop(client, batch_id)
            sdk_cpu = cpu_seconds() - sdk_cpu
            sdk_rate = count / seconds
            print(f"sdk loop : {count:,} lines in {seconds:.2f} s = {sdk_rate:,.0f} lines/s (cpu {sdk_cpu:.2f} s)")
            await download(client, batch_id, folder / "results.jsonl")
            floor_cpu = cpu_seconds()
            seconds, count = bench_floor(folder / "results.jsonl", folder)
            floor_cpu = cpu_seconds() - floor_cpu
            print(f"floor    : {count:,} lines in {seconds:.2f} s = {count / seconds:,.0f} lines/s (cpu {floor_cpu:.2f} s; "
                  "orjson + one executemany, local file)")
            print(f"ingest / sdk loop = {ingest_rate / sdk_rate:.1f}x by the clock, {sdk_cpu / cpu:.1f}x by cpu time   "
                  f"(targets: >= 50,000 lines/s, >= 3x, peak RSS < 200 MB)")
            print(f"load average during the run: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
        await client.close()
    finally:
        proc.terminate()
        proc.wait(timeout=10)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=100_000)
    parser.add_argument("--create-on", metavar="URL", help=argparse.SUPPRESS)   # the child that makes the batch
    args = parser.parse_args()
    os.environ.pop("ANTHROPIC_BASE_URL", None)
    asyncio.run(create_and_print(args.create_on, args.requests) if args.create_on else main(args.requests))
