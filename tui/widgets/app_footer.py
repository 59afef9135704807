"""The footer every screen uses: Textual's Footer, fitted to narrow terminals.

At 80 columns the plain footer cuts off the last keys (help and quit among them). Below 120 columns this one
switches to the compact style and drops the `^p palette` hint (`ctrl+p` is still listed in `?`); when the
keys that apply still do not fit, it closes the gap between each key and its word (`DDelete`: the key keeps
its own colour), and only if even that is too wide does it leave out the `s Sort`, `␣ Mark` and `L Rename`
hints (all in `?` and the palette). At every width the way out (`?` help, `q` quit/back) comes first, so
what a narrow right edge could cut is never that.

Textual rebuilds the whole footer (every key widget removed, mounted and styled again: ~25-50 ms) each time a
screen says its keys may have changed, which it says twice for every change of focus (a search's enter, a
dialog closing). This footer rebuilds only when what it would show did change: the keys that apply (each key,
action, word, whether enabled, tooltip), the compact style and the width; requests made before one is done
count once.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from textual import events
from textual.widget import Widget
from textual.widgets import Footer

WIDE = 120
FIRST = ("help", "quit_app", "back")
LAST_RESORT = ("cycle_sort", "toggle_mark", "rename_batch")   # left out only when the keys do not fit even tight


def _width(keys: list[Any], *, tight: bool) -> int:
    """Cells the compact footer needs for these keys (each: key, a space unless tight, word, a margin)."""
    return sum(len(k.key_display) + (0 if tight or not k.description else 1) + len(k.description) + 1
               for k in keys if hasattr(k, "key_display"))   # FooterKeys (Textual keeps the class private)


class AppFooter(Footer):
    DEFAULT_CSS = """
    AppFooter.-tight FooterKey .footer-key--description {
        padding: 0;
    }
    """

    _shown: tuple[Any, ...] | None = None      # what the last build showed (see `_showing`)
    _rebuild_pending = False

    def _showing(self) -> tuple[Any, ...]:
        keys = tuple((binding.key, binding.action, binding.description, enabled, tooltip)
                     for _, binding, enabled, tooltip in self.screen.active_bindings.values())
        return keys, self.compact, self.app.size.width

    def bindings_changed(self, screen: Any) -> None:
        self._bindings_ready = True
        if not screen.app.app_focus or not self.is_attached or screen is not self.screen:
            return
        if not self._rebuild_pending:
            self._rebuild_pending = True
            self.call_after_refresh(self._rebuild_if_changed)

    async def _rebuild_if_changed(self) -> None:
        self._rebuild_pending = False
        if self.is_attached and self._showing() != self._shown:
            await self.recompose()

    def compose(self) -> Iterable[Widget]:
        if self._bindings_ready:
            self._shown = self._showing()
        keys = list(super().compose())
        tight = False
        if self.compact:
            width = self.app.size.width
            tight = _width(keys, tight=False) > width
            if tight and _width(keys, tight=True) > width:
                shown = [w for w in keys if getattr(w, "action", None) not in LAST_RESORT]
                self.styles.grid_size_columns -= len(keys) - len(shown)
                keys = shown
        self.set_class(tight, "-tight")
        first = [w for action in FIRST for w in keys if getattr(w, "action", None) == action]
        return first + [w for w in keys if w not in first]

    def on_mount(self) -> None:
        self._fit(self.app.size.width)

    def on_resize(self, event: events.Resize) -> None:
        self._fit(event.size.width)

    def _fit(self, width: int) -> None:
        narrow = width < WIDE
        if (narrow or narrow != self.compact) and self.is_mounted:
            self.call_after_refresh(self.recompose)   # what fits depends on the width
        self.compact = narrow
        self.show_command_palette = not narrow
