"""The one column system of the app's tables (the dashboard's batches, a batch's requests).

A table is given its columns (`BatchTable(columns=…)`): each says its header, its width, its priority and
how to draw a cell from a row and a `CellContext` (the time, the marks, the widths chosen, the dashboard's
cost/time overview). `choose_columns` picks the ones that fit a width: priority 0 always, the others most
important first while they fit; the width left over goes to the flexible columns, in display order.
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
    width: int
    render: Callable[[RowT, CellContext], Text]
    priority: int = 0                   # 0 = always shown; higher = dropped first when narrow
    ticks: bool = False                 # depends on the clock: redrawn every second
    flex: bool = False                  # takes the width left over (up to max_width; 0 = no limit)
    max_width: int = 0
    min_table: int = 0                  # shown only when the table is at least this wide
    right: bool = False                 # numbers: header and cells right-aligned

    def header(self) -> Text:
        return Text(self.label, style="bold", justify="right" if self.right else "left")


def choose_columns(width: int, columns: Iterable[Column[RowT]]) -> list[tuple[Column[RowT], int]]:
    """The columns that fit `width`, in display order, with the width each gets."""
    cols = [c for c in columns if width >= c.min_table]
    budget = width - SCROLLBAR
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


def same_cell(a: Text | None, b: Text) -> bool:
    """True when redrawing `a` as `b` would change nothing on screen."""
    return a is not None and a.plain == b.plain and a.style == b.style and a.spans == b.spans
