"""Benchmark the submit path: check and split a 100,000-line (~100 MB) file, beside plain `orjson.loads`.

Prints, in one run: seconds to iterate the lines with `orjson.loads` alone (the floor), seconds for
`plan()` (check every line + split), their ratio, the file's sha256 (computed when submit first asks for
it), and the peak RSS growth of `plan()`. Targets: plan under 2 s and within 4x of the floor. With `--send`, also the journal-first submit of the
whole file to an in-process emulator: seconds to commit the intents (job, rows, every request's params)
and seconds until the batch ids are in the journal.

With `--parallel`, only this: the wall time of one create against an emulator that answers each create
`--create-latency-ms` (default 2000) after making the batch, beside that of five equal chunks of one file
(`--max-per-batch`): created in parallel, five take about as long as one (one after another: five times).

    .venv/bin/python bench/submit.py [--requests 100000] [--prompt-chars 900] [--send]
    .venv/bin/python bench/submit.py --parallel [--create-latency-ms 2000]
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import sys
import tempfile
import time
from pathlib import Path

import orjson

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tui.core.submit.check import plan  # noqa: E402


def write_file(path: Path, n: int, prompt_chars: int) -> None:
    words = "the quick brown fox jumps over a lazy dog while reading long documents about batches".split()
    with open(path, "wb") as f:
        for i in range(n):
            text = " ".join(words[(i + k) % len(words)] for k in range(prompt_chars // 5))[:prompt_chars]
            f.write(orjson.dumps({"custom_id": f"req-{i:06d}", "params": {
                "model": "claude-sonnet-4-5", "max_tokens": 1024,
                "messages": [{"role": "user", "content": text}]}}) + b"\n")


def floor_seconds(path: Path) -> None:
    loads = orjson.loads
    with open(path, "rb", buffering=1 << 20) as f:
        for line in f:
            loads(line)


def timed(fn) -> tuple[float, float]:
    """(wall seconds, CPU seconds of this process) for one call."""
    wall, cpu = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - wall, time.process_time() - cpu


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def send(path: Path, max_per_batch: int | None) -> None:
    import anthropic

    from tui.core.journal.connection import Journal
    from tui.core.submit.send import record_intents, recover
    from tui.emulator import Emulator, EmulatorConfig

    the_plan = plan(path, max_per_batch=max_per_batch)
    with tempfile.TemporaryDirectory() as tmp:
        journal = await Journal.open(Path(tmp) / "j" / "journal.sqlite")
        async with Emulator(EmulatorConfig(request_ms=0.01)) as emu:
            async with anthropic.AsyncAnthropic(api_key="k", base_url=emu.base_url, timeout=300) as client:
                start = time.perf_counter()
                _, lock = await record_intents(journal, the_plan)
                intents = time.perf_counter() - start
                lock.release()
                rows = await recover(journal, client)
                total = time.perf_counter() - start
        await journal.close()
    print(f"journal-first submit of {the_plan.request_count:,} requests in {len(rows)} batch(es): "
          f"intents committed in {intents:.2f} s, ids in the journal after {total:.2f} s "
          f"({', '.join(r.intent_state for r in rows)})")


async def parallel_creates(latency_ms: float, chunks: int = 5, per_chunk: int = 100) -> None:
    """Wall time of `submit` for one chunk and for `chunks` equal chunks, each create answered `latency_ms` late."""
    import anthropic

    from tui.core.journal.connection import Journal
    from tui.core.submit.send import submit
    from tui.emulator import Emulator, EmulatorConfig

    walls = {}
    with tempfile.TemporaryDirectory() as tmp:
        for n in (1, chunks):
            path = Path(tmp) / f"{n}.jsonl"
            write_file(path, n * per_chunk, 200)
            the_plan = plan(path, max_per_batch=per_chunk)
            assert [c.request_count for c in the_plan.chunks] == [per_chunk] * n
            journal = await Journal.open(Path(tmp) / f"j{n}" / "journal.sqlite")
            async with Emulator(EmulatorConfig(request_ms=1.0, slow_create_answer_ms=latency_ms)) as emu:
                async with anthropic.AsyncAnthropic(api_key="k", base_url=emu.base_url) as client:
                    start = time.perf_counter()
                    rows = await submit(journal, client, the_plan)
                    walls[n] = time.perf_counter() - start
                assert [r.intent_state for r in rows] == ["created"] * n and len(emu.batch_ids()) == n
            await journal.close()
    print(f"creates answered {latency_ms / 1000:g} s after the batch is made: one create {walls[1]:.2f} s | "
          f"{chunks} equal chunks of {per_chunk} {walls[chunks]:.2f} s = {walls[chunks] / walls[1]:.2f}x one create "
          f"(target about 1x; one after another: {chunks}x)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=100_000)
    parser.add_argument("--prompt-chars", type=int, default=900)
    parser.add_argument("--send", action="store_true", help="also submit it to an in-process emulator")
    parser.add_argument("--max-per-batch", type=int, default=None)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--parallel", action="store_true",
                        help="only time five equal chunks created in parallel against one create")
    parser.add_argument("--create-latency-ms", type=float, default=2000.0)
    args = parser.parse_args()
    if args.parallel:
        asyncio.run(parallel_creates(args.create_latency_ms))
        return
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "requests.jsonl"
        write_file(path, args.requests, args.prompt_chars)
        size = path.stat().st_size
        floor_seconds(path)  # warm the page cache so every timing reads from memory
        floors, checks, hashes = [], [], []
        rss_before = peak_rss_mb()
        result = None
        for _ in range(args.repeat):   # interleaved, best of each: the machine may be busy
            floors.append(timed(lambda: floor_seconds(path)))
            checks.append(timed(lambda: plan(path, max_per_batch=args.max_per_batch)))
            result = plan(path, max_per_batch=args.max_per_batch)
            hashes.append(timed(lambda: result.sha256))
        rss_growth = peak_rss_mb() - rss_before
        assert result.ok, result.error_lines()[:3]
        print(f"file: {args.requests:,} lines, {size / 1e6:,.1f} MB (best of {args.repeat} runs of each)")
        for clock in (0, 1):
            floor, checked, hashed = (min(t[clock] for t in ts) for ts in (floors, checks, hashes))
            name = "wall" if clock == 0 else "CPU "
            print(f"{name}: plain orjson.loads {floor:.3f} s | plan() (check every line + split) {checked:.3f} s "
                  f"= {checked / floor:.2f}x (target < 2 s, < 4x) | + sha256 when submit asks {hashed:.3f} s")
        print(f"  {len(result.chunks)} batch(es), {result.total_bytes / 1e6:,.1f} MB of create body; "
              f"peak RSS grew {rss_growth:,.1f} MB while checking")
        if args.send:
            asyncio.run(send(path, args.max_per_batch))


if __name__ == "__main__":
    main()
