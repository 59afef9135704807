"""The request table of one batch: a DataTable holding one *window* of rows, paged from the journal.

A batch may hold 100,000 requests; a DataTable lays out every row it holds, so this one holds at most
`WINDOW` rows (three pages). When the cursor comes within a page of the window's edge, the table asks
its screen for the next page (`NeedRows`); the screen reads it by keyset and hands it back
(`extend_window`), the far page is dropped, and the cursor stays on the same request at the same place
on screen. `home`/`end` ask for the first/last window. The rows come in the screen's order (custom_id, or the
sort `s` chose): the table only names its edge rows by custom_id, and the screen pages from them. The table
never touches SQLite itself.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable

from rich.text import Text
from textual.binding import Binding
from textual.message import Message
from textual.geometry import Size
from textual.widgets import DataTable
from textual.widgets.data_table import RowKey

from tui import render
from tui.core.models import ResultRow
from tui.core.safe_text import safe_text
from tui.widgets.table_keys import jump_bindings
from tui.widgets.columns import CELL_PADDING, CellContext, Column, choose_columns

PAGE = 100
WINDOW = 3 * PAGE

RESULT_STYLES = {"succeeded": "green", "errored": "bold red", "canceled": "magenta", "expired": "yellow"}


def id_cell(custom_id: str, width: int) -> Text:
    """A custom_id cut in the middle when too long: ids often share a prefix and differ at the end."""
    s = safe_text(custom_id, limit=64, single_line=True)
    if len(s) > width >= 5:
        head = (width - 1) // 3
        s = s[:head] + "…" + s[len(s) - (width - 1 - head):]
    return Text(s, no_wrap=True, overflow="ellipsis")


def result_badge(result_type: str | None, *, results_read: bool = False) -> Text:
    """The result's type; without one, `pending` while the results may still come, `missing` once they were read
    to their end (the stream left it out: retry resends it)."""
    if result_type is None:
        if results_read:
            return Text("missing", style="bold red", no_wrap=True)
        return Text("pending", style="dim italic", no_wrap=True)
    return Text(safe_text(result_type, limit=12, single_line=True), style=RESULT_STYLES.get(result_type, "cyan"),
                no_wrap=True, overflow="ellipsis")


def detail_cell(row: ResultRow) -> Text:
    """The error type of a failure, or why the model stopped."""
    if row.error_type:
        return Text(safe_text(row.error_type, limit=40, single_line=True), style="red", no_wrap=True,
                    overflow="ellipsis")
    if row.stop_reason:
        style = "yellow" if row.stop_reason in ("max_tokens", "refusal") else "dim"
        return Text(safe_text(row.stop_reason, limit=40, single_line=True), style=style, no_wrap=True,
                    overflow="ellipsis")
    return Text("")


def tokens_cell(row: ResultRow) -> Text:
    if row.input_tokens is None and row.output_tokens is None:
        return Text("—", style="dim", justify="right")
    inp = (row.input_tokens or 0) + (row.cache_creation_input_tokens or 0) + (row.cache_read_input_tokens or 0)
    return Text(f"{inp:,}→{row.output_tokens or 0:,}", justify="right", no_wrap=True, overflow="ellipsis")


def cost_cell(row: ResultRow) -> Text:
    return render.cost(row.cost_usd, places=4)


def preview_cell(row: ResultRow, width: int = 200) -> Text:
    """The preview cut to the column's width: a shorter Text is cheaper to lay out and draw."""
    if row.preview is None:
        return Text("")
    style = "red" if row.result_type == "errored" else ""
    return Text(safe_text(row.preview, limit=max(1, width), single_line=True), style=style, no_wrap=True,
                overflow="ellipsis")


def _columns(wide: bool) -> tuple[Column[ResultRow], ...]:
    """The request table's columns; from 120 columns on, id, detail and tokens get more room."""
    return (
        Column("custom_id", "custom_id", 30 if wide else 16, lambda r, c: id_cell(r.custom_id, c.widths["custom_id"])),
        Column("result", "Result", 9, lambda r, c: result_badge(r.result_type, results_read=c.results_read)),
        Column("detail", "Error / stop", 21 if wide else 12, lambda r, c: detail_cell(r)),
        Column("tokens", "Tokens", 13 if wide else 9, lambda r, c: tokens_cell(r), right=True),
        Column("cost", "Cost", 9, lambda r, c: cost_cell(r), min_table=140, right=True),
        Column("preview", "Preview", 10, lambda r, c: preview_cell(r, c.widths["preview"]), flex=True),
    )


