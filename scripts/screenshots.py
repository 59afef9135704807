"""Write current SVG screenshots of the demo into `screenshots/`: the dashboard, a batch, a request, the help.

    .venv/bin/python scripts/screenshots.py [--size 100x30] [--out screenshots]

Runs `claude-batch-tui --demo` headless (the real app, the in-loop emulator, a temporary journal) and drives
it with keys as a user would: wait for the story to play, open the batch that ended with errors, filter it
to errors, open one request, then open the help.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

ERRORED = "support-tickets-triage.jsonl"


async def wait_for(pilot, condition, what: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise SystemExit(f"screenshots: timed out waiting for {what}")
        await pilot.pause(0.1)


async def main(size: tuple[int, int], out: Path) -> None:
    from tui.app import make_app
    from tui.screens.dashboard import DashboardScreen

    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="claude-batch-tui-shots-") as tmp:
        app = make_app(journal_path=Path(tmp) / "journal.sqlite", demo=True)
        async with app.run_test(size=size) as pilot:
            await app.ready.wait()
            dash = app.screen
            assert isinstance(dash, DashboardScreen)

            def errored_row():
                return next((r for r in dash.all_rows.values()
                             if r.job_name == ERRORED and r.ingest_state == "complete"), None)

            await wait_for(pilot, lambda: errored_row() is not None and len(dash.all_rows) >= 8,
                           "the demo story")
            await wait_for(pilot, lambda: any(r.parent_id for r in dash.all_rows.values()), "the retry")
            await pilot.pause(1.5)          # let the "batch ended" toasts go
            app.clear_notifications()
            await pilot.pause()
            app.save_screenshot("dashboard.svg", str(out))

            row = errored_row()
            dash.table.move_to(row.local_id)
            await pilot.press("enter")
            await wait_for(pilot, lambda: type(app.screen).__name__ == "BatchScreen", "the batch screen")
            await pilot.pause(1.0)
            await pilot.press("f", "f")     # all -> succeeded -> errored
            await pilot.pause(1.0)
            app.save_screenshot("batch.svg", str(out))

            await pilot.press("enter")
            await wait_for(pilot, lambda: type(app.screen).__name__ == "RequestScreen", "the request screen")
            await pilot.pause(1.0)
            app.save_screenshot("request.svg", str(out))

            await pilot.press("escape", "escape")
            await wait_for(pilot, lambda: app.screen is dash, "the dashboard")
            await pilot.press("question_mark")
            await pilot.pause(0.5)
            app.save_screenshot("help.svg", str(out))
            await pilot.press("escape")
    for name in ("dashboard", "batch", "request", "help"):
        print(out / f"{name}.svg")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="100x30", help="terminal size, WIDTHxHEIGHT")
    parser.add_argument("--out", default=str(ROOT / "screenshots"), help="folder for the SVG files")
    args = parser.parse_args()
    width, height = (int(x) for x in args.size.lower().split("x"))
    asyncio.run(main((width, height), Path(args.out)))
