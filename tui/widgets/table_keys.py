"""The keys that jump to the first and the last row, the same on every table: `home` / `g` and `end` / `G`.

A table lists `*jump_bindings("<screen>")` in its BINDINGS (ids `<screen>.first` / `<screen>.last`, so a
keymap rebinds them like any other key; the help and the palette list them) and has `action_first` /
`action_last`. A table that holds all its rows mixes in `JumpKeys` for those; one that pages (the request
table) has its own, which ask for the first or last window of the batch.
"""

from __future__ import annotations

from textual.binding import Binding
from textual.widgets import DataTable


def jump_bindings(screen_id: str) -> list[Binding]:
    return [
        Binding("home,g", "first", "First", tooltip="the first row", show=False, id=f"{screen_id}.first"),
        Binding("end,G", "last", "Last", tooltip="the last row", show=False, id=f"{screen_id}.last"),
    ]


class JumpKeys(DataTable):
    """`action_first` / `action_last` for a DataTable that holds every row it shows."""

    def action_first(self) -> None:
        if self.row_count:
            self.move_cursor(row=0, animate=False)

    def action_last(self) -> None:
        if self.row_count:
            self.move_cursor(row=self.row_count - 1, animate=False)
