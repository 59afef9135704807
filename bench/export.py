"""Benchmark: export 100,000 results from the journal to CSV and to JSONL (and the merged job form).

    .venv/bin/python bench/export.py [--results 100000]

The journal is built first (one batch of N results with ~1 KB raw lines, plus a retry batch of 10% of
them, as a job); each export then runs in its own child process so the peak RSS printed is the export's
alone. Target: peak RSS under 150 MB for every form.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import orjson

from tui.core.actions.export import ExportOptions, export_results
from tui.core.journal.connection import Journal

TEXT = ("The short answer is that it depends, \"quoted\", on the details you give; here are the main points "
        "to consider.\nFirst, look at the inputs. 🎉 ") * 6


def _line(cid: str, i: int) -> bytes:
    return orjson.dumps({"custom_id": cid, "result": {"type": "succeeded", "message": {
        "id": f"msg_{i:024d}", "type": "message", "role": "assistant", "model": "claude-haiku-4-5",
        "content": [{"type": "text", "text": TEXT}], "stop_reason": "end_turn", "stop_sequence": None,
        "usage": {"input_tokens": 40 + i % 7, "output_tokens": 250, "cache_creation_input_tokens": 0,
                  "cache_read_input_tokens": 0}}}})


async def build(path: Path, n: int) -> None:
    journal = await Journal.open(path)
    try:
        async with journal.transaction():
            cur = await journal.db.execute("INSERT INTO jobs(name, created_at) VALUES ('bench', 0)")
            job = cur.lastrowid
            for batch_id, created, count, parent in (("msgbatch_bench_first", 1.0, n, None),
                                                     ("msgbatch_bench_retry", 2.0, n // 10, "msgbatch_bench_first")):
                cur = await journal.db.execute(
                    "INSERT INTO batches(id, job_id, parent_id, processing_status, created_at, ingest_state) "
                    "VALUES (?,?,?,'ended',?,'complete')",
                    (batch_id, job if parent is None else None, parent, created))
                local = cur.lastrowid
                for start in range(0, count, 10_000):
                    ids = [f"req-{i:06d}" for i in range(start, min(count, start + 10_000))]
                    await journal.db.executemany("INSERT INTO requests VALUES (?,?,?)", [
                        (local, cid, b'{"model":"claude-haiku-4-5","max_tokens":300,"messages":[{"role":"user",'
                                     b'"content":"' + cid.encode() + b'"}]}') for cid in ids])
                    await journal.db.executemany(
                        "INSERT INTO results(batch_local_id, custom_id, result_type, stop_reason, model, "
                        "input_tokens, output_tokens, cache_creation_input_tokens, cache_read_input_tokens, "
                        "cost_usd, preview, raw) VALUES (?,?,'succeeded','end_turn','claude-haiku-4-5',?,250,0,0,?,?,?)",
                        [(local, cid, 40 + i % 7, 0.000650, TEXT[:200], _line(cid, i))
                         for i, cid in enumerate(ids, start)])
    finally:
        await journal.close()


async def child(journal_path: str, key: str, out: str, fmt: str, final: bool, joined: bool) -> None:
    journal = await Journal.open(journal_path)
    try:
        started = time.perf_counter()
        outcome = await export_results(journal, key, out, ExportOptions(fmt=fmt, final=final, joined=joined))
        seconds = time.perf_counter() - started
    finally:
        await journal.close()
    peak = _peak_rss_mb()
    size = os.path.getsize(out) / 2**20
    print(f"{outcome.rows:,} rows in {seconds:.2f} s = {outcome.rows / seconds:,.0f} rows/s, "
          f"{size:,.0f} MB written, peak RSS {peak:.0f} MB")


def _peak_rss_mb() -> float:
    """VmHWM (reset by exec, unlike ru_maxrss, which Linux carries over from the parent); else ru_maxrss."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--results", type=int, default=100_000)
    parser.add_argument("--child", nargs=6, metavar=("JOURNAL", "KEY", "OUT", "FMT", "FINAL", "JOINED"))
    args = parser.parse_args()
    if args.child:
        j, key, out, fmt, final, joined = args.child
        asyncio.run(child(j, key, out, fmt, final == "1", joined == "1"))
        return
    with tempfile.TemporaryDirectory() as tmp:
        journal_path = Path(tmp) / "journal.sqlite"
        started = time.perf_counter()
        asyncio.run(build(journal_path, args.results))
        print(f"journal built: {args.results:,} results + {args.results // 10:,} retried "
              f"({journal_path.stat().st_size / 2**20:,.0f} MB) in {time.perf_counter() - started:.1f} s")
        for label, key, fmt, final, joined in (
            ("csv, one batch", "msgbatch_bench_first", "csv", "0", "0"),
            ("jsonl, one batch (raw)", "msgbatch_bench_first", "jsonl", "0", "0"),
            ("jsonl, joined", "msgbatch_bench_first", "jsonl", "0", "1"),
            ("csv, job final (2 batches)", "msgbatch_bench_retry", "csv", "1", "0"),
        ):
            out = Path(tmp) / f"out-{len(label)}.{fmt}"
            print(f"{label:<28}", end=" ", flush=True)
            subprocess.run([sys.executable, __file__, "--child", str(journal_path), key, str(out), fmt, final,
                            joined], check=True)
    print("target: peak RSS < 150 MB for each")


if __name__ == "__main__":
    main()
