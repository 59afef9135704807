"""`?`: every key of every screen, read from the bindings themselves (one declaration, shown everywhere).

Screens are listed in `SECTIONS` by import path so a screen that is not built yet is simply skipped, and
features can append a note (e.g. when the price table was last checked) with `NOTES`.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable

from rich.columns import Columns
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

# (title, "module:Class" whose BINDINGS are listed, and of the widgets it shows)
SECTIONS: list[tuple[str, list[str]]] = [
    ("Everywhere", ["tui.app:BatchApp"]),
    ("Batches (the dashboard)", ["tui.widgets.batch_table:BatchTable", "tui.screens.dashboard:DashboardScreen"]),
    ("One batch", ["tui.widgets.request_table:RequestTable", "tui.screens.batch:BatchScreen"]),
    ("One request", ["tui.screens.request:RequestScreen"]),
]
# Extra lines at the end of the help (callables, so they are computed when the help opens).
NOTES: list[Callable[[], str]] = []

_ALWAYS = [("ctrl+p", "Command palette: every action by name"), ("j / k, ↑ / ↓", "Move")]


def _bindings(path: str) -> list[Binding] | None:
    module_name, _, attr = path.partition(":")
    try:
        cls = getattr(importlib.import_module(module_name), attr)
    except (ImportError, AttributeError):
        return None
    result = []
    for item in getattr(cls, "BINDINGS", []):
        if isinstance(item, Binding):
            result.append(item)
        else:  # a (key, action, description) tuple
            result.append(Binding(*item))
    return result


def key_rows(app, title: str, paths: list[str]) -> list[tuple[str, str]] | None:
    rows: list[tuple[str, str]] = []
    found = False
    for path in paths:
        bindings = _bindings(path)
        if bindings is None:
            continue
        found = True
        for binding in bindings:
            if not binding.description:
                continue
            for key in binding.key.split(","):
                # the key's own name, not the footer's short symbol (the help has room for "space")
                display = app.get_key_display(Binding(key.strip(), binding.action))
                rows.append((display, binding.description))
    if title == "Everywhere":
        rows += _ALWAYS
    return rows if found else None


def help_rows(app) -> list[tuple[str, str, str]]:
    """(section, key, what it does) for every screen that exists, without repeats."""
    result: list[tuple[str, str, str]] = []
    for title, paths in SECTIONS:
        rows = key_rows(app, title, paths)
        for key, description in rows or []:
            if (title, key, description) not in result:
                result.append((title, key, description))
    return result


def help_renderable(rows: list[tuple[str, str, str]], notes: list[str]) -> RenderableType:
    """One small table per section, flowed into as many columns as the width allows."""
    tables: list[Table] = []
    section = None
    for title, key, description in rows:
        if title != section:
            section = title
            table = Table.grid(padding=(0, 1))
            table.add_column(justify="right", style="bold #4aa3ff", no_wrap=True, min_width=6)
            table.add_column(no_wrap=True)
            table.add_row(Text(""), Text(title, style="bold underline"))
            tables.append(table)
        table.add_row(Text(key), Text(description))
    flowed = Columns(tables, padding=(1, 3))
    if not notes:
        return flowed
    return Group(flowed, Text(""), *(Text(note, style="dim") for note in notes))


class HelpScreen(ModalScreen[None]):
    BINDINGS = [
        Binding("escape,q,question_mark", "close", "Close", id="help.close"),
    ]
    DEFAULT_CSS = """
    HelpScreen {
        align: center middle;
    }
    HelpScreen > VerticalScroll {
        width: 100%;
        max-width: 120;
        margin: 0 2;
        height: auto;
        max-height: 100%;
        border: round $accent;
        border-title-align: center;
        background: $surface;
        padding: 0 1;
    }
    """

    def compose(self) -> ComposeResult:
        self.rows = help_rows(self.app)
        self.notes = [note() for note in NOTES]
        box = VerticalScroll()
        box.border_title = "Keys"
        box.border_subtitle = "escape closes"
        with box:
            yield Static(help_renderable(self.rows, self.notes), id="help-keys")

    def action_close(self) -> None:
        self.dismiss()
