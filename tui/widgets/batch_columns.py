"""The dashboard's columns, in display order: what each shows and how important it is at a given width.

Status, name, progress and the marks always show, the name whole up to 30 cells before any optional column
and the rest of a longer one before the id, activity and the other counts (it takes the width left over after
them); at 80 columns the errors and the expiry countdown fit too, and the done/total counts and the ETA when
names are short; from 120 the results' retention too; then cost, activity, id, the other counts, saving, age
and creation time as the terminal grows. Columns whose content varies in width (names, counts)
measure it, so "20,000/20,000" is never cut. A new column is one `Column` here with a function of (row,
CellContext) that returns a `Text`.
"""

from __future__ import annotations

from rich.cells import cell_len
from rich.text import Text

from tui import render
from tui.core import words
from tui.core.clock import format_ts
from tui.core.models import BatchRow
from tui.widgets import overview_cells as cells
from tui.widgets.columns import CellContext, Column

NAME_RESERVE = 30   # a name up to this long shows whole before any optional column is given room; the rest
                    # of a longer one comes after the cost and before the id


def _mark(row: BatchRow, ctx: CellContext) -> Text:
    return Text("●", style="bold magenta") if ctx.marked else Text(" ")


def _created(row: BatchRow, ctx: CellContext) -> Text:
    ts = format_ts(row.created_at)
    return Text(ts[:19].replace("T", " ") if ts else "—", style="dim", no_wrap=True)


def _digits(n: int) -> int:
    return len(f"{n:,}")


def _done_width(row: BatchRow) -> int:
    """"done/total" at its widest over the batch's life (done reaches total), or as it is when it is odd
    (`render.done_of_total`: flagged when the counts are wrong)."""
    width = max(2 * _digits(row.total) + 1, _digits(row.counts.done) + 1 + _digits(row.total))
    return width + (1 + cell_len(render.COUNTS_FLAG) if render.counts_trouble(row) else 0)


def _name_width(row: BatchRow) -> int:
    """`render.batch_name`: the name, after "↻ " for a retry."""
    return cell_len(words.batch_name(row)) + (2 if row.parent_id else 0)


BATCH_COLUMNS: tuple[Column[BatchRow], ...] = (
    Column("mark", " ", 1, _mark),
    Column("status", "Status", 8, lambda r, c: render.status_badge(r, c.now), ticks=True,
           measure=lambda r: cell_len(render.status_badge(r).plain)),
    Column("name", "Name", 16, lambda r, c: render.batch_name(r), flex=True, reserve=NAME_RESERVE,
           grow_priority=4, measure=_name_width),
    Column("progress", "Progress", 11, lambda r, c: render.batch_progress(r, c.widths["progress"] - 5),
           flex=True, max_width=30),
    Column("spark", "Activity", 8, lambda r, c: cells.spark_cell(c.overview, r), priority=5),
    Column("errored", "Err", 3, lambda r, c: render.count(r.counts.errored, "bold red"), priority=1, right=True,
           measure=lambda r: _digits(r.counts.errored)),
    Column("id", "ID", 8, lambda r, c: render.short_id(r), priority=6),
    Column("done", "Done", 4, lambda r, c: render.done_of_total(r), priority=2, right=True, measure=_done_width),
    Column("succeeded", "OK", 2, lambda r, c: render.count(r.counts.succeeded, "green"), priority=7, right=True,
           measure=lambda r: max(_digits(r.total), _digits(r.counts.succeeded))),
    Column("canceled", "Canc", 4, lambda r, c: render.count(r.counts.canceled, "magenta"), priority=9, right=True,
           measure=lambda r: _digits(r.counts.canceled)),
    Column("expired", "Exp", 3, lambda r, c: render.count(r.counts.expired, "yellow"), priority=9, right=True,
           measure=lambda r: _digits(r.counts.expired)),
    Column("saved", "Saved", 8, lambda r, c: cells.saving_cell(c.overview.spend.get(r.local_id)), priority=8,
           right=True),
    Column("eta", "ETA", 7, lambda r, c: cells.eta_cell(c.overview.eta.get(r.local_id)), priority=3, right=True),
    Column("age", "Age", 6, lambda r, c: render.age(r, c.now), priority=10, ticks=True, right=True),
    Column("expires", "Expires", 8, lambda r, c: cells.countdown(r, c.now), priority=1, ticks=True, right=True),
    Column("retention", "Retention", cells.RETENTION_CELL, lambda r, c: cells.retention_cell(r, c.now), priority=3,
           ticks=True),
    Column("cost", "Cost", 9, lambda r, c: cells.spend_cell(c.overview.spend.get(r.local_id)), priority=4,
           right=True),
    Column("created", "Created (UTC)", 19, _created, priority=11),
)
