"""What every screen of the app shares: `self.app` typed as the `BatchApp` it runs in (its journal, client,
clock, poll loop), so screens and their mixins use them without `getattr`."""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeVar, cast

from textual.screen import Screen

if TYPE_CHECKING:
    from tui.app import BatchApp

ResultT = TypeVar("ResultT")


class AppScreen(Screen[ResultT]):
    @property
    def app(self) -> BatchApp:
        return cast("BatchApp", super().app)
