"""Benchmark: the TUI, headless (Pilot), on a journal with one 100,000-request batch.

    .venv/bin/python bench/ui.py [--requests 100000] [--presses 200]

Printed, in order:
  first frame   a fresh process: start, import, `make_app`, the dashboard drawn (interpreter start included)
  open batch    `BatchScreen` pushed until its facts, counts and first window are shown
  key presses   median / worst time of each key until the screen has settled (its workers done):
                pagedown and down through the batch, end, home, f (filter cycle), / search
Targets: first frame < 0.5 s, open < 300 ms, key press < 50 ms median.
The journal is built with plain SQL in the shape the ingest writes (tests/drilldown_journal.py).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "tests"), str(ROOT / "tests" / "tui")]

FIRST_FRAME_CHILD = """
import asyncio, sys
from tui.app import make_app
async def main():
    app = make_app(journal_path=sys.argv[1], poll=False)
    async with app.run_test(size=(120, 36)) as pilot:
        print("FRAME", flush=True)
asyncio.run(main())
"""


def first_frame(journal: Path, runs: int = 3) -> list[float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "-c", FIRST_FRAME_CHILD, str(journal)], stdout=subprocess.PIPE,
                                text=True, cwd=ROOT)
        assert proc.stdout is not None
        line = proc.stdout.readline()
        times.append(time.perf_counter() - start)
        proc.wait()
        if "FRAME" not in line:
            raise SystemExit(f"the app did not start: {line!r}")
    return times


def ms(seconds: float) -> str:
    return f"{seconds * 1000:7.1f} ms"


async def drive(journal: Path, presses: int) -> None:
    from drilldown_app import open_batch, running_app, settle

    async with running_app(journal, size=(120, 36)) as (app, pilot):
        start = time.perf_counter()
        screen = await open_batch(app, pilot, 1)
        opened = time.perf_counter() - start
        table = screen.table
        assert table.row_count and screen.counts and screen.counts["all"] > 0
        print(f"open batch    {ms(opened)}   ({screen.counts['all']:,} requests, window of {table.row_count})")

        async def timed(key: str, n: int) -> list[float]:
            out = []
            for _ in range(n):
                t = time.perf_counter()
                await pilot.press(key)
                await settle(app, pilot)
                out.append(time.perf_counter() - t)
            return out

        results: dict[str, list[float]] = {}
        results["pagedown"] = await timed("pagedown", presses)
        results["down"] = await timed("down", presses)
        results["end"] = await timed("end", 1)
        assert table.at_end and table.cursor_position() == screen.counts["all"] - 1
        results["pageup"] = await timed("pageup", presses)
        results["home"] = await timed("home", 1)
        results["f"] = await timed("f", 10)
        t = time.perf_counter()
        await pilot.press("slash")
        for ch in "floor 3":
            await pilot.press(ch if ch != " " else "space")
        await pilot.press("enter")
        await settle(app, pilot)
        results["/ search"] = [time.perf_counter() - t]
        every = [x for v in results.values() for x in v]
        for key, values in results.items():
            print(f"  {key:<10} median {ms(statistics.median(values))}  worst {ms(max(values))}  ({len(values)})")
        print(f"key presses   median {ms(statistics.median(every))}  worst {ms(max(every))}  "
              f"({len(every)} presses)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=100_000)
    parser.add_argument("--presses", type=int, default=200)
    args = parser.parse_args()
    from drilldown_journal import add_batch, new_journal

    with tempfile.TemporaryDirectory() as tmp:
        journal = Path(tmp) / "journal" / "journal.sqlite"
        start = time.perf_counter()
        asyncio.run(new_journal(journal))
        add_batch(journal, 1, args.requests, label="bench")
        print(f"journal       {time.perf_counter() - start:7.2f} s to build {args.requests:,} requests + results")
        frames = first_frame(journal)
        print(f"first frame   median {ms(statistics.median(frames))}  worst {ms(max(frames))}  (fresh process)")
        asyncio.run(drive(journal, args.presses))


if __name__ == "__main__":
    main()
