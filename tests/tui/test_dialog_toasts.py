"""Notifications wait while a dialog is up (at 80x24 they covered its buttons) and show again when it closes."""

from __future__ import annotations

from drilldown_app import settle
from drilldown_journal import new_journal

from tui.app import make_app
from tui.screens.confirm import ConfirmScreen


def _visible_toasts(screen) -> list:
    return [t for t in screen.query("Toast") if t.visible]


async def test_toasts_are_hidden_over_a_dialog_and_back_after_it(journal_path, emulator):
    await new_journal(journal_path)
    app = make_app(journal_path=journal_path, api_key="test-key", base_url=emulator.base_url, poll=False)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await app.ready.wait()
        await settle(app, pilot)
        dashboard = app.screen
        await app.push_screen(ConfirmScreen("Cancel 1 batch?", ["a line"]))
        app.notify("Batch ended", timeout=30)
        await settle(app, pilot)
        assert isinstance(app.screen, ConfirmScreen) and app.screen.query("Toast") and not _visible_toasts(app.screen)
        await pilot.press("escape")
        await settle(app, pilot)
        assert app.screen is dashboard and _visible_toasts(dashboard)
