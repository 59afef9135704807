"""One request: its params beside (or, when narrow, above) its response, error, or why it has none.

`n`/`p` walk the batch screen's current filter and search; `v` switches both panes to raw JSON; `y` copies
the response text to the clipboard with OSC 52 (works over SSH). Reads run in a worker and come back as
a `DetailLoaded` message; every outside string is rendered by `tui.widgets.response_view` as `Text`.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Container, VerticalScroll
from textual.message import Message
from textual.worker import Worker
from textual.widgets import Static

from tui import render
from tui.core.journal import pages
from tui.core.journal import batches
from tui.core.models import BatchRow, ResultRow
from tui.core.safe_text import safe_text
from tui.core.words import error_message, response_text
from tui.screens.base import AppScreen
from tui.messages import BatchesUpdated
from tui.widgets.app_footer import AppFooter
from tui.widgets.request_table import result_badge
from tui.widgets.response_view import params_view, raw_view, result_view
from tui.widgets.status_line import StatusLine

WIDE = 120  # from this width the panes sit side by side


class DetailLoaded(Message):
    def __init__(self, custom_id: str, params: dict[str, Any] | None, raw: dict[str, Any] | None,
                 row: ResultRow | None, batch: BatchRow | None, position: int | None) -> None:
        super().__init__()
        self.custom_id, self.params, self.raw, self.row = custom_id, params, raw, row
        self.batch, self.position = batch, position


class EdgeReached(Message):
    def __init__(self, direction: int) -> None:
        super().__init__()
        self.direction = direction


class RequestScreen(AppScreen[None]):
    HELP_TITLE = "One request"
    BINDINGS = [
        Binding("n", "step(1)", "Next", id="request.next"),
        Binding("p", "step(-1)", "Previous", id="request.previous"),
        Binding("y", "copy", "Copy response", id="request.copy"),
        Binding("v", "toggle_raw", "Raw JSON", id="request.raw"),
        Binding("t", "toggle_thinking", "Thinking", show=False, id="request.thinking",
                tooltip="show or hide thinking blocks (a click on one works too)"),
        Binding("q", "app.back", "Back", tooltip="back (escape works too)", id="request.back"),
        # both panes scroll from the keyboard at once, no Tab first (priority: ahead of a focused pane's own keys)
        Binding("down,j", "scroll_panes('down')", "Scroll down", show=False, priority=True,
                id="request.scroll_down"),
        Binding("up,k", "scroll_panes('up')", "Scroll up", show=False, priority=True, id="request.scroll_up"),
        Binding("pagedown,space", "scroll_panes('page_down')", "Page down", show=False, priority=True,
                id="request.page_down"),
        Binding("pageup", "scroll_panes('page_up')", "Page up", show=False, priority=True, id="request.page_up"),
        Binding("home,g", "scroll_panes('home')", "Top", show=False, priority=True, id="request.top"),
        Binding("end,G", "scroll_panes('end')", "End", show=False, priority=True, id="request.end"),
    ]

    DEFAULT_CSS = """
    RequestScreen #title { height: 1; padding: 0 1; background: $boost; }
    RequestScreen #panes { height: 1fr; layout: horizontal; }
    RequestScreen #panes.-stacked { layout: vertical; }
    RequestScreen .pane { width: 1fr; height: 1fr; border: round $primary; padding: 0 1; }
    """

    def __init__(self, batch_local_id: int, custom_id: str, *, result_type: str | None = None,
                 search: str | None = None, position: int | None = None, total: int | None = None) -> None:
        super().__init__()
        self.batch_local_id = batch_local_id
        self.custom_id = custom_id
        self.result_type = result_type
        self.search = search
        self.position = position
        self.total = total
        self.raw_mode = False
        self.show_thinking = False   # thinking blocks are collapsed to one line until asked for
        self.detail: DetailLoaded | None = None
        self._steps = 0                      # `n`/`p` presses not walked yet (+ next, - previous)
        self._walker: Worker[None] | None = None

    def compose(self) -> ComposeResult:
        yield Static(id="title")
        with Container(id="panes"):
            # the keys scroll both panes (`scroll_panes`): neither takes the focus, no Tab first
            with VerticalScroll(id="params-pane", classes="pane") as params:
                params.can_focus = False
                yield Static(id="params")
            with VerticalScroll(id="result-pane", classes="pane") as result:
                result.can_focus = False
                yield Static(id="result")
        yield StatusLine(id="status")
        yield AppFooter()

    def on_mount(self) -> None:
        self.query_one("#params-pane").border_title = "Request"
        self.query_one("#result-pane").border_title = "Response"
        self._layout(self.app.size.width)
        self._show_title()
        self._load(self.custom_id, self.position is None)

    def on_resize(self) -> None:
        self._layout(self.size.width)

    def _layout(self, width: int) -> None:
        self.query_one("#panes").set_class(width < WIDE, "-stacked")

    # -- loading -------------------------------------------------------------------------------

    @work(group="request-detail", exclusive=True, exit_on_error=False)
    async def _load(self, custom_id: str, want_position: bool) -> None:
        journal = self.journal
        params, raw, row = await pages.request_detail(journal, self.batch_local_id, custom_id)
        batch = await batches.get_batch(journal, self.batch_local_id)
        position = None
        if want_position:
            position = await pages.position(journal, self.batch_local_id, custom_id, self.result_type,
                                             self.search)
            if self.total is None:
                self.total = await pages.total(journal, self.batch_local_id, self.result_type, self.search)
        if custom_id == self.custom_id:   # not walked away from meanwhile
            self.post_message(DetailLoaded(custom_id, params, raw, row, batch, position))

    @work(group="request-step", exit_on_error=False)
    async def _walk(self) -> None:
        """Walk as many requests as `n`/`p` were pressed, presses made meanwhile included, and show where it
        ends. One walker at a time (`action_step`), showing each stop itself before it looks for more presses:
        quick presses are neither merged nor dropped."""
        while self._steps:
            custom_id, moved = self.custom_id, 0
            while self._steps:
                direction = 1 if self._steps > 0 else -1
                self._steps -= direction
                nxt = await pages.neighbour(self.journal, self.batch_local_id, custom_id, direction,
                                             self.result_type, self.search)
                if nxt is None:
                    self._steps = 0
                    self.post_message(EdgeReached(direction))
                    break
                custom_id, moved = nxt.custom_id, moved + direction
            if not moved:
                return
            params, raw, row = await pages.request_detail(self.journal, self.batch_local_id, custom_id)
            batch = await batches.get_batch(self.journal, self.batch_local_id)
            position = None if self.position is None else self.position + moved
            self.on_detail_loaded(DetailLoaded(custom_id, params, raw, row, batch, position))

    def on_batches_updated(self, _: BatchesUpdated) -> None:
        if self.detail is not None and self.detail.raw is None:  # a result may have arrived
            self._load(self.custom_id, False)

    # -- showing -------------------------------------------------------------------------------

    def on_detail_loaded(self, message: DetailLoaded) -> None:
        moved = message.custom_id != self.custom_id
        self.custom_id = message.custom_id
        if message.position is not None:
            self.position = message.position
        self.detail = message
        self._show_title()
        self._show_panes()
        if moved:
            for pane in self.query(".pane"):
                pane.scroll_home(animate=False)
        self.refresh_bindings()

    def on_edge_reached(self, message: EdgeReached) -> None:
        which = "last" if message.direction > 0 else "first"
        self.notify(f"This is the {which} request of this list.", timeout=2, markup=False)

    def _show_title(self) -> None:
        title = Text(no_wrap=True, overflow="ellipsis")
        title.append(safe_text(self.custom_id, limit=64, single_line=True), style="bold")
        title.append("  ")
        row = self.detail.row if self.detail else None
        if self.detail is not None:
            read = self.detail.batch is not None and bool(self.detail.batch.results_compared)
            title.append(result_badge(row.result_type if row else None, results_read=read))
        if self.position is not None and self.total:
            title.append(f"   {self.position + 1:,} of {self.total:,}", style="dim")
        scope = [self.result_type] if self.result_type else []
        if self.search:
            scope.append(f"/{safe_text(self.search, limit=30, single_line=True)}")
        if scope:
            title.append(f" ({', '.join(scope)})", style="dim")
        if self.detail is not None and self.detail.batch is not None:
            title.append("   ")
            title.append(render.batch_name(self.detail.batch))
        self.query_one("#title", Static).update(title)

    def _show_panes(self) -> None:
        d = self.detail
        if d is None:
            return
        if self.raw_mode:
            left, right = raw_view(d.params, "params (raw JSON)"), raw_view(d.raw, "result line (raw JSON)")
        else:
            ended = d.batch is not None and d.batch.processing_status == "ended"
            left = params_view(d.params, show_thinking=self.show_thinking)
            right = result_view(d.raw, d.row, ended, show_thinking=self.show_thinking)
        self.query_one("#params", Static).update(left)
        self.query_one("#result", Static).update(right)

    # -- keys ----------------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "copy":
            return True if self.detail is not None and self._copy_text() else None
        return True

    def action_step(self, direction: int) -> None:
        self._steps += direction
        if self._walker is None or self._walker.is_finished:
            self._walker = self._walk()

    def action_scroll_panes(self, how: str) -> None:
        """↑↓ j k PgUp PgDn space Home End g G: the request and the response scroll together (each stops at its
        own end), whichever the user reads."""
        for pane in self.query(".pane").results(VerticalScroll):
            {"down": pane.scroll_down, "up": pane.scroll_up, "page_down": pane.scroll_page_down,
             "page_up": pane.scroll_page_up, "home": pane.scroll_home, "end": pane.scroll_end}[how](animate=False)

    def action_toggle_raw(self) -> None:
        self.raw_mode = not self.raw_mode
        self._show_panes()

    def action_toggle_thinking(self) -> None:
        self.show_thinking = not self.show_thinking
        self._show_panes()

    def _copy_text(self) -> str:
        """What `y` copies: the response's text as export writes it, or the error's message."""
        if self.detail is None:
            return ""
        return response_text(self.detail.raw) or error_message(self.detail.raw)

    def action_copy(self) -> None:
        # cleaned as the screen shows it (newlines and tabs kept): a response holding ESC [201~ would
        # otherwise end a shell's bracketed paste when pasted, and run what follows as typed commands
        text = safe_text(self._copy_text())
        if not text:
            self.notify("Nothing to copy: this request has no response text.", timeout=3, markup=False)
            return
        self.app.copy_to_clipboard(text)
        self.notify(f"Copied {len(text):,} characters of {safe_text(self.custom_id, limit=64, single_line=True)}"
                    " to the clipboard.", timeout=3, markup=False)
