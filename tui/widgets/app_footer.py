"""The footer every screen uses: Textual's Footer, tightened on narrow terminals.

At 80 columns the plain footer cuts off the last keys (help and quit among them). Below 120 columns this one
switches to the compact style and drops the `^p palette`, `s Sort` and `␣ Mark` hints (all still listed in
`?` and the palette), and at every width the way out (`?` help, `q` quit/back) comes first, so what falls
off a narrow right edge is never that.
"""

from __future__ import annotations

from collections.abc import Iterable

from textual import events
from textual.widget import Widget
from textual.widgets import Footer

WIDE = 120
FIRST = ("help", "quit_app", "back")
NARROW_HIDDEN = ("cycle_sort", "toggle_mark")   # below WIDE: listed in `?` and the palette, not in the footer


class AppFooter(Footer):
    def compose(self) -> Iterable[Widget]:
        keys = list(super().compose())
        if self.compact:
            shown = [w for w in keys if getattr(w, "action", None) not in NARROW_HIDDEN]
            self.styles.grid_size_columns -= len(keys) - len(shown)
            keys = shown
        first = [w for action in FIRST for w in keys if getattr(w, "action", None) == action]
        return first + [w for w in keys if w not in first]

    def on_mount(self) -> None:
        self._fit(self.app.size.width)

    def on_resize(self, event: events.Resize) -> None:
        self._fit(event.size.width)

    def _fit(self, width: int) -> None:
        narrow = width < WIDE
        if narrow != self.compact and self.is_mounted:
            self.call_after_refresh(self.recompose)
        self.compact = narrow
        self.show_command_palette = not narrow
