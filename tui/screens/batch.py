"""One batch: its facts above a request table paged from the journal, with a result filter and a search.

Every read runs in an async worker on the app's loop (`tui.core.journal.pages`, keyset pages) and comes back as a
message; only the handlers touch widgets. The table holds one window of rows (`RequestTable`), so opening,
paging to the end and filtering a 100,000-request batch each cost one or two indexed queries.
Other features add keys to `BINDINGS` (with ids) and act on `current_request()` / `row` (the batch).
"""

from __future__ import annotations

from typing import TypedDict

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.css.query import NoMatches
from textual.message import Message
from textual.widgets import DataTable, Input, Static

from tui.screens.batch_actions import BATCH_ACTIONS, BATCH_BINDINGS, BatchActions
from tui.core.journal import pages
from tui.core.journal.search import parse as parse_search
from tui.core.journal import batches
from tui.core.models import BatchRow, ResultRow, SweepResult
from tui.screens.base import AppScreen
from tui.screens.request import RequestScreen
from tui.messages import BatchesUpdated, JournalReady
from tui.widgets.app_footer import AppFooter
from tui.widgets.batch_facts import BatchFacts, Facts
from tui.widgets.request_table import PAGE, WINDOW, RequestTable
from tui.widgets.result_filter import error_summary_line, filter_line, position_line
from tui.widgets.status_line import StatusLine


class Query(TypedDict):
    """The filter, search and sort in force, as keyword arguments of the journal's page reads."""

    result_type: str | None
    search: str | None
    sort: str


# `s`: the orders of the request table, and how the screen names them
SORT_WORDS = {"id": "custom_id", "natural": "custom_id, numbers by value", "tokens": "tokens, most first",
              "cost": "cost, most first"}


class FactsLoaded(Message):
    def __init__(self, facts: Facts | None) -> None:
        super().__init__()
        self.facts = facts


class CountsLoaded(Message):
    def __init__(self, counts: dict[str, int], summary: list[tuple[str, int]], search: str | None) -> None:
        super().__init__()
        self.counts, self.summary, self.search = counts, summary, search


class WindowLoaded(Message):
    def __init__(self, rows: list[ResultRow], start: int, at_start: bool, at_end: bool, *,
                 select: str | None = None, select_last: bool = False, ticket: int = 0) -> None:
        super().__init__()
        self.rows, self.start, self.at_start, self.at_end = rows, start, at_start, at_end
        self.select, self.select_last, self.ticket = select, select_last, ticket


class PageLoaded(Message):
    def __init__(self, request: RequestTable.NeedRows, rows: list[ResultRow], reached_edge: bool) -> None:
        super().__init__()
        self.request, self.rows, self.reached_edge = request, rows, reached_edge


def _changed(old: BatchRow | None, new: BatchRow | None) -> bool:
    """Did anything that decides the table's rows change (not just the poll time)?"""
    if old is None or new is None:
        return old is not new
    return (old.counts, old.processing_status, old.ingest_state, old.results_ingested) != \
        (new.counts, new.processing_status, new.ingest_state, new.results_ingested)


