"""The one Pilot harness for tests of the real app (`make_app`), in tests/tui and tests/reliability.

- `running_app(journal_path, emu)`: the app started (journal, client and poller ready) and settled;
- `settle`, `press`, `type_text`, `open_screen`: act, then wait until no worker runs; `cursor_to` a batch;
- `wait_until(pilot, condition, what)`: for what only time brings (a poll, a server coming back);
- `screen_lines` / `screen_text`: the screen as a user reads it; `widget_text`: the text of a dialog's widgets;
- `record_notifications(app)`: every notification the app gives, kept (a toast goes away after a few seconds).

Everything here reads the app through Textual's public API.
"""

from __future__ import annotations

import asyncio
import html
import inspect
import re
from collections.abc import Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from rich.cells import cell_len
from textual.pilot import Pilot
from textual.screen import Screen

from tests.drilldown_journal import T0
from tui.app import BatchApp, make_app
from tui.core.clock import Clock, FixedClock

ESC = "\x1b"
SIZE = (120, 36)
S = TypeVar("S", bound=Screen)


@asynccontextmanager
async def running_app(journal_path: Path, emu: Any = None, *, size: tuple[int, int] = SIZE, poll: bool = False,
                      clock: Clock | None = None, notifications: bool = False):
    """The real app on `journal_path`, yielding `(app, pilot)` once it has started and (without `poll`) settled.

    With `emu` (an emulator) it talks to it with a test key; without, it is offline on a clock fixed at
    `drilldown_journal.T0`, so ages and times on screen do not move. `poll=True` runs the poll loop, a worker
    that never ends: then wait with `wait_until`, not `settle`."""
    if emu is None:
        app = make_app(journal_path=journal_path, poll=poll, clock=clock or FixedClock(T0))
    else:
        app = make_app(journal_path=journal_path, api_key="test-key", base_url=emu.base_url, poll=poll, clock=clock)
    async with app.run_test(size=size, notifications=notifications) as pilot:
        await wait_until(pilot, app.ready.is_set, "the app to start (journal, client and poller)", timeout=60)
        if not poll:
            await settle(pilot)
        yield app, pilot


async def settle(pilot: Pilot, rounds: int = 30) -> None:
    """Until no worker runs and no message waits (workers answer with messages that start workers).
    Not with the poll loop running: it is a worker that never ends."""
    app = pilot.app
    for _ in range(rounds):
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        if not any(w.is_running for w in app.workers):
            return


async def press(pilot: Pilot, *keys: str) -> None:
    """Press each key and settle after it."""
    for key in keys:
        await pilot.press(key)
        await settle(pilot)


async def type_text(pilot: Pilot, text: str) -> None:
    """Type into the focused input, key by key, then settle."""
    names = {" ": "space", "-": "minus", "/": "slash", ".": "full_stop"}
    await pilot.press(*(names.get(ch, ch) for ch in text))
    await settle(pilot)


async def open_screen(pilot: Pilot, screen: S) -> S:
    """Push `screen` and settle; return it."""
    await pilot.app.push_screen(screen)
    await settle(pilot)
    return screen


def cursor_to(app: BatchApp, local_id: int) -> None:
    """Put the dashboard's cursor on a batch (as the arrow keys would) and update the keys that apply."""
    app.screen.table.move_to(local_id)
    app.screen.refresh_bindings()


async def wait_until(pilot: Pilot, condition: Callable[[], Any], what: str = "the condition", *,
                     timeout: float = 15.0, step: float = 0.05) -> None:
    """Let the app run until `condition()` holds (a coroutine function is awaited: a journal query); fail after
    `timeout` seconds, saying what was awaited and the app's status line."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not await _holds(condition):
        status = getattr(pilot.app, "status", None)
        assert loop.time() < deadline, f"timed out after {timeout} s waiting for {what}; status: {status}"
        await pilot.pause(step)


async def _holds(condition: Callable[[], Any]) -> bool:
    result = condition()
    return bool(await result if inspect.isawaitable(result) else result)


# -- what is on the screen -------------------------------------------------------------------------------------------

_TEXT = re.compile(r'<text class="[^"]*" x="([^"]+)" y="[^"]*" textLength="([^"]+)" '
                   r'clip-path="url\(#[^)"]*-line-(\d+)\)">(.*?)</text>', re.DOTALL)


def screen_lines(app: BatchApp, svg: str | None = None) -> list[str]:
    """The screen as plain text lines, one per terminal row, each as wide as the terminal: what a user reads.

    Read back from `app.export_screenshot()`, the public way to get what is drawn (modals over the screens they
    cover included). Rich's SVG holds each run of text with its row (its line's clip path), its x and its
    `textLength` (both in units of one character's width), spaces written as `&#160;`, the rest HTML-escaped,
    and a row's end as a newline; runs of nothing but spaces are left out. Pass `svg` to read a screenshot
    already taken."""
    width, height = app.size
    runs = [(float(x), float(length), int(row), html.unescape(raw.replace("&#160;", " ")))
            for x, length, row, raw in _TEXT.findall(app.export_screenshot() if svg is None else svg)]
    cell = next((length / len(text) for _, length, _, text in runs if text), 1.0)
    rows: list[list[tuple[int, str]]] = [[] for _ in range(height)]
    for x, _, row, text in runs:
        rows[row].append((round(x / cell), text.replace("\n", "")))
    lines = []
    for in_row in rows:
        line, at = "", 0
        for column, text in sorted(in_row, key=lambda r: r[0]):
            line += " " * (column - at) + text
            at = column + cell_len(text)
        lines.append(line + " " * (width - at))
    return lines


def screen_text(app: BatchApp, svg: str | None = None) -> str:
    """`screen_lines` as one string."""
    return "\n".join(screen_lines(app, svg))


def widget_text(app: BatchApp, selector: str = "Static") -> str:
    """The text of the current screen's displayed widgets matching `selector` (a dialog's lines), one a line."""
    return "\n".join(str(w.render()) for w in app.screen.query(selector) if w.display)


# -- notifications ---------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Note:
    message: str
    title: str = ""
    severity: str = "information"
    timeout: float | None = None
    markup: bool = True


def record_notifications(app: BatchApp, *, show: bool = True) -> list[Note]:
    """From now on, keep every notification the app gives in the list returned (and still show it, unless
    `show` is false). A toast lasts seconds; the list keeps what a slow machine would have missed."""
    notes: list[Note] = []
    shown = app.notify

    def notify(message: str, **kwargs: Any) -> None:
        notes.append(Note(message, **kwargs))
        if show:
            shown(message, **kwargs)

    app.notify = notify   # an instance attribute: screens and widgets notify through `app.notify`
    return notes
