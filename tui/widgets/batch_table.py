"""The dashboard's table of batches: one row per batch keyed by `local_id`, updated in place.

Columns come from a list (`COLUMNS`) so other features can add theirs (`register_column`): each has a
priority, and the table shows the most important ones that fit the width (status, name, progress and
counts stay at 80 columns; age, expiry, cost and the rest appear as the terminal grows).
Rows are added or removed only when batches appear or vanish (or a filter hides them); every other
change is an `update_cell` of the cells whose text actually changed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from rich.text import Text
from textual.binding import Binding
from textual.widgets import DataTable

from tui import render
from tui.core.clock import format_ts
from tui.core.models import BatchRow


@dataclass(frozen=True, slots=True)
class CellContext:
    now: float
    marked: bool
    widths: dict[str, int]


@dataclass(frozen=True, slots=True)
class Column:
    key: str
    label: str
    width: int
    priority: int                       # 0 = always shown; higher = dropped first when narrow
    render: Callable[[BatchRow, CellContext], Text]
    ticks: bool = False                 # depends on the clock: refreshed every second
    flex: bool = False                  # takes the width left over (up to max_width)
    max_width: int = 0


def _mark(row: BatchRow, ctx: CellContext) -> Text:
    return Text("●", style="bold magenta") if ctx.marked else Text(" ")


def _created(row: BatchRow, ctx: CellContext) -> Text:
    ts = format_ts(row.created_at)
    return Text(ts[:19].replace("T", " ") if ts else "—", style="dim", no_wrap=True)


COLUMNS: list[Column] = [
    Column("mark", " ", 1, 0, _mark),
    Column("status", "Status", 11, 0, lambda r, c: render.status_badge(r, c.now), ticks=True),
    Column("name", "Name", 16, 0, lambda r, c: render.batch_name(r), flex=True, max_width=48),
    Column("progress", "Progress", 11, 0, lambda r, c: render.batch_progress(r, c.widths["progress"] - 5),
           flex=True, max_width=30),
    Column("errored", "Err", 5, 1, lambda r, c: render.count(r.counts.errored, "bold red")),
    Column("id", "ID", 8, 2, lambda r, c: render.short_id(r.id)),
    Column("done", "Done", 11, 3, lambda r, c: render.done_of_total(r)),
    Column("succeeded", "OK", 7, 4, lambda r, c: render.count(r.counts.succeeded, "green")),
    Column("canceled", "Canc", 5, 5, lambda r, c: render.count(r.counts.canceled, "magenta")),
    Column("expired", "Exp", 5, 5, lambda r, c: render.count(r.counts.expired, "yellow")),
    Column("age", "Age", 6, 6, lambda r, c: render.age(r, c.now), ticks=True),
    Column("expires", "Expires", 7, 6, lambda r, c: render.expiry(r, c.now), ticks=True),
    Column("cost", "Cost", 8, 7, lambda r, c: render.cost(r.cost_usd)),
    Column("created", "Created (UTC)", 19, 9, _created),
]


def register_column(column: Column, *, before: str | None = None) -> None:
    """Add a column (e.g. a sparkline) to every batch table; `before` names the column it precedes."""
    keys = [c.key for c in COLUMNS]
    if column.key in keys:
        COLUMNS[keys.index(column.key)] = column
        return
    COLUMNS.insert(keys.index(before) if before in keys else len(COLUMNS), column)


CELL_PADDING = 1


def choose_columns(width: int, columns: Iterable[Column] | None = None) -> list[tuple[Column, int]]:
    """The columns that fit `width`, in display order, with the width each gets."""
    cols = list(COLUMNS if columns is None else columns)
    budget = width - 2  # the vertical scrollbar
    chosen: set[str] = set()
    used = 0
    for col in sorted(cols, key=lambda c: c.priority):
        need = col.width + 2 * CELL_PADDING
        if col.priority == 0 or used + need <= budget:
            chosen.add(col.key)
            used += need
    spare = max(0, budget - used)
    widths = {}
    for col in cols:                      # the spare width goes to the flexible columns, in order
        if col.key in chosen:
            widths[col.key] = col.width
            if col.flex and spare:
                extra = min(spare, max(0, (col.max_width or col.width + spare) - col.width))
                widths[col.key] += extra
                spare -= extra
    return [(col, widths[col.key]) for col in cols if col.key in chosen]


class BatchTable(DataTable):
    """A DataTable of BatchRows. The owner screen decides which rows are shown and in what order."""

    BINDINGS = [
        Binding("enter", "select_cursor", "Open", id="batches.open"),
        Binding("j", "cursor_down", "", show=False, id="batches.down"),
        Binding("k", "cursor_up", "", show=False, id="batches.up"),
    ]

    def __init__(self, **kwargs) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, cell_padding=CELL_PADDING, **kwargs)
        self.columns_shown: list[Column] = []
        self._rows: dict[int, BatchRow] = {}
        self._cells: dict[int, dict[str, Text]] = {}   # what each visible cell holds now
        self._signature: list[tuple[str, int]] = []
        self._now = 0.0
        self._marked: set[int] = set()
        self._widths: dict[str, int] = {}
        self._untouched = True   # no key or click yet: the cursor stays on the top row as rows arrive

    def on_key(self) -> None:
        self._untouched = False

    def on_click(self) -> None:
        self._untouched = False

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "select_cursor":
            return self.row_count > 0     # no "Open" in the footer of an empty table
        return True

    # -- columns -------------------------------------------------------------------------------

    def layout_for(self, width: int) -> bool:
        """Pick columns for this width; rebuild only if the set or widths changed. True if rebuilt."""
        chosen = choose_columns(width)
        signature = [(c.key, w) for c, w in chosen]
        if signature == self._signature:
            return False
        cursor_key = self.cursor_key()
        rows = list(self._rows.values())
        self.clear(columns=True)
        self._rows.clear()
        self._cells.clear()
        self._signature = signature
        self._widths = dict(signature)
        self.columns_shown = [c for c, _ in chosen]
        for col, w in chosen:
            self.add_column(Text(col.label, style="bold", justify="right" if col.key in _RIGHT else "left"),
                            width=w, key=col.key)
        for row in rows:
            self.put(row, self._now, row.local_id in self._marked)
        if cursor_key is not None:
            self._keep_cursor(cursor_key)
        return True

    # -- rows ----------------------------------------------------------------------------------

    def cursor_key(self) -> int | None:
        if not self.row_count:
            return None
        try:
            key = self.coordinate_to_cell_key(self.cursor_coordinate).row_key
        except Exception:  # the cursor is past the last row while rows change
            return None
        return int(key.value) if key.value is not None else None

    def _keep_cursor(self, local_id: int) -> None:
        """After rows moved: the cursor back on its batch, or on the top row while nobody has used it (rows
        that arrive one by one, newest first, would otherwise carry it down to the oldest)."""
        if self._untouched:
            self.move_cursor(row=0, animate=False)
        else:
            self.move_to(local_id)

    def move_to(self, local_id: int) -> None:
        self._untouched = False
        if str(local_id) in self.rows:
            self.move_cursor(row=self.get_row_index(str(local_id)), animate=False)

    def shown_ids(self) -> list[int]:
        return list(self._rows)

    def row_data(self, local_id: int) -> BatchRow | None:
        return self._rows.get(local_id)

    def put(self, row: BatchRow, now: float, marked: bool, *, only_ticking: bool = False) -> None:
        """Add the row, or update only the cells whose content changed."""
        self._now = now
        (self._marked.add if marked else self._marked.discard)(row.local_id)
        ctx = CellContext(now, marked, self._widths)
        key = str(row.local_id)
        old = self._cells.get(row.local_id)
        if old is None:
            cells = {col.key: col.render(row, ctx) for col in self.columns_shown}
            self.add_row(*cells.values(), key=key)
            self._cells[row.local_id] = cells
        else:
            for col in self.columns_shown:
                if only_ticking and not col.ticks:
                    continue
                cell = col.render(row, ctx)
                if not _same(old.get(col.key), cell):
                    self.update_cell(key, col.key, cell)
                    old[col.key] = cell
        self._rows[row.local_id] = row

    def drop(self, local_id: int) -> None:
        if local_id in self._rows:
            self.remove_row(str(local_id))
            del self._rows[local_id]
            self._cells.pop(local_id, None)
            self._marked.discard(local_id)

    def tick(self, now: float, marks: set[int]) -> None:
        """Re-render the clock-dependent cells (age, countdowns, spinners)."""
        for local_id, row in self._rows.items():
            self.put(row, now, local_id in marks, only_ticking=True)

    def order(self, local_ids: list[int]) -> None:
        """Show the rows in this order, keeping the cursor on the same batch."""
        current = list(self._rows)
        if current == local_ids:
            return
        cursor_key = self.cursor_key()
        rank = {lid: i for i, lid in enumerate(local_ids)}
        by_cell = {id(cells["mark"]): rank.get(lid, len(rank)) for lid, cells in self._cells.items()}
        self.sort("mark", key=lambda cell: by_cell.get(id(cell), len(rank)))
        self._rows = {lid: self._rows[lid] for lid in sorted(self._rows, key=lambda x: rank.get(x, len(rank)))}
        if cursor_key is not None:
            self._keep_cursor(cursor_key)


_RIGHT = {"errored", "done", "succeeded", "canceled", "expired", "age", "expires", "cost"}


def _same(a: Text | None, b: Text) -> bool:
    return a is not None and a.plain == b.plain and a.style == b.style and a.spans == b.spans
