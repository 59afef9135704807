"""Messages the app posts to its screens. Workers produce them; only handlers touch widgets."""

from __future__ import annotations

from textual.message import Message

from tui.core.models import SweepResult


class BatchesUpdated(Message):
    """A poll sweep finished (or the journal changed): screens re-read what they show.

    Posted by the app to every screen on the stack, so a screen under a modal stays current.
    """

    def __init__(self, result: SweepResult) -> None:
        super().__init__()
        self.result = result


class JournalReady(Message):
    """The journal is open (`app.journal` is set): screens load their first rows."""


class StatusChanged(Message):
    """The app's one-line status changed (poll error, start-up step, last poll time)."""

    def __init__(self, text: str, *, error: bool = False) -> None:
        super().__init__()
        self.text = text
        self.error = error