class BatchScreen(BatchActions, AppScreen[None]):
    HELP_TITLE = "One batch"
    BINDINGS = [
        Binding("f", "cycle_filter", "Filter", id="batch.filter"),
        Binding("slash", "search", "Search", tooltip="words of the custom_id, prompt or answer; stop:, model:, "
                "error: filters", id="batch.search"),
        Binding("s", "cycle_sort", "Sort", tooltip="custom_id, custom_id by number, tokens, cost", id="batch.sort"),
        Binding("escape", "clear_search", "Clear search", id="batch.clear_search"),
        *BATCH_BINDINGS,
        Binding("q", "app.back", "Back", tooltip="back (escape works too)", id="batch.back"),
    ]

    DEFAULT_CSS = """
    BatchScreen #filters, BatchScreen #errors, BatchScreen #position { height: 1; padding: 0 1; }
    BatchScreen #errors { display: none; }
    BatchScreen #errors.-shown { display: block; }
    BatchScreen #search { height: 1; margin: 0 1; }
    BatchScreen RequestTable { height: 1fr; }
    BatchScreen #position { color: $text-muted; }
    """

    def __init__(self, batch_local_id: int) -> None:
        super().__init__()
        self.batch_local_id = batch_local_id
        self.row: BatchRow | None = None
        self.filter = "all"
        self.search: str | None = None
        self.sort = "id"
        self.counts: dict[str, int] | None = None
        self.summary: list[tuple[str, int]] = []
        self._ticket = 0                  # the newest window load; older answers are dropped
        self._request_screen: RequestScreen | None = None   # the one we opened, to follow its n/p on return
        self.loaded = False
        self._keys_shown: object = None       # what the footer was last told (`refresh_bindings`)
        self.counts_read = False              # counts and the error summary were shown once

    def compose(self) -> ComposeResult:
        yield BatchFacts(id="facts")
        yield Static(id="filters")
        yield Input(placeholder="words of custom_id, prompt or answer; stop:max_tokens model:haiku error:overloaded "
                                "(enter searches, escape clears)", id="search", compact=True)
        yield Static(id="errors")
        yield RequestTable(id="requests")
        yield Static(id="position")
        yield StatusLine(id="status")
        yield AppFooter()

    def on_mount(self) -> None:
        self.query_one("#search", Input).display = False
        self.table.layout_for(self.app.size.width)
        self.table.focus()
        self.watch(self.table, "scroll_y", self._show_position, init=False)
        self.set_interval(1.0, self._tick)
        self._show_filters()
        if self.app.journal is not None:
            self.reload(window="first")

    def refresh_bindings(self) -> None:
        """Tell the footer only when the keys that apply changed. Textual says it twice for each change of focus
        (once as focus moves, once after the next refresh), and the footer rebuilds itself at each word (every
        key widget removed, mounted and styled again: ~25 ms of CPU, and its keys drawn again), so a search's
        enter (the box gives focus back to the table) paid for two rebuilds."""
        try:
            keys: object = (self.app.app_focus, tuple((key, b.binding.action, b.binding.description, b.binding.show,
                                                       b.enabled, b.tooltip) for key, b in self.active_bindings.items()))
        except NoMatches:   # not composed yet, or being taken down: say it, and compare from the next time
            keys = None
        if keys is not None and keys == self._keys_shown:
            return
        self._keys_shown = keys
        super().refresh_bindings()

    @property
    def table(self) -> RequestTable:
        return self.query_one(RequestTable)

    def current_request(self) -> ResultRow | None:
        return self.table.current()

    # -- loading -------------------------------------------------------------------------------

    def on_journal_ready(self, _: JournalReady) -> None:
        self.reload(window="first")

    def on_batches_updated(self, message: BatchesUpdated) -> None:
        if self.loaded and not (self._settled() and not self._mentioned(message.result)):
            self.reload(window=None)

    def _settled(self) -> bool:
        """Ended with its results in: only a sweep or an action that names it can change what it shows."""
        b = self.row
        return b is not None and b.processing_status == "ended" and b.ingest_state in ("complete", "unavailable")

    def _mentioned(self, result: SweepResult) -> bool:
        """The batch itself, or a retry of it, is among the rows the sweep (or an action) changed."""
        my_id = self.row.id if self.row else None
        return any(r.local_id == self.batch_local_id or (my_id is not None and r.parent_id == my_id)
                   for r in (*result.changed, *result.ended, *result.adopted))

    def reload(self, window: str | None, *, facts: bool = True) -> None:
        """Re-read facts and counts; `window` = 'first' (opening, new search) or None (keep the place)."""
        self._load_facts(window, facts)

    @work(group="batch-facts", exclusive=True, exit_on_error=False)
    async def _load_facts(self, window: str | None, facts: bool) -> None:
        """The first rows come first (one indexed query), then the facts, then the counts: the table is on
        screen before the counting of a large batch is done."""
        journal, search = self.journal, self.search
        if window == "first":
            await self._window_first(self._next_ticket())
        if facts:
            batch = await batches.get_batch(journal, self.batch_local_id)
            changed = _changed(self.row, batch)
            self.post_message(FactsLoaded(await self._facts(batch)))
            if window is None and self.loaded and not changed:
                return
        counts = await pages.counts_by_type(journal, self.batch_local_id, search)
        # what failed in the batch does not depend on the search: a new search keeps the line it has
        summary = self.summary if not facts and self.counts_read else await pages.error_summary(
            journal, self.batch_local_id)
        self.post_message(CountsLoaded(counts, summary, search))
        if window is None:
            await self._window_around(self.table.cursor_key(), self._next_ticket())

    async def _facts(self, batch: BatchRow | None) -> Facts | None:
        if batch is None:
            return None
        parent, children = await pages.retry_family(self.journal, batch)
        job_final = None
        if parent is not None or children or batch.parent_id:
            from tui.core.journal.lineage import family_ids, final_summary

            family = await family_ids(self.journal, batch)
            job_final = (*await final_summary(self.journal, family), len(family))
        from tui.core.timing.overview import batch_cost_time

        return Facts(batch, parent, children, await pages.ingest_error(self.journal, self.batch_local_id),
                     job_final, await batch_cost_time(self.journal, batch, self.app.clock.now()))

    def _next_ticket(self) -> int:
        self._ticket += 1
        return self._ticket

    async def _window_first(self, ticket: int) -> None:
        rows = await pages.page(self.journal, self.batch_local_id, limit=WINDOW + 1, **self._query())
        self.post_message(WindowLoaded(rows[:WINDOW], 0, True, len(rows) <= WINDOW, ticket=ticket))

    async def _window_last(self, ticket: int) -> None:
        rows = await pages.page(self.journal, self.batch_local_id, from_end=True, limit=WINDOW + 1,
                                 **self._query())
        at_start = len(rows) <= WINDOW
        rows = rows[-WINDOW:]
        start = 0 if at_start else await pages.position(self.journal, self.batch_local_id, rows[0].custom_id,
                                                         **self._query())
        self.post_message(WindowLoaded(rows, start, at_start, True, select_last=True, ticket=ticket))

    async def _window_around(self, key: str | None, ticket: int) -> None:
        """Re-open the window with `key` in its middle page (after a refresh, or back from a request)."""
        if key is None:
            await self._window_first(ticket)
            return
        q = self._query()
        before = await pages.page(self.journal, self.batch_local_id, before=key, limit=PAGE, **q)
        after = await pages.page(self.journal, self.batch_local_id, start=key, limit=WINDOW - PAGE + 1, **q)
        rows = before + after[:WINDOW - PAGE]
        if not rows:
            await self._window_first(ticket)
            return
        start = 0 if len(before) < PAGE else await pages.position(self.journal, self.batch_local_id,
                                                                   rows[0].custom_id, **q)
        self.post_message(WindowLoaded(rows, start, len(before) < PAGE, len(after) <= WINDOW - PAGE,
                                       select=key, ticket=ticket))

    def _query(self) -> Query:
        return {"result_type": None if self.filter == "all" else self.filter, "search": self.search,
                "sort": self.sort}

    @on(RequestTable.NeedRows)
    def _need_rows(self, message: RequestTable.NeedRows) -> None:
        message.stop()
        if message.where in ("first", "last"):
            self._jump(message.where)
        else:
            self._load_page(message)

    @work(group="batch-window", exclusive=True, exit_on_error=False)
    async def _jump(self, where: str) -> None:
        ticket = self._next_ticket()
        await (self._window_first(ticket) if where == "first" else self._window_last(ticket))

    @work(group="batch-page", exclusive=True, exit_on_error=False)
    async def _load_page(self, message: RequestTable.NeedRows) -> None:
        after, before = (message.anchor, None) if message.where == "after" else (None, message.anchor)
        query = self._query()
        try:
            rows = await pages.page(self.journal, self.batch_local_id, after=after, before=before, limit=PAGE + 1,
                                    **query)
        except Exception:
            self.post_message(PageLoaded(message, [], False))  # the table may ask again; the app shows why
            raise
        reached_edge = len(rows) <= PAGE
        rows = rows[:PAGE] if message.where == "after" else rows[-PAGE:]
        self.post_message(PageLoaded(message, rows, reached_edge))

    # -- showing -------------------------------------------------------------------------------

    def on_facts_loaded(self, message: FactsLoaded) -> None:
        if message.facts is None:
            self.query_one(BatchFacts).show_missing(self.batch_local_id)
        else:
            self.row = message.facts.batch
            self.table.show_results_read(bool(self.row.results_compared))
            self.query_one(BatchFacts).show(message.facts, self.app.clock.server_now())
            self.refresh_bindings()
        self.loaded = True
        self.call_after_refresh(self._show_position)  # the facts' height moves the table

    def on_counts_loaded(self, message: CountsLoaded) -> None:
        if message.search != self.search:
            return
        self.counts_read = True
        self.counts, self.summary = message.counts, message.summary
        self._show_filters()
        self.call_after_refresh(self._show_position)  # the error line may have appeared

    def on_window_loaded(self, message: WindowLoaded) -> None:
        if message.ticket != self._ticket:
            return
        self.table.show_window(message.rows, message.start, at_start=message.at_start, at_end=message.at_end,
                               select=message.select, select_last=message.select_last)
        self.call_after_refresh(self._show_position)

    def on_page_loaded(self, message: PageLoaded) -> None:
        self.table.extend_window(message.request, message.rows, reached_edge=message.reached_edge)
        self.call_after_refresh(self._show_position)

    def _show_filters(self) -> None:
        line = filter_line(self.counts, self.filter, self.search)
        if self.sort != "id":   # the order in force, before the counts (the line is cut at its end)
            line = Text.assemble(("s ", "bold"), (f"{SORT_WORDS[self.sort]}", "bold"), ("   ", ""), line,
                                 no_wrap=True, overflow="ellipsis")
        self.query_one("#filters", Static).update(line, layout=False)
        errors = self.query_one("#errors", Static)
        errors.update(error_summary_line(self.summary), layout=False)
        errors.set_class(bool(self.summary), "-shown")
        self._show_position()

    def _show_position(self, *_: object) -> None:
        """The line under the table: which rows are shown, where the cursor is. (A scroll can call this while the
        screen recomposes, before the line exists again: then the next call draws it.)"""
        line = self.query("#position").first(Static) if self.query("#position") else None
        if line is None:
            return
        total = None if self.counts is None else self.counts.get(self.filter, 0)
        line.update(
            position_line(self.table.visible_span(), total, self.table.cursor_position(), self.filter,
                          self.search), layout=False)

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        """The cursor moved: only the position line changes. `c`/`r`/`e` act on the screen's batch, not on
        the row, so the mixin's footer refresh (a recompose and a full layout per key) is skipped."""
        event.prevent_default()
        self._show_position()

    def _tick(self) -> None:
        self.query_one(BatchFacts).tick(self.app.clock.server_now())

    def on_resize(self) -> None:
        self.table.layout_for(self.size.width)
        self.call_after_refresh(self._show_position)

    # -- keys ----------------------------------------------------------------------------------

    def action_targets(self) -> list[BatchRow]:
        return [self.row] if self.row is not None else []

    def current_batch(self) -> BatchRow | None:
        return self.row

    def clear_marks(self) -> None:
        """A batch's own view has no marks."""

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in BATCH_ACTIONS:
            return self.batch_action_allowed(action)
        if action == "clear_search":
            return bool(self.search) or self.query_one("#search", Input).display
        return True

    def action_cycle_filter(self) -> None:
        names = pages.FILTERS
        self.filter = names[(names.index(self.filter) + 1) % len(names)]
        self._show_filters()
        self._jump("first")

    def action_cycle_sort(self) -> None:
        """The next order (`SORT_WORDS`); the table opens at its first row."""
        names = pages.SORTS
        self.sort = names[(names.index(self.sort) + 1) % len(names)]
        self._show_filters()
        self._jump("first")

    def action_search(self) -> None:
        box = self.query_one("#search", Input)
        box.value = self.search or ""
        box.display = True
        box.focus()   # the footer hears of the change of focus (no word of its own: each is a rebuild)

    @on(Input.Submitted, "#search")
    def _search_submitted(self, event: Input.Submitted) -> None:
        words = event.value.split()
        sorts = [w for w in words if parse_search(w).sort]
        if sorts:   # `sort:cost` typed in the box: the order, as `s` sets it
            self.sort = parse_search(sorts[-1]).sort or self.sort
            words = [w for w in words if w not in sorts]
            self._show_filters()
            self._jump("first")
        self._set_search(" ".join(words) or None)

    def action_clear_search(self) -> None:
        self._set_search(None)

    def _set_search(self, search: str | None) -> None:
        box = self.query_one("#search", Input)
        box.display = bool(search)
        box.value = search or ""
        refocus = self.focused is not self.table
        self.table.focus()
        changed = search != self.search
        self.search = search
        if not refocus:   # a change of focus refreshes the footer anyway (each refresh rebuilds it: ~30 ms)
            self.refresh_bindings()
        if changed:
            self.counts = None
            self._show_filters()
            self.reload(window="first", facts=False)

    @on(DataTable.RowSelected, "#requests")
    def _open(self, event: DataTable.RowSelected) -> None:
        row = self.table.current()
        if row is None:
            return

        total = None if self.counts is None else self.counts.get(self.filter)
        query = self._query()
        # the request view walks (n/p) this order: it reads it from the search, as `sort:` written there
        search = " ".join(w for w in (query["search"], f"sort:{self.sort}" if self.sort != "id" else None) if w)
        self._request_screen = RequestScreen(self.batch_local_id, row.custom_id, result_type=query["result_type"],
                                             search=search or None, position=self.table.cursor_position(),
                                             total=total)
        self.app.push_screen(self._request_screen)

    def on_screen_resume(self) -> None:
        """Back from a request: if `n`/`p` moved on, put the cursor on the request last shown."""
        screen, self._request_screen = self._request_screen, None
        if screen is not None and screen.custom_id != self.table.cursor_key():
            self._follow(screen.custom_id)

    @work(group="batch-window", exclusive=True, exit_on_error=False)
    async def _follow(self, key: str) -> None:
        await self._window_around(key, self._next_ticket())

