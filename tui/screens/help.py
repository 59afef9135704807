"""`?`: the keys of the app and of every screen on the stack the help is shown over, read from the
bindings themselves (one declaration, shown in the footer, here and in the command palette).

The app hands over what to list (`HelpScreen(sections, notes)`): its own bindings as "Everywhere", then each
screen's (its class's `HELP_TITLE`), with the keys of the widgets on it. Only bindings with an id are ours
to list (a built-in widget's own keys carry none); `notes` are lines at the end (when prices were checked).
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Iterable, Mapping

from rich.columns import Columns
from rich.console import Console, ConsoleOptions, Group, RenderableType, RenderResult
from rich.measure import Measurement
from rich.segment import Segment
from rich.style import Style
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.color import Color
from textual.containers import VerticalScroll
from textual.dom import DOMNode
from textual.renderables.background_screen import BackgroundScreen
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

EVERYWHERE = "Everywhere"
_ALWAYS = [("ctrl+p", "Command palette: every action by name"), ("j / k, ↑ / ↓", "Move")]

Section = tuple[str, list[Binding]]


def _ours(bindings: Iterable[BindingType]) -> list[Binding]:
    return [b for b in bindings if isinstance(b, Binding) and b.id is not None and b.description]


def screen_section(screen: Screen) -> Section:
    """A screen's keys and those of the widgets it shows, under the screen's `HELP_TITLE`."""
    bindings: list[Binding] = []
    for node in [*screen.query("*"), screen]:
        for binding in _ours(type(node).BINDINGS):
            if binding not in bindings:
                bindings.append(binding)
    return str(getattr(screen, "HELP_TITLE", type(screen).__name__)), bindings


def sections_for(app_node: DOMNode, stack: Iterable[Screen], keymap: Mapping[str, str]) -> list[Section]:
    """The app's keys that apply on the screen the help is shown over (its `check_action` says: `q` quits on
    the dashboard and goes back elsewhere), then each screen's on the stack, bottom first (the help screen
    itself left out), with the keys the user's keymap gives them."""
    app_keys = [b for b in _ours(type(app_node).BINDINGS) if app_node.check_action(b.action, ()) is not False]
    sections = [(EVERYWHERE, app_keys),
                *(screen_section(s) for s in stack if not isinstance(s, HelpScreen))]
    return [(title, [dataclasses.replace(b, key=keymap.get(b.id, b.key)) if b.id else b for b in bindings])
            for title, bindings in sections]


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


class LaidOut:
    """A Rich renderable laid out once per width, then replayed: Textual renders a widget's content once to
    learn its height and again (more than once) to draw it, and the help's tables flowed into columns cost
    ~10 ms each time (measuring every cell of every table, twice over) — most of what `?` took to open."""

    def __init__(self, renderable: RenderableType) -> None:
        self.renderable = renderable
        self.layouts = 0                     # how often it was really laid out (a test reads it)
        self._lines: dict[tuple[object, ...], list[list[Segment]]] = {}
        self._measures: dict[int, Measurement] = {}

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        # what the layout depends on; not `height`: tables and columns lay out the same at any height
        key = (options.max_width, options.min_width, options.justify, options.overflow, options.no_wrap,
               options.highlight, options.markup, options.encoding, options.legacy_windows, options.is_terminal)
        lines = self._lines.get(key)
        if lines is None:
            self.layouts += 1
            lines = self._lines[key] = console.render_lines(self.renderable, options, pad=False, new_lines=False)
        newline = Segment.line()
        for line in lines:
            yield from line
            yield newline

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        measure = self._measures.get(options.max_width)
        if measure is None:
            measure = self._measures[options.max_width] = Measurement.get(console, options, self.renderable)
        return measure


_TINTED: dict[tuple[Style | None, Color], Style] = {}
_TINTED_MAX = 4096


class TintedBackground(BackgroundScreen):
    """Textual's dimmed screen behind the help (the dialogs have an opaque background), with each style tinted
    once and kept instead of once per piece of text on every frame: the screen behind is redrawn whole when the
    help opens and whenever anything under it changes, and Textual made a new style (and its terminal codes) for
    each piece each time. The same output, byte for byte."""

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        return self.tint(console.render(self.screen._compositor, options), self.color)

    @staticmethod
    def tint(segments: Iterable[Segment], color: Color) -> Iterable[Segment]:
        for segment in segments:
            text, style, control = segment
            if control:
                yield segment
                continue
            tinted = _TINTED.get((style, color))
            if tinted is None:
                if len(_TINTED) >= _TINTED_MAX:
                    _TINTED.clear()
                [done] = BackgroundScreen.process_segments([Segment(" ", style)], color)   # Textual's own tint
                tinted = _TINTED[(style, color)] = done.style or Style()
            yield Segment(text, tinted)


def tinted_background(renderable: RenderableType) -> RenderableType:
    """The help's `render()`: Textual's background, tinted through the cache."""
    if isinstance(renderable, BackgroundScreen) and not isinstance(renderable, TintedBackground):
        return TintedBackground(renderable.screen, renderable.color)
    return renderable


@functools.lru_cache(maxsize=8)
def laid_out(rows: tuple[tuple[str, str, str], ...], notes: tuple[str, ...]) -> LaidOut:
    """The help for these rows, kept: `?` pressed again over the same screen shows it without laying it out."""
    return LaidOut(help_renderable(list(rows), list(notes)))


class HelpScreen(ModalScreen[None]):
    BINDINGS = [
        Binding("escape,q,question_mark", "close", "Close", id="help.close"),
        Binding("j", "scroll_help(1)", "Scroll down", show=False),
        Binding("k", "scroll_help(-1)", "Scroll up", show=False),
    ]
    DEFAULT_CSS = """
    HelpScreen {
        align: center middle;
    }
    HelpScreen ToastRack, HelpScreen Toast { visibility: hidden; }   /* as over a dialog: shown again after */
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

    def __init__(self, sections: list[Section], notes: list[str]) -> None:
        super().__init__()
        self.sections = sections
        self.notes = notes

    def help_rows(self) -> list[tuple[str, str, str]]:
        """(section, key, what it does) for every section, without repeats."""
        rows: list[tuple[str, str, str]] = []
        for title, bindings in self.sections:
            pairs = [(" / ".join(self.app.get_key_display(Binding(key.strip(), b.action)) for key in b.key.split(",")),
                      b.description) for b in bindings]   # the key's name: "space", not "␣"; "home / g": one row
            for key, description in pairs + (_ALWAYS if title == EVERYWHERE else []):
                if (title, key, description) not in rows:
                    rows.append((title, key, description))
        return rows

    def compose(self) -> ComposeResult:
        self.rows = self.help_rows()
        box = VerticalScroll()
        box.border_title = "Keys"
        box.border_subtitle = "escape closes"
        with box:
            yield Static(laid_out(tuple(self.rows), tuple(self.notes)), id="help-keys")

    def render(self) -> RenderableType:
        return tinted_background(super().render())

    def action_close(self) -> None:
        self.dismiss()

    def action_scroll_help(self, lines: int) -> None:
        self.query_one(VerticalScroll).scroll_relative(y=lines, animate=False)
