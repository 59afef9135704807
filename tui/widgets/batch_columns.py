"""The dashboard's columns, in display order: what each shows and how important it is at a given width.

Status, name, progress and the marks always show; at 80 columns the activity sparkline, errors and the expiry
countdown fit too; id, counts, cost, saving, ETA, age and creation time appear as the terminal grows.
A new column is one `Column` here with a function of (row, CellContext) that returns a `Text`.
"""

from __future__ import annotations

from rich.text import Text

from tui import render
from tui.core.clock import format_ts
from tui.core.models import BatchRow
from tui.widgets import overview_cells as cells
from tui.widgets.columns import CellContext, Column


def _mark(row: BatchRow, ctx: CellContext) -> Text:
    return Text("●", style="bold magenta") if ctx.marked else Text(" ")


def _created(row: BatchRow, ctx: CellContext) -> Text:
    ts = format_ts(row.created_at)
    return Text(ts[:19].replace("T", " ") if ts else "—", style="dim", no_wrap=True)


BATCH_COLUMNS: tuple[Column[BatchRow], ...] = (
    Column("mark", " ", 1, _mark),
    Column("status", "Status", 11, lambda r, c: render.status_badge(r, c.now), ticks=True),
    Column("name", "Name", 16, lambda r, c: render.batch_name(r), flex=True, max_width=48),
    Column("progress", "Progress", 11, lambda r, c: render.batch_progress(r, c.widths["progress"] - 5),
           flex=True, max_width=30),
    Column("spark", "Activity", 8, lambda r, c: cells.spark_cell(c.overview, r), priority=1),
    Column("errored", "Err", 5, lambda r, c: render.count(r.counts.errored, "bold red"), priority=1, right=True),
    Column("id", "ID", 8, lambda r, c: render.short_id(r), priority=2),
    Column("done", "Done", 11, lambda r, c: render.done_of_total(r), priority=3, right=True),
    Column("succeeded", "OK", 7, lambda r, c: render.count(r.counts.succeeded, "green"), priority=4, right=True),
    Column("canceled", "Canc", 5, lambda r, c: render.count(r.counts.canceled, "magenta"), priority=5, right=True),
    Column("expired", "Exp", 5, lambda r, c: render.count(r.counts.expired, "yellow"), priority=5, right=True),
    Column("saved", "Saved", 8, lambda r, c: cells.saving_cell(c.overview.spend.get(r.local_id)), priority=5),
    Column("eta", "ETA", 9, lambda r, c: cells.eta_cell(c.overview.eta.get(r.local_id)), priority=5),
    Column("age", "Age", 6, lambda r, c: render.age(r, c.now), priority=6, ticks=True, right=True),
    Column("expires", "Expires", 7, lambda r, c: cells.countdown(r, c.now), priority=1, ticks=True, right=True),
    Column("cost", "Cost", 9, lambda r, c: cells.spend_cell(c.overview.spend.get(r.local_id)), priority=4,
           right=True),
    Column("created", "Created (UTC)", 19, _created, priority=9),
)
