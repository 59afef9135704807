"""Benchmark: the TUI, headless (Pilot), on a journal with one 100,000-request batch.

    .venv/bin/python bench/ui.py [--requests 100000] [--presses 200]

Printed, in order:
  first frame   a fresh process: start, import, `make_app`, the dashboard drawn (interpreter start included)
  open batch    `BatchScreen` pushed: until its first rows are in the table, and until facts and counts are
  key presses   median / worst time of each key until the screen has settled (its workers done):
                pagedown and down through the batch, end, home, f (filter cycle), / search.
                Wall time and CPU time (on a shared, loaded machine the CPU figure is the steadier one)
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
sys.path[:0] = [str(ROOT)]   # the tests' Pilot harness (tests/tui/harness.py)

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
    from tests.tui.harness import running_app, settle

    from tui.screens.batch import BatchScreen

    async with running_app(journal, size=(120, 36)) as (app, pilot):
        first_rows: list[tuple[float, float]] = []

        class TimedBatchScreen(BatchScreen):
            def on_window_loaded(self, message) -> None:
                # Textual calls this, then BatchScreen's own handler (which fills the table); stamp after both
                self.call_later(lambda: first_rows or first_rows.append((time.perf_counter(), time.process_time())))

        screen = TimedBatchScreen(1)
        start, cpu0 = time.perf_counter(), time.process_time()
        await app.push_screen(screen)
        await settle(pilot)
        settled, cpu = time.perf_counter() - start, time.process_time() - cpu0
        table = screen.table
        assert table.row_count and screen.counts and screen.counts["all"] > 0
        rows_wall, rows_cpu = first_rows[0][0] - start, first_rows[0][1] - cpu0
        print(f"open batch    first rows {ms(rows_wall)} wall {ms(rows_cpu)} CPU;  facts and counts in "
              f"{ms(settled)} wall {ms(cpu)} CPU  [{screen.counts['all']:,} requests, window of {table.row_count}]")

        async def timed(key: str, n: int) -> list[tuple[float, float]]:
            out = []
            for _ in range(n):
                t, c = time.perf_counter(), time.process_time()
                await pilot.press(key)
                await settle(pilot)
                out.append((time.perf_counter() - t, time.process_time() - c))
            return out

        results: dict[str, list[tuple[float, float]]] = {}
        results["pagedown"] = await timed("pagedown", presses)
        results["down"] = await timed("down", presses)
        results["end"] = await timed("end", 3)
        assert table.at_end and table.cursor_position() == screen.counts["all"] - 1
        results["pageup"] = await timed("pageup", presses)
        results["home"] = await timed("home", 3)
        results["f"] = await timed("f", 10)
        t, c = time.perf_counter(), time.process_time()
        await pilot.press("slash", *"floor", "space", "3", "enter")
        await settle(pilot)
        results["/ search"] = [(time.perf_counter() - t, time.process_time() - c)]
        print("key presses (wall includes Pilot's own idle waits; CPU = this process, all threads):")
        every = [x for v in results.values() for x in v]
        for key, values in [*results.items(), ("all keys", every)]:
            wall, cpu_ = [w for w, _ in values], [c for _, c in values]
            print(f"  {key:<9} median {ms(statistics.median(wall))} wall {ms(statistics.median(cpu_))} CPU   "
                  f"worst {ms(max(wall))} wall {ms(max(cpu_))} CPU  ({len(values)})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=100_000)
    parser.add_argument("--presses", type=int, default=200)
    args = parser.parse_args()
    from tests.drilldown_journal import add_batch, new_journal

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
