"""The one column system of the app's tables (the dashboard's batches, a batch's requests).

A table is given its columns (`BatchTable(columns=…)`): each says its header, its width, its priority and
how to draw a cell from a row and a `CellContext` (the time, the marks, the widths chosen, the dashboard's
cost/time overview). A column whose content varies in width says how wide a row's cell needs to be
(`measure`); the table hands `choose_columns` the widest need of each column over its rows.

`choose_columns` shares the terminal's width: priority 0 always, the others most important first while they
fit, each at the width its content needs (never less than its own `width`); a flexible column (a name, a
preview) counts at its content up to `reserve` while the others are chosen, and may claim the rest of its
content at its `grow_priority` (before less important columns); then the width left over goes to the
flexible columns: first up to what their content needs, then to those with a `max_width` (a progress
bar) up to it, and the rest to the first one without (the name, the preview: they take the rest).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from rich.text import Text

from tui.core.timing.overview import Overview

CELL_PADDING = 1
SCROLLBAR = 2

RowT = TypeVar("RowT")


@dataclass(frozen=True, slots=True)
class CellContext:
    """What a cell may depend on besides its row."""

    now: float = 0.0
    marked: bool = False
    widths: Mapping[str, int] = field(default_factory=dict)
    overview: Overview = field(default_factory=Overview)
    results_read: bool = False          # a batch's results were read to their end: a request without one is missing


@dataclass(frozen=True, slots=True)
class Column(Generic[RowT]):
    key: str
    label: str
    width: int                          # the least it is shown at (and its width when nothing is measured)
    render: Callable[[RowT, CellContext], Text]
    priority: int = 0                   # 0 = always shown; higher = dropped first when narrow
    ticks: bool = False                 # depends on the clock: redrawn every second
    flex: bool = False                  # takes width left over (up to max_width; 0 = all the rest)
    max_width: int = 0
    min_table: int = 0                  # shown only when the table is at least this wide
    right: bool = False                 # numbers: header and cells right-aligned
    measure: Callable[[RowT], int] | None = None   # the cells a row's content needs, stable while the row is
    reserve: int = 0                    # flex: its content up to this many cells is kept before optional columns
    grow_priority: int | None = None    # flex: the rest of its content comes before optional columns of a
                                        # higher priority than this

    def header(self) -> Text:
        return Text(self.label, style="bold", justify="right" if self.right else "left")


def choose_columns(width: int, columns: Iterable[Column[RowT]],
                   needs: Mapping[str, int] | None = None) -> list[tuple[Column[RowT], int]]:
    """The columns that fit `width`, in display order, with the width each gets. `needs`: the widest content
    of each measured column over the rows shown (a column never gets less than its own `width`)."""
    needs = needs or {}
    cols = [c for c in columns if width >= c.min_table]
    want = {c.key: max(c.width, len(c.label), needs.get(c.key, 0)) for c in cols}
    base = {c.key: max(c.width, min(want[c.key], c.reserve)) if c.flex else want[c.key] for c in cols}
    budget = width - SCROLLBAR
    chosen: set[str] = set()
    widths: dict[str, int] = {}
    used = 0
    steps = [(c.priority, 0, c) for c in cols]
    steps += [(c.grow_priority, 1, c) for c in cols if c.flex and c.grow_priority is not None]
    for priority, grow, col in sorted(steps, key=lambda s: (s[0], s[1])):
        if grow:                          # a flexible column's content beyond its reserve, as much as fits
            if col.key in chosen:
                extra = max(0, min(want[col.key] - widths[col.key], budget - used))
                widths[col.key] += extra
                used += extra
            continue
        need = base[col.key] + 2 * CELL_PADDING
        if priority == 0 or used + need <= budget:
            chosen.add(col.key)
            widths[col.key] = base[col.key]
            used += need
    shown = [c for c in cols if c.key in chosen]
    spare = max(0, budget - used)
    flexible = [c for c in shown if c.flex]
    for col in flexible:                  # 1. flexible columns up to what their content needs
        extra = min(spare, want[col.key] - widths[col.key])
        widths[col.key] += extra
        spare -= extra
    for col in flexible:                  # 2. those with a limit (a bar) up to it
        if col.max_width:
            extra = min(spare, max(0, col.max_width - widths[col.key]))
            widths[col.key] += extra
            spare -= extra
    rest = next((c for c in flexible if not c.max_width), None)
    if rest is not None:                  # 3. the rest to the name / the preview
        widths[rest.key] += spare
    return [(col, widths[col.key]) for col in shown]


def same_cell(a: Text | None, b: Text) -> bool:
    """True when redrawing `a` as `b` would change nothing on screen."""
    return a is not None and a.plain == b.plain and a.style == b.style and a.spans == b.spans
