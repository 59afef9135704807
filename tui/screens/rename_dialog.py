"""`L` on the dashboard: give one batch a name (its label), or its default name back. Returns a `Rename`.

The field holds the batch's label (empty when it has none: the default name shows as the placeholder).
`enter` or Rename saves; an empty field means the default name; `escape` closes. What is typed is checked by
`tui.core.actions.label.check_label` (one line of plain text, at most 100 characters) and a refusal is said
inline, under the field, in the core's words.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Static

from tui.core.actions.label import LabelError, check_label
from tui.core.models import BatchRow
from tui.core.safe_text import safe_text
from tui.core.words import batch_name
from tui.screens.dialog import FormDialog


@dataclass(frozen=True, slots=True)
class Rename:
    label: str | None     # None: back to the default name


def default_name(row: BatchRow) -> str:
    """The name the batch has without a label."""
    return batch_name(replace(row, label=None))


class RenameDialog(FormDialog[Rename]):
    DEFAULT_CSS = """
    RenameDialog #dialog { width: 64; }
    RenameDialog #about { color: $text-muted; }
    RenameDialog #name { width: 1fr; margin-top: 1; }
    RenameDialog #problem { display: none; color: $warning; }
    """
    BINDINGS = [Binding("escape", "close", "Close", id="rename.close")]

    def __init__(self, row: BatchRow) -> None:
        super().__init__()
        self.row = row

    def compose(self) -> ComposeResult:
        row = self.row
        with Vertical(id="dialog"):
            yield Static(Text(f"Rename {batch_name(row)}"), id="title")
            yield Static(Text(safe_text(
                f"{row.id or 'not sent yet'}. The name shows everywhere (here, `list`, `watch`); "
                f"leave it empty for the default name: {default_name(row)}", limit=400)), id="about")
            yield Input(value=safe_text(row.label or "", single_line=True), placeholder=default_name(row),
                        id="name", compact=True)
            yield Static(id="problem")
            with Horizontal(id="buttons"):
                yield Button("Rename (enter)", variant="primary", id="go", compact=True)
                yield Button("Close (esc)", id="close", compact=True)

    def on_mount(self) -> None:
        self.query_one("#name", Input).focus()

    def _go(self) -> None:
        text = self.query_one("#name", Input).value
        problem = self.query_one("#problem", Static)
        if not text.strip():
            self.dismiss(Rename(None))
            return
        try:
            label = check_label(text)
        except LabelError as exc:
            problem.display = True     # said here: notifications are not shown over a dialog
            problem.update(Text(safe_text(f"{str(exc)[:1].upper()}{str(exc)[1:]}.", limit=300)))
            return
        self.dismiss(Rename(label))

    def action_close(self) -> None:
        self.dismiss(None)

