"""Before a retry goes out: what will be resent, per kind, and what is held back (and why).

Returns a `RetryChoice` (which extra kinds to resend) or None. Held-back `invalid_request_error`
requests and canceled ones are offered separately, unchecked: they go out only when ticked.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Checkbox, Static

from tui.core.actions.retry import RetrySelection
from tui.core.safe_text import safe_text
from tui.core.words import batch_name
from tui.screens.dialog import DialogScreen


@dataclass(frozen=True, slots=True)
class RetryChoice:
    all_errors: bool = False
    include_canceled: bool = False


class RetryDialog(DialogScreen[RetryChoice]):
    DEFAULT_CSS = """
    RetryDialog #dialog { border: thick $warning 80%; }
    RetryDialog #kinds { height: auto; max-height: 8; }
    RetryDialog #held { color: $text-muted; height: auto; max-height: 4; margin-top: 1; }
    RetryDialog #retried { color: $warning; margin-top: 1; }
    """
    BINDINGS = [
        Binding("y", "send", "Send", id="retry.send"),
        Binding("n", "dismiss_none", "Don't", id="retry.no"),
        Binding("escape", "dismiss_none", "Don't", show=False, id="retry.escape"),
    ]

    def __init__(self, selection: RetrySelection) -> None:
        super().__init__()
        self.selection = selection

    def compose(self) -> ComposeResult:
        sel = self.selection
        name = batch_name(sel.source)
        with Vertical(id="dialog"):
            yield Static(Text(f"Retry the failures of {name}"), id="title")
            with VerticalScroll(id="kinds"):
                yield Static(Text("\n".join(self._kind_lines())))
            held = sum(sel.held_back.values())
            if held:
                types = ", ".join(f"{n} {t}" for t, n in sorted(sel.held_back.items()))
                ids = ", ".join(sel.held_back_ids[:20]) + (" …" if held > 20 else "")
                yield Static(Text(safe_text(f"held back, they fail again unless the params change: {ids}",
                                            limit=400)), id="held")
                yield Checkbox(Text(safe_text(f"also resend {types}")), id="all_errors", compact=True)
            canceled = sel.not_included.get("canceled", 0)
            if canceled:
                yield Checkbox(Text(f"also resend {canceled} canceled"), id="include_canceled", compact=True)
            if sel.retried_by:
                yield Static(Text(safe_text(f"already retried by {', '.join(sel.retried_by)}: sending again "
                                            "resends the same requests", limit=300)), id="retried")
            if sel.missing_params:
                yield Static(Text(f"{sel.missing_params} failed request(s) have no stored params "
                                  "(submitted elsewhere) and cannot be resent"))
            with Horizontal(id="buttons"):
                yield Button(Text(self._send_label()), variant="warning", id="send", compact=True)
                yield Button(Text("Don't (n/esc)"), variant="primary", id="no", compact=True)

    def _kind_lines(self) -> list[str]:
        sel = self.selection
        if not sel.kinds:
            return ["nothing retryable by default"]
        return [f"{n:>7,}  {kind}" for kind, n in sorted(sel.kinds.items())]

    def _extra(self) -> int:
        n = 0
        if self._ticked("all_errors"):
            n += sum(self.selection.held_back.values())
        if self._ticked("include_canceled"):
            n += self.selection.not_included.get("canceled", 0)
        return n

    def _ticked(self, widget_id: str) -> bool:
        found = self.query(f"#{widget_id}")
        return bool(found) and found.first(Checkbox).value

    def _send_label(self) -> str:
        return f"Send {self.selection.count + self._extra():,} requests (y)"

    def on_mount(self) -> None:
        self._update()
        careful = self.query_one("#send", Button).disabled or bool(self.selection.retried_by)
        self.query_one("#no" if careful else "#send", Button).focus()

    def on_checkbox_changed(self, _: Checkbox.Changed) -> None:
        self._update()

    def _update(self) -> None:
        button = self.query_one("#send", Button)
        total = self.selection.count + self._extra()
        button.label = Text(self._send_label())
        button.disabled = total == 0

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "send":
            self.action_send()
        else:
            self.dismiss(None)

    def action_send(self) -> None:
        if self.selection.count + self._extra() == 0:
            return
        self.dismiss(RetryChoice(all_errors=self._ticked("all_errors"),
                                 include_canceled=self._ticked("include_canceled")))

    def action_dismiss_none(self) -> None:
        self.dismiss(None)
