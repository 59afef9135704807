"""A quiet one-line status: start-up steps, the last poll, a poll failure. Never a modal.

It listens to `app.status_signal` (published by the app), so any screen can show it by yielding one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.widgets import Static

from tui.core.safe_text import safe_text

if TYPE_CHECKING:
    from textual import getters

    from tui.app import BatchApp


class StatusLine(Static):
    if TYPE_CHECKING:
        app = getters.app(BatchApp)

    DEFAULT_CSS = """
    StatusLine {
        height: 1;
        width: 1fr;
        padding: 0 1;
        color: $text-muted;
        background: $panel;
    }
    StatusLine.-error {
        color: $text-warning;
        background: $warning-muted;
    }
    """

    def on_mount(self) -> None:
        self.app.status_signal.subscribe(self, self._show)
        self._show(self.app.status)

    def _show(self, status: tuple[str, bool]) -> None:
        text, error = status
        self.set_class(error, "-error")
        self.update(Text(safe_text(text, limit=400, single_line=True), no_wrap=True, overflow="ellipsis"))
