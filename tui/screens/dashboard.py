"""The dashboard: every batch in one live table, a totals header, filter, sort and marks.

Rows come from the journal (`batches.list_batches`) in a worker whenever the app says the batches changed
(`BatchesUpdated`, `JournalReady`); the table is updated in place. Its columns are `BATCH_COLUMNS`
(`tui.widgets.batch_columns`); the keys that act on batches come from `BatchActions` and `SubmitFlow`, and act
on `selected_batches()`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import DataTable, Input, Static

from tui.core import words
from tui.core.actions.label import LabelError, set_label
from tui.screens.batch_actions import BATCH_ACTIONS, DASHBOARD_BINDINGS, BatchActions
from tui.core.journal import batches
from tui.core.journal.connection import journal_problem
from tui.core.models import BatchRow
from tui.core.safe_text import safe_text
from tui.screens.base import AppScreen
from tui.messages import BatchesUpdated, JournalReady
from tui.screens.batch import BatchScreen
from tui.screens.dashboard_overview import DashboardOverview, OverviewBar
from tui.screens.rename_dialog import RenameDialog
from tui.screens.submit_flow import SubmitFlow
from tui.widgets.app_footer import AppFooter
from tui.widgets.batch_columns import BATCH_COLUMNS
from tui.widgets.batch_table import BatchTable
from tui.widgets.status_line import StatusLine
from tui.widgets.totals_bar import TotalsBar


def _newest(row: BatchRow) -> tuple:
    """Newest first; a batch still being sent (no server time yet) is the newest of all."""
    return (-(row.created_at if row.created_at is not None else float("inf")), -row.local_id)


# name shown, key function (ascending)
SORTS: list[tuple[str, Callable[[BatchRow], tuple]]] = [
    ("newest", _newest),
    ("status", lambda r: (words.STATUS_WORDS.index(words.status_word(r)), *_newest(r))),
    ("name", lambda r: (words.batch_name(r).lower(), *_newest(r))),
    ("progress", lambda r: (r.counts.done / r.total if r.total else 0.0, *_newest(r))),
    ("errors", lambda r: (-r.counts.errored, -r.counts.failed, *_newest(r))),
    ("expiry", lambda r: (0 if r.unfinished else 1, r.expires_at or 0.0, *_newest(r))),
]


def matches(row: BatchRow, query: str) -> bool:
    """Case-insensitive substring over the name, the server id and the status (key and label)."""
    if not query:
        return True
    hay = " ".join([words.batch_name(row), row.id or "", words.status_word(row), row.processing_status or ""]).lower()
    return all(word in hay for word in query.lower().split())


class BatchesLoaded(Message):
    def __init__(self, rows: list[BatchRow]) -> None:
        super().__init__()
        self.rows = rows


class DashboardScreen(DashboardOverview, BatchActions, SubmitFlow, AppScreen[None]):
    HELP_TITLE = "Batches (the dashboard)"
    AUTO_FOCUS = "#batches"
    BINDINGS = [
        Binding("n", "new_batch", "New", tooltip="submit a JSONL file as new batch(es)", id="batches.submit"),
        Binding("slash", "filter", "Filter", id="batches.filter"),
        Binding("s", "cycle_sort", "Sort", id="batches.sort"),
        Binding("space", "toggle_mark", "Mark", key_display="␣", id="batches.mark"),
        Binding("R", "poll_now", "Poll", tooltip="poll every unfinished batch now", id="batches.refresh"),
        Binding("L", "rename_batch", "Rename", tooltip="name one batch: the one under the cursor (or the one marked)",
                id="batches.rename"),
        Binding("escape", "clear_filter", "Clear filter", id="batches.clear_filter"),
        *DASHBOARD_BINDINGS,
    ]

    def __init__(self) -> None:
        super().__init__()
        self.all_rows: dict[int, BatchRow] = {}
        self.marked: set[int] = set()
        self.filter_text = ""
        self.sort_index = 0
        self._loading = False
        self._dirty = False
        self.loaded = False
        self._bindings_key: tuple = ()

    def compose(self) -> ComposeResult:
        yield TotalsBar(id="totals")
        yield OverviewBar(id="overview")
        yield Input(placeholder="filter: name, id or status (enter keeps it, escape clears)",
                    id="filter", compact=True)
        with Vertical(id="body"):
            yield BatchTable(BATCH_COLUMNS, id="batches")
            yield Static(id="empty")
        yield StatusLine(id="status")
        yield AppFooter()

    def on_mount(self) -> None:
        self.query_one("#filter", Input).display = False
        self.table.layout_for(self.app.size.width)
        self.set_interval(1.0, self._tick)
        self._show_empty()
        if self.app.journal is not None:
            self.reload()

    @property
    def table(self) -> BatchTable:
        return self.query_one(BatchTable)

    @property
    def now(self) -> float:
        return self.app.clock.server_now()   # what server dates (age, expiry) are read against

    # -- data ----------------------------------------------------------------------------------

    def on_journal_ready(self, _: JournalReady) -> None:
        self.reload()

    def on_batches_updated(self, _: BatchesUpdated) -> None:
        self.reload()

    def reload(self) -> None:
        """Re-read the batches from the journal; calls that arrive during a load coalesce into one."""
        if self._loading:
            self._dirty = True
            return
        self._loading = True
        self._load()

    @work(group="dashboard-load", exit_on_error=False)
    async def _load(self) -> None:
        try:
            while True:
                self._dirty = False
                try:
                    rows = await batches.list_batches(self.journal)
                except Exception as exc:   # a damaged journal: the dashboard says so instead of "Opening…"
                    problem = journal_problem(exc, self.app.journal_path)
                    if problem is None:
                        raise
                    self.app.journal_failed(str(problem))
                    return
                self.post_message(BatchesLoaded(rows))
                if not self._dirty:
                    break
        finally:
            self._loading = False

    def on_batches_loaded(self, message: BatchesLoaded) -> None:
        self.all_rows = {row.local_id: row for row in message.rows}
        self.marked &= set(self.all_rows)
        self.loaded = True
        self.load_overview(message.rows)
        self.apply()

    def visible_rows(self) -> list[BatchRow]:
        rows = [r for r in self.all_rows.values() if matches(r, self.filter_text)]
        rows.sort(key=SORTS[self.sort_index][1])
        return rows

    def apply(self) -> None:
        """Bring the table in line with `all_rows`, the filter, the sort and the marks, in place."""
        table = self.table
        rows = self.visible_rows()
        keep = {r.local_id for r in rows}
        for local_id in table.shown_ids():
            if local_id not in keep:
                table.drop(local_id)
        now = self.now
        for row in rows:
            table.put(row, now, row.local_id in self.marked)
        table.order([r.local_id for r in rows])
        self.query_one(TotalsBar).show_totals(
            self.all_rows.values(), shown=len(rows), marked=len(self.marked), sort=SORTS[self.sort_index][0])
        self._show_empty()
        # The footer recomposes on every refresh: only when what the keys act on has changed.
        key = (table.row_count > 0, bool(self.filter_text), self.app.client is not None,
               tuple(dataclasses.astuple(r) for r in self.selected_batches()))
        if key != self._bindings_key:
            self._bindings_key = key
            self.refresh_bindings()

    def show_journal_problem(self) -> None:
        """The app found the journal unusable: say so instead of the table's usual empty words; hide `n`, `R`."""
        self._show_empty()
        self.refresh_bindings()

    def _show_empty(self) -> None:
        empty = self.query_one("#empty", Static)
        if self.table.row_count:
            empty.display = False
            return
        empty.display = True
        if self.app.journal_problem is not None:
            empty.update(Text(f"The journal cannot be used.\n\n{self.app.journal_problem}\n\n"
                              "Nothing is polled or sent until it is fixed. Press q to quit."))
        elif not self.loaded:
            empty.update(Text("Opening the journal…"))
        elif self.all_rows:
            empty.update(Text(f"No batch matches “{safe_text(self.filter_text, limit=60)}”. "
                              "Press escape to clear the filter."))
        elif self.app.demo:
            empty.update(Text("Starting the demo: example batches arrive in a moment…"))
        else:
            empty.update(Text("No batches yet.\n\nSubmit one with: claude-batch-tui submit FILE.jsonl\n"
                              "or watch example batches with: claude-batch-tui --demo"))

    def _tick(self) -> None:
        self.table.tick(self.now, self.marked)

    def on_resize(self) -> None:
        self.table.layout_for(self.size.width)

    # -- what other features act on -------------------------------------------------------------

    def current_batch(self) -> BatchRow | None:
        key = self.table.cursor_key()
        return self.all_rows.get(key) if key is not None else None

    def selected_batches(self) -> list[BatchRow]:
        """The marked batches (in table order), or else the one under the cursor."""
        if self.marked:
            return [self.all_rows[i] for i in self.table.shown_ids() if i in self.marked] + \
                   [self.all_rows[i] for i in sorted(self.marked) if i not in set(self.table.shown_ids())]
        row = self.current_batch()
        return [row] if row else []

    def action_targets(self) -> list[BatchRow]:
        return self.selected_batches()

    def clear_marks(self) -> None:
        self.marked.clear()
        self.apply()

    # -- keys ----------------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("new_batch", "poll_now") and self.app.journal_problem is not None:
            return False   # nothing can be recorded: no submit, no polling
        if action in BATCH_ACTIONS:
            return self.batch_action_allowed(action)
        if action == "toggle_mark":
            return self.table.row_count > 0
        if action == "rename_batch":
            return self.table.row_count > 0 and self.app.journal_problem is None
        if action == "clear_filter":
            return bool(self.filter_text) or self.query_one("#filter", Input).display
        return True

    def action_filter(self) -> None:
        box = self.query_one("#filter", Input)
        box.display = True
        box.focus()
        self.refresh_bindings()

    @on(Input.Changed, "#filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self.filter_text = event.value.strip()
        self.apply()

    @on(Input.Submitted, "#filter")
    def _filter_submitted(self, event: Input.Submitted) -> None:
        if not self.filter_text:
            event.input.display = False
        self.table.focus()
        self.refresh_bindings()

    def action_clear_filter(self) -> None:
        box = self.query_one("#filter", Input)
        box.value = ""
        box.display = False
        self.filter_text = ""
        self.table.focus()
        self.apply()

    def action_cycle_sort(self) -> None:
        self.sort_index = (self.sort_index + 1) % len(SORTS)
        self.apply()
        self.notify(f"Sorted by {SORTS[self.sort_index][0]}", timeout=2)

    def action_toggle_mark(self) -> None:
        key = self.table.cursor_key()
        if key is None:
            return
        self.marked ^= {key}
        self.apply()
        self.table.action_cursor_down()

    def action_poll_now(self) -> None:
        self.app.poll_now()

    def action_rename_batch(self) -> None:
        """Name one batch: the marked one, or the one under the cursor. A name tells one batch from the others,
        so several marked batches are not renamed at once (said, not guessed)."""
        targets = self.selected_batches()
        if len(targets) > 1:
            self.notify(f"Rename names one batch at a time, and {words.plural(len(targets), 'batch')} are marked: "
                        "unmark them (space), then rename the one under the cursor.",
                        severity="warning", timeout=6, markup=False)
            return
        if not targets or self.app.journal is None:
            return
        row = targets[0]
        self.ask(RenameDialog(row), lambda answer: self._rename(row.local_id, answer.label))

    @work(group="actions", exit_on_error=False)
    async def _rename(self, local_id: int, label: str | None) -> None:
        try:
            row = await set_label(self.journal, local_id, label, actor="tui")
        except LabelError as exc:
            self.notify(safe_text(f"Not renamed: {exc}", limit=300), severity="error", timeout=8, markup=False)
            return
        self._changed([row])
        self.notify(safe_text(f"Named {words.batch_name(row)}", limit=200), timeout=3, markup=False)

    @on(DataTable.RowSelected, "#batches")
    def _open(self, event: DataTable.RowSelected) -> None:
        if event.row_key.value is not None:
            self.open_batch(int(event.row_key.value))

    def open_batch(self, local_id: int) -> None:
        self.app.push_screen(BatchScreen(local_id))