NARROW, WIDE = _columns(False), _columns(True)
WIDE_FROM = 120


class RequestTable(DataTable):
    """One window of a batch's rows, in the screen's order. `window_start` = index of the first row."""

    BINDINGS = [
        Binding("enter", "select_cursor", "Open", id="batch.open"),
        *jump_bindings("batch"),   # home/g, end/G: the first/last request of the batch, not of the window
        Binding("j", "cursor_down", "Down", show=False, id="batch.down"),
        Binding("k", "cursor_up", "Up", show=False, id="batch.up"),
    ]

    class NeedRows(Message):
        """Load a page `after` the last row, `before` the first, or the `first`/`last` window."""

        def __init__(self, table: RequestTable, where: str, anchor: str | None) -> None:
            super().__init__()
            self.where = where
            self.anchor = anchor
            self.generation = table.generation

    def __init__(self, **kwargs) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, cell_padding=CELL_PADDING, **kwargs)
        self.window: list[ResultRow] = []
        self.window_start = 0
        self.at_start = True
        self.at_end = True
        self.generation = 0
        self._asked: str | None = None            # a NeedRows is on its way
        self._rebuilding = False
        self._signature: list[tuple[str, int]] = []
        self._cols: list[Column[ResultRow]] = []   # the columns shown
        self._ctx = CellContext()

    # -- layout --------------------------------------------------------------------------------

    def layout_for(self, width: int) -> None:
        chosen = choose_columns(width, WIDE if width >= WIDE_FROM else NARROW)
        signature = [(c.key, w) for c, w in chosen]
        if signature == self._signature:
            return
        self._signature = signature
        self._cols = [c for c, _ in chosen]
        self._ctx = CellContext(widths=dict(signature), results_read=self._ctx.results_read)
        key, offset = self.cursor_key(), self._cursor_offset()
        self._rebuilding = True
        try:
            self.clear(columns=True)
            for col, w in chosen:
                self.add_column(col.header(), width=w, key=col.key)
        finally:
            self._rebuilding = False
        self._fill(key, offset)

    # -- the window ----------------------------------------------------------------------------

    def cursor_key(self) -> str | None:
        row = self.cursor_row
        return self.window[row].custom_id if 0 <= row < len(self.window) else None

    def current(self) -> ResultRow | None:
        row = self.cursor_row
        return self.window[row] if 0 <= row < len(self.window) else None

    def cursor_position(self) -> int | None:
        """0-based index of the cursor's row in the whole filtered list."""
        return self.window_start + self.cursor_row if self.window else None

    def visible_span(self) -> tuple[int, int]:
        """(first, last) 1-based positions of the rows on screen; (0, 0) when empty."""
        if not self.window:
            return 0, 0
        top = int(self.scroll_y)
        height = max(1, self.scrollable_content_region.height - (self.header_height if self.show_header else 0))
        first = min(top, len(self.window) - 1)
        last = min(len(self.window), top + height)
        return self.window_start + first + 1, self.window_start + last

    def show_window(self, rows: list[ResultRow], start: int, *, at_start: bool, at_end: bool,
                    select: str | None = None, select_last: bool = False) -> None:
        """Replace the window (new filter, search, jump): a new generation, stale loads are ignored."""
        self.generation += 1
        had_rows = bool(self.window)
        self.window = list(rows)
        self.window_start = start
        self.at_start, self.at_end = at_start, at_end
        self._asked = None
        key = select if select is not None else (rows[-1].custom_id if select_last and rows else None)
        self._fill(key, None)
        if had_rows != bool(rows):
            self.refresh_bindings()  # "Open" only when there is a row (each refresh rebuilds the footer)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "select_cursor":
            return bool(self.window)
        return True

    def extend_window(self, message: NeedRows, rows: list[ResultRow], *, reached_edge: bool) -> None:
        """Add a page at the edge that asked for it and drop a page at the other edge."""
        if message.generation != self.generation:
            return
        self._asked = None
        if not rows and not reached_edge:  # the read failed: nothing to add, ask again on the next move
            return
        key, offset = self.cursor_key(), self._cursor_offset()
        if message.where == "after":
            self.at_end = reached_edge
            window = self.window + rows
            drop = max(0, len(window) - WINDOW)
            self.window = window[drop:]
            self.window_start += drop
            self.at_start = self.at_start and drop == 0
        else:
            self.at_start = reached_edge
            window = rows + self.window
            self.window_start -= len(rows)
            self.window = window[:WINDOW]
            self.at_end = self.at_end and len(window) <= WINDOW
        self._fill(key, offset)

    def show_results_read(self, read: bool) -> None:
        """Whether the batch's results were read to their end: rows without a result then say `missing`."""
        if read == self._ctx.results_read:
            return
        self._ctx = dataclasses.replace(self._ctx, results_read=read)
        for row in self.window:
            if row.result_type is None and "result" in self.columns:
                self.update_cell(row.custom_id, "result", result_badge(None, results_read=read))

    def replace_rows(self, rows: Iterable[ResultRow]) -> None:
        """Fresh data for the rows already shown (same keys), updated cell by cell."""
        fresh = {r.custom_id: r for r in rows}
        for index, old in enumerate(self.window):
            new = fresh.get(old.custom_id)
            if new is None or new == old:
                continue
            self.window[index] = new
            for col in self._cols:
                self.update_cell(old.custom_id, col.key, col.render(new, self._ctx))

    def _cursor_offset(self) -> int | None:
        if not self.window:
            return None
        return self.cursor_row - int(self.scroll_y)

    def _fill(self, select: str | None, offset: int | None) -> None:
        """Put the window into the DataTable, the cursor on `select` at `offset` lines from the top."""
        self._rebuilding = True
        try:
            self.clear()
            cols, ctx = self._cols, self._ctx
            for row in self.window:
                self.add_row(*(col.render(row, ctx) for col in cols), key=row.custom_id)
            # Sizing is cheap here (see _update_dimensions): do it now rather than on idle, so the scroll
            # lands before the next frame and the rows are drawn once, in their place.
            self._new_rows.clear()
            self._require_update_dimensions = False
            self._update_dimensions(())
            index = 0
            if select is not None:
                index = next((i for i, r in enumerate(self.window) if r.custom_id == select), 0)
            self.move_cursor(row=index, scroll=offset is None)
            if offset is not None:
                self.scroll_to(y=max(0, index - offset), animate=False, immediate=True)
        finally:
            self._rebuilding = False

    def _update_dimensions(self, new_rows: Iterable[RowKey]) -> None:
        """Every column has a fixed width and every row is one line, so there is nothing to measure.
        DataTable's own version measures each cell of each new row (~0.6 ms a row: sliding the window
        cost ~175 ms); this keeps only the virtual size. Textual is pinned exactly: re-check on upgrade."""
        header = self.header_height if self.show_header else 0
        width = sum(column.get_render_width(self) for column in self.columns.values())
        self.virtual_size = Size(width + self._row_label_column_width, self._total_row_height + header)

    # -- asking for more -----------------------------------------------------------------------

    def watch_cursor_coordinate(self, old, new) -> None:
        super().watch_cursor_coordinate(old, new)
        if self._rebuilding or not self.window or self._asked:
            return
        if new.row >= len(self.window) - PAGE // 2 and not self.at_end:
            self._ask("after", self.window[-1].custom_id)
        elif new.row < PAGE // 2 and not self.at_start:
            self._ask("before", self.window[0].custom_id)

    def _ask(self, where: str, anchor: str | None) -> None:
        self._asked = where
        self.post_message(self.NeedRows(self, where, anchor))

    def action_first(self) -> None:
        if self.at_start:
            self.move_cursor(row=0)
        else:
            self._ask("first", None)

    def action_last(self) -> None:
        if self.at_end:
            self.move_cursor(row=max(0, len(self.window) - 1))
        else:
            self._ask("last", None)

    def action_scroll_top(self) -> None:
        self.action_first()

    def action_scroll_bottom(self) -> None:
        self.action_last()
