"""What every screen of the app shares: `self.app` typed as the `BatchApp` it runs in, and its journal and
client once they are open, so screens and their mixins use them without `getattr`."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from textual.screen import Screen

from tui.core.journal.connection import Journal

if TYPE_CHECKING:
    from anthropic import AsyncAnthropic
    from textual import getters

    from tui.app import BatchApp

ResultT = TypeVar("ResultT")
AnswerT = TypeVar("AnswerT")


class AppScreen(Screen[ResultT]):
    if TYPE_CHECKING:
        app = getters.app(BatchApp)   # at run time Textual's own `app`: the same object

    def ask(self, dialog: Screen[AnswerT], then: Callable[[AnswerT], object]) -> None:
        """Show a dialog; once it is answered (not closed with no, nothing or escape), `then(answer)`."""
        def answered(answer: AnswerT | None) -> None:
            if answer:
                then(answer)

        self.app.push_screen(dialog, answered)

    @property
    def journal(self) -> Journal:
        """The open journal; a screen reads it only after `JournalReady` (or once `app.journal` is set)."""
        if self.app.journal is None:
            raise RuntimeError("the journal is not open yet")
        return self.app.journal

    @property
    def client(self) -> AsyncAnthropic:
        """The SDK client; actions check `app.client` first and say "not connected yet" without it."""
        if self.app.client is None:
            raise RuntimeError("not connected yet")
        return self.app.client
