"""Before a retry goes out: what will be resent, per kind, and what is held back (and why).

Returns a `RetryChoice` (which extra kinds to resend) or None. Held-back `invalid_request_error`
requests and canceled ones are offered separately, unchecked: they go out only when ticked.

Given several selections (the dashboard's marked batches), it says so: one new batch for each, a line per batch
with its name, id and count, the marked batches that have nothing to retry and why, and the ticks apply to all.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Checkbox, Static

from tui.core.actions.retry import RetrySelection
from tui.core.models import BatchRow
from tui.core.safe_text import safe_text
from tui.core.words import batch_name, plural
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

    def __init__(self, selection: RetrySelection | Sequence[RetrySelection], *,
                 skipped: Sequence[tuple[BatchRow, str]] = ()) -> None:
        super().__init__()
        self.retry_selections = [selection] if isinstance(selection, RetrySelection) else list(selection)
        self.selection = self.retry_selections[0]
        self.skipped = list(skipped)    # marked batches with nothing to retry, and why

    @property
    def several(self) -> bool:
        return len(self.retry_selections) > 1 or bool(self.skipped)

    @property
    def count(self) -> int:
        return sum(s.count for s in self.retry_selections)

    def _held_back(self) -> Counter:
        return sum((s.held_back for s in self.retry_selections), Counter())

    def _canceled(self) -> int:
        return sum(s.not_included.get("canceled", 0) for s in self.retry_selections)

    def compose(self) -> ComposeResult:
        sels = self.retry_selections
        if self.several:
            title = f"Retry the failures of {plural(len(sels), 'batch')}: one new batch for each"
        else:
            title = f"Retry the failures of {batch_name(self.selection.source)}"
        with Vertical(id="dialog"):
            yield Static(Text(title), id="title")
            with VerticalScroll(id="kinds"):
                yield Static(Text("\n".join(self._kind_lines())))
            held_back = self._held_back()
            held = sum(held_back.values())
            if held:
                types = ", ".join(f"{n} {t}" for t, n in sorted(held_back.items()))
                held_ids = [cid for s in sels for cid in s.held_back_ids]
                ids = ", ".join(held_ids[:20]) + (" …" if held > 20 else "")
                yield Static(Text(safe_text(f"held back, they fail again unless the params change: {ids}",
                                            limit=400)), id="held")
                yield Checkbox(Text(safe_text(f"also resend {types}")), id="all_errors", compact=True)
            canceled = self._canceled()
            if canceled:
                yield Checkbox(Text(f"also resend {canceled} canceled"), id="include_canceled", compact=True)
            retried_by = [b for s in sels for b in s.retried_by]
            if retried_by:
                yield Static(Text(safe_text(f"already retried by {', '.join(retried_by)}: sending again "
                                            "resends the same requests", limit=300)), id="retried")
            missing = sum(s.missing_params for s in sels)
            if missing:
                have = "has" if missing == 1 else "have"
                yield Static(Text(f"{plural(missing, 'failed request')} {have} no stored params "
                                  "(submitted elsewhere) and cannot be resent"))
            with Horizontal(id="buttons"):
                yield Button(Text(self._send_label()), variant="warning", id="send", compact=True)
                yield Button(Text("Don't (n/esc)"), variant="primary", id="no", compact=True)

    def _kind_lines(self) -> list[str]:
        if self.several:
            return self._batch_lines()
        sel = self.selection
        if not sel.kinds:
            return ["nothing retryable by default"]
        return [f"{n:>7,}  {kind}" for kind, n in sorted(sel.kinds.items())]

    def _batch_lines(self) -> list[str]:
        """One line per marked batch: what it resends; then the marked ones left alone and why."""
        lines = []
        for sel in self.retry_selections:
            row = sel.source
            kinds = ", ".join(f"{n:,} {kind}" for kind, n in sorted(sel.kinds.items())) or "nothing by default"
            lines.append(safe_text(f"{batch_name(row)}  ({row.id or '#' + str(row.local_id)}): "
                                   f"{plural(sel.count, 'request')} — {kinds}", limit=300, single_line=True))
        for row, why in self.skipped:
            lines.append(safe_text(f"not retried: {batch_name(row)}  ({row.id or '#' + str(row.local_id)}): {why}",
                                   limit=300, single_line=True))
        return lines

    def _extra(self) -> int:
        n = 0
        if self._ticked("all_errors"):
            n += sum(self._held_back().values())
        if self._ticked("include_canceled"):
            n += self._canceled()
        return n

    def _ticked(self, widget_id: str) -> bool:
        found = self.query(f"#{widget_id}")
        return bool(found) and found.first(Checkbox).value

    def _send_label(self) -> str:
        return f"Send {plural(self.count + self._extra(), 'request')} (y)"

    def on_mount(self) -> None:
        self._update()
        careful = self.query_one("#send", Button).disabled or any(s.retried_by for s in self.retry_selections)
        self.query_one("#no" if careful else "#send", Button).focus()

    def on_checkbox_changed(self, _: Checkbox.Changed) -> None:
        self._update()

    def _update(self) -> None:
        button = self.query_one("#send", Button)
        total = self.count + self._extra()
        button.label = Text(self._send_label())
        button.disabled = total == 0

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "send":
            self.action_send()
        else:
            self.dismiss(None)

    def action_send(self) -> None:
        if self.count + self._extra() == 0:
            return
        self.dismiss(RetryChoice(all_errors=self._ticked("all_errors"),
                                 include_canceled=self._ticked("include_canceled")))

    def action_dismiss_none(self) -> None:
        self.dismiss(None)
