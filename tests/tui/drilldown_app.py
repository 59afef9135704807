"""Helpers for the batch / request screen tests: the real app (`make_app`) on a journal built directly,
no network (poll off), a fixed clock."""

from __future__ import annotations

from contextlib import asynccontextmanager
from pathlib import Path

from drilldown_journal import T0
from textual.pilot import Pilot

from tui.app import BatchApp, make_app
from tui.core.clock import FixedClock

ESC = "\x1b"


async def settle(app: BatchApp, pilot: Pilot, rounds: int = 20) -> None:
    """Until no worker runs and no message is waiting (workers answer with messages that start workers)."""
    for _ in range(rounds):
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        if not any(w.is_running for w in app.workers):
            return


@asynccontextmanager
async def running_app(journal_path: Path, size: tuple[int, int] = (120, 36)):
    app = make_app(journal_path=journal_path, poll=False, clock=FixedClock(T0))
    async with app.run_test(size=size) as pilot:
        await settle(app, pilot)
        assert app.journal is not None
        yield app, pilot


async def open_batch(app: BatchApp, pilot: Pilot, local_id: int):
    from tui.screens.batch import BatchScreen

    screen = BatchScreen(local_id)
    await app.push_screen(screen)
    await settle(app, pilot)
    return screen


async def press(app: BatchApp, pilot: Pilot, *keys: str) -> None:
    for key in keys:
        await pilot.press(key)
        await settle(app, pilot)


def screen_text(app: BatchApp) -> str:
    """What the terminal would show, as exported SVG text (also proves no ESC reaches the output)."""
    return app.export_screenshot()


def screen_lines(app: BatchApp) -> list[str]:
    """The screen as plain text lines (what a user reads), from the compositor's strips."""
    return [strip.text for strip in app.screen._compositor.render_strips()]


async def type_text(app: BatchApp, pilot: Pilot, text: str) -> None:
    """Type into the focused input, key by key."""
    names = {" ": "space", "-": "minus", "/": "slash", ".": "full_stop"}
    await pilot.press(*(names.get(ch, ch) for ch in text))
    await settle(app, pilot)
