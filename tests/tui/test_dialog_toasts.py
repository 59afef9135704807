"""Notifications wait while a dialog is up (at 80x24 they covered its buttons) and show again when it closes."""

from __future__ import annotations

from drilldown_journal import new_journal

from tests.tui.harness import running_app, settle
from tui.screens.confirm import ConfirmScreen


def _visible_toasts(screen) -> list:
    return [t for t in screen.query("Toast") if t.visible]


async def test_toasts_are_hidden_over_a_dialog_and_back_after_it(journal_path, emulator):
    await new_journal(journal_path)
    async with running_app(journal_path, emulator, size=(80, 24), notifications=True) as (app, pilot):
        dashboard = app.screen
        await app.push_screen(ConfirmScreen("Cancel 1 batch?", ["a line"]))
        app.notify("Batch ended", timeout=30)
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen) and app.screen.query("Toast") and not _visible_toasts(app.screen)
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is dashboard and _visible_toasts(dashboard)
