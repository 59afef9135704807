"""The dashboard's table of batches: one row per batch keyed by `local_id`, updated in place.

The table is given its columns (`BatchTable(columns=BATCH_COLUMNS)`, `tui.widgets.batch_columns`) and shows
the most important ones that fit the width (`tui.widgets.columns.choose_columns`), each as wide as its widest
content over the rows (names, counts: the columns' `measure`). Rows are added or removed only when batches
appear or vanish (or a filter hides them); every other change is an `update_cell` of the cells whose text
actually changed, and the columns are laid out again only when the widest content of one changes. Cells
read the time, the marks and the dashboard's cost/time overview from one `CellContext`.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.binding import Binding
from textual.widgets import DataTable
from textual.widgets.data_table import ColumnKey

from tui.core.models import BatchRow
from tui.core.timing.overview import Overview
from tui.widgets.table_keys import JumpKeys, jump_bindings
from tui.widgets.columns import CELL_PADDING, CellContext, Column, choose_columns, same_cell


class BatchTable(JumpKeys):
    """A DataTable of BatchRows. The owner screen decides which rows are shown and in what order."""

    BINDINGS = [
        Binding("enter", "select_cursor", "Open", id="batches.open"),
        Binding("j", "cursor_down", "", show=False, id="batches.down"),
        Binding("k", "cursor_up", "", show=False, id="batches.up"),
        *jump_bindings("batches"),
    ]

    def __init__(self, columns: Sequence[Column[BatchRow]], **kwargs) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, cell_padding=CELL_PADDING, **kwargs)
        self.all_columns = tuple(columns)
        self.columns_shown: list[Column[BatchRow]] = []
        self.overview = Overview()      # the dashboard's cost/time facts, set by its screen
        self._rows: dict[int, BatchRow] = {}
        self._cells: dict[int, dict[str, Text]] = {}   # what each visible cell holds now
        self._signature: list[tuple[str, int]] = []
        self._now = 0.0
        self._marked: set[int] = set()
        self._widths: dict[str, int] = {}
        self._width = 0                                  # the width laid out for
        self._row_needs: dict[int, dict[str, int]] = {}  # what each row's measured cells need
        self._measured: dict[int, BatchRow] = {}         # the row as it was measured
        self._needs: dict[str, int] = {}                 # the widest of each over the rows
        self._refit_due = False
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
        self._width = width
        chosen = choose_columns(width, self.all_columns, self._needs)
        signature = [(c.key, w) for c, w in chosen]
        if signature == self._signature:
            return False
        if [k for k, _ in signature] == [k for k, _ in self._signature]:
            self._resize(signature)
            return True
        cursor_key = self.cursor_key()
        rows = list(self._rows.values())
        self.clear(columns=True)
        self._rows.clear()
        self._cells.clear()
        self._signature = signature
        self._widths = dict(signature)
        self.columns_shown = [c for c, _ in chosen]
        for col, w in chosen:
            self.add_column(col.header(), width=w, key=col.key)
        for row in rows:
            self.put(row, self._now, row.local_id in self._marked)
        if cursor_key is not None:
            self._keep_cursor(cursor_key)
        return True

    def _resize(self, signature: list[tuple[str, int]]) -> None:
        """The same columns at other widths (a wider name came, the terminal was resized): changed in place, so
        a dashboard of 20,000 batches is not rebuilt row by row; cells drawn for their width (the progress bar)
        are drawn again."""
        old = dict(self._signature)
        self._signature = signature
        self._widths = dict(signature)
        changed = [col for col in self.columns_shown if old.get(col.key) != self._widths[col.key]]
        for col in changed:
            self.columns[ColumnKey(col.key)].width = self._widths[col.key]
        # The DataTable keeps rows rendered at the old widths and its own total width (private, Textual is
        # pinned exactly): both are made again.
        self._clear_caches()
        self._require_update_dimensions = True
        for local_id, row in self._rows.items():
            ctx = CellContext(self._now, local_id in self._marked, self._widths, self.overview)
            cells = self._cells[local_id]
            for col in changed:
                cell = col.render(row, ctx)
                if not same_cell(cells.get(col.key), cell):
                    self.update_cell(str(local_id), col.key, cell)
                    cells[col.key] = cell
        self.refresh()

    def _measure(self, row: BatchRow) -> None:
        """Note what this row's cells need; lay the columns out again (once, after this round of updates) when
        the widest content of a column changes."""
        self._measured[row.local_id] = row
        needs = {col.key: col.measure(row) for col in self.all_columns if col.measure is not None}
        before = self._row_needs.get(row.local_id)
        if needs == before:
            return
        self._row_needs[row.local_id] = needs
        if any(n > self._needs.get(k, 0) for k, n in needs.items()) or (
                before and any(n == self._needs.get(k) and needs.get(k, 0) < n for k, n in before.items())):
            self._refit_soon()

    def _refit_soon(self) -> None:
        if not self._refit_due:
            self._refit_due = True
            self.call_later(self._refit)

    def _refit(self) -> None:
        self._refit_due = False
        needs: dict[str, int] = {}
        for row_needs in self._row_needs.values():
            for key, n in row_needs.items():
                if n > needs.get(key, 0):
                    needs[key] = n
        if needs != self._needs:
            self._needs = needs
            if self._width:
                self.layout_for(self._width)

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
        ctx = CellContext(now, marked, self._widths, self.overview)
        key = str(row.local_id)
        old = self._cells.get(row.local_id)
        measured = self._measured.get(row.local_id)
        if not only_ticking and measured is not row and measured != row:
            self._measure(row)
        if old is None:
            cells = {col.key: col.render(row, ctx) for col in self.columns_shown}
            self.add_row(*cells.values(), key=key)
            self._cells[row.local_id] = cells
        else:
            for col in self.columns_shown:
                if only_ticking and not col.ticks:
                    continue
                cell = col.render(row, ctx)
                if not same_cell(old.get(col.key), cell):
                    self.update_cell(key, col.key, cell)
                    old[col.key] = cell
        self._rows[row.local_id] = row

    def drop(self, local_id: int) -> None:
        if local_id in self._rows:
            self.remove_row(str(local_id))
            del self._rows[local_id]
            self._cells.pop(local_id, None)
            self._marked.discard(local_id)
            self._measured.pop(local_id, None)
            gone = self._row_needs.pop(local_id, {})
            if any(n == self._needs.get(k) for k, n in gone.items()):   # it was the widest: maybe narrower now
                self._refit_soon()

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

