"""A yes/no question before anything destructive: names what is acted on and what will happen.

`ModalScreen[bool]`: `y` or the danger button says yes; `n`, `escape` or the other button says no (the
default focus). An optional checkbox (e.g. "also forget the local results") is read from `.checked`
by the caller's callback. Every line is outside text and goes through `safe_text` into `Text`.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Checkbox, Static

from tui.core.safe_text import safe_text
from tui.screens.dialog import DialogScreen

MAX_LINES = 12


class ConfirmScreen(DialogScreen[bool]):
    DEFAULT_CSS = """
    ConfirmScreen #dialog { width: 72; border: thick $error 80%; }
    ConfirmScreen #lines { height: auto; max-height: 12; }
    ConfirmScreen #option { margin-top: 1; }
    ConfirmScreen #keys { color: $text-muted; margin-top: 1; }
    """
    BINDINGS = [
        Binding("y", "answer(True)", "Yes", id="confirm.yes"),
        Binding("n", "answer(False)", "No", id="confirm.no"),
        Binding("escape", "answer(False)", "No", show=False, id="confirm.escape"),
    ]

    def __init__(self, title: str, lines: list[str], *, yes_label: str = "Yes", no_label: str = "No",
                 checkbox: str | None = None) -> None:
        super().__init__()
        self.title_text = title
        self.lines = lines
        self.yes_label = yes_label
        self.no_label = no_label
        self.checkbox = checkbox
        self.checked = False

    def compose(self) -> ComposeResult:
        shown = [safe_text(line, limit=200) for line in self.lines[:MAX_LINES]]
        if len(self.lines) > MAX_LINES:
            shown.append(f"… and {len(self.lines) - MAX_LINES} more")
        with Vertical(id="dialog"):
            yield Static(Text(safe_text(self.title_text, limit=200)), id="title")
            with VerticalScroll(id="lines"):
                yield Static(Text("\n".join(shown)))
            if self.checkbox is not None:
                yield Checkbox(Text(safe_text(self.checkbox)), id="option", compact=True)
            with Horizontal(id="buttons"):
                yield Button(Text(f"{self.yes_label} (y)"), variant="error", id="yes", compact=True)
                yield Button(Text(f"{self.no_label} (n/esc)"), variant="primary", id="no", compact=True)

    def on_mount(self) -> None:
        self.query_one("#no", Button).focus()

    def on_checkbox_changed(self, event: Checkbox.Changed) -> None:
        self.checked = event.value

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(event.button.id == "yes")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)
