"""Benchmark: the TUI, headless (Pilot), on a journal with one 100,000-request batch.

    .venv/bin/python bench/ui.py [--requests 100000] [--presses 200] [--no-ingest]

Printed, in order:
  first frame   a fresh process: start, import, `make_app`, the dashboard drawn (interpreter start included)
  start-up keys key latency in the first 5 seconds after start (median and worst): a fresh `--demo` process on a
                pseudo-terminal (poller on, its story being sent), keys from its first frame on, each timed until
                the screen answers; keys dropped (bench/key_latency.py). Target: worst < 100 ms, none dropped
  open batch    `BatchScreen` pushed: until its first rows are in the table, and until facts and counts are
  key presses   median / worst time of each key until the screen has settled (its workers done):
                pagedown and down through the batch, end, home, f (filter cycle), s (sort cycle).
                Wall time and CPU time (on a shared, loaded machine the CPU figure is the steadier one)
  / search      enter pressed on a query typed in the `/` box: until its first rows are in the table, and until
                its counts are shown too; over custom_ids, prompts (system and messages) and full answers
                through the search index: a word of every prompt, of every answer, of one row in 7, one rare
                pair of words, a custom_id, a filter
  ingest        bench/ingest.py run beside it (--ingest): the ingest writes the search index as it goes
Targets: first frame < 0.5 s, open < 300 ms, key press < 50 ms median, search < 300 ms wall,
ingest >= 3x the SDK loop.
The journal is built with plain SQL in the shape the submit and the ingest write, search index included
(tests/drilldown_journal.py).
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

    from tui.core.journal import pages
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
        await timed("f", len(pages.FILTERS) - 10 % len(pages.FILTERS))   # back to `all`
        results["s"] = await timed("s", 4)                   # every order, back to custom_id
        print("key presses (wall includes Pilot's own idle waits; CPU = this process, all threads):")
        every = [x for v in results.values() for x in v]
        for key, values in [*results.items(), ("all keys", every)]:
            wall, cpu_ = [w for w, _ in values], [c for _, c in values]
            print(f"  {key:<9} median {ms(statistics.median(wall))} wall {ms(statistics.median(cpu_))} CPU   "
                  f"worst {ms(max(wall))} wall {ms(max(cpu_))} CPU  ({len(values)})")
        await search_times(app, pilot, screen, first_rows)


# (what is typed, what it finds in the bench's journal)
SEARCHES = [
    ("printer", "a word of every prompt and answer"),
    ("technician", "a word of every answer (not of prompts)"),
    ("floor 3", "two words, about 1 row in 7 plus tickets 3..."),
    ("ticket 12345", "two words, one row"),
    ("summarise", "a word of every prompt (not of answers)"),
    ("zzz", "nothing"),
    ("req-0999", "a custom_id, as typed"),
    ("stop:max_tokens", "a filter"),
]


async def search_times(app, pilot, screen, first_rows: list) -> None:
    """/ then a query, timed from enter: to its first rows in the table, and to its counts shown."""
    from tests.tui.harness import settle, type_text

    print(f"/ search time over prompts and answers on {screen.counts['all']:,} requests "
          "(from enter; CPU = this process, all threads):")
    worst = 0.0
    for typed, what in SEARCHES:
        if screen.search:                 # no search: every query starts from the whole batch
            await pilot.press("escape")
            await settle(pilot)
        assert app.screen is screen
        await pilot.press("slash", "ctrl+a", "ctrl+k")
        await type_text(pilot, typed)
        first_rows.clear()
        t, c = time.perf_counter(), time.process_time()
        await pilot.press("enter")
        await settle(pilot)
        wall, cpu = time.perf_counter() - t, time.process_time() - c
        rows_wall = first_rows[0][0] - t if first_rows else wall
        worst = max(worst, wall)
        print(f"  {typed:<16} rows {ms(rows_wall)} wall, counts {ms(wall)} wall {ms(cpu)} CPU  "
              f"{screen.counts['all']:>7,} found  ({what})")
    print(f"  worst         {ms(worst)} wall   (target < 300 ms)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=100_000)
    parser.add_argument("--presses", type=int, default=200)
    parser.add_argument("--no-ingest", dest="ingest", action="store_false",
                        help="skip the ingest figure (bench/ingest.py, about a minute)")
    parser.add_argument("--no-startup-keys", dest="startup_keys", action="store_false",
                        help="skip the key latency in the first seconds after start (bench/key_latency.py)")
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
        if args.startup_keys:
            startup_keys()
        asyncio.run(drive(journal, args.presses))
    if args.ingest:
        ingest_figure(args.requests)


def startup_keys(runs: int = 3) -> None:
    """bench/key_latency.py: fresh `--demo` processes on a pseudo-terminal, keys from their first frame on."""
    sys.path[:0] = [str(ROOT / "bench")]
    import key_latency

    print("\n".join(key_latency.report([asyncio.run(key_latency.measure()) for _ in range(runs)])))


def ingest_figure(n: int) -> None:
    """bench/ingest.py in its own process (the emulator serves the results): the ingest writes the search
    index in each of its transactions, so its rate against the SDK's own loop is the index's cost to check."""
    out = subprocess.run([sys.executable, str(ROOT / "bench" / "ingest.py"), "--requests", str(n)], cwd=ROOT,
                         capture_output=True, text=True)
    lines = [line for line in out.stdout.splitlines() if line.startswith(("ingest", "sdk loop", "load"))]
    if out.returncode or not lines:
        print(f"ingest        bench/ingest.py failed: {(out.stderr or out.stdout).strip()[-300:]}")
        return
    print("ingest with the search index (bench/ingest.py):")
    for line in lines:
        print(f"  {line}")


if __name__ == "__main__":
    main()
