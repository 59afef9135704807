"""The frame every modal dialog shares: centred, bordered, a bold `#title`, right-aligned `#buttons`.

A dialog subclasses `DialogScreen[ResultType]`, composes a container with id `dialog`, and in its own
DEFAULT_CSS sets only what differs (its width, its border colour) and its own parts.
"""

from __future__ import annotations

from typing import TypeVar

from textual.screen import ModalScreen
from textual.widgets import Button, Input

from tui.screens.base import AppScreen

ResultType = TypeVar("ResultType")


class DialogScreen(AppScreen[ResultType], ModalScreen[ResultType]):
    DEFAULT_CSS = """
    DialogScreen { align: center middle; }
    DialogScreen #dialog {
        width: 76; max-width: 100%; height: auto; max-height: 100%;
        border: thick $primary 80%; background: $surface; padding: 0 1;
    }
    DialogScreen #title { text-style: bold; margin-bottom: 1; }
    DialogScreen #buttons { height: auto; margin-top: 1; align-horizontal: right; }
    DialogScreen Button { margin-left: 2; }
    /* Notifications (batch ended, expiring soon) wait while a dialog is up: at 80x24 they covered its buttons.
       A dialog says its own problems inline; the toasts still running show again once it closes. */
    DialogScreen ToastRack, DialogScreen Toast { visibility: hidden; }
    """


class FormDialog(DialogScreen[ResultType]):
    """A dialog of fields and a `#go` button: enter in a field or `#go` calls `_go` (which checks the fields and
    dismisses with the result, or says what is wrong inline); any other button closes it with None."""

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self._go()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "go":
            self._go()
        else:
            self.dismiss(None)

    def _go(self) -> None:
        raise NotImplementedError
