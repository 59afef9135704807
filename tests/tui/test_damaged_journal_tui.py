"""The TUI on a journal it cannot use: the dashboard and the status line say what is wrong with which file and
what to do, nothing polls, `n` and `R` are not offered, and `q` quits as ever."""

from __future__ import annotations

import asyncio

import pytest

from tests.reliability.test_damaged_journal import make_damaged
from tests.tui.harness import wait_until
from tui.app import make_app
from tui.screens.dashboard import DashboardScreen
from tui.screens.submit_dialog import SubmitDialog


@pytest.mark.parametrize("kind", ["text", "truncated", "batches page", "folder"])
async def test_the_dashboard_says_what_is_wrong_stops_and_quits(kind, tmp_path):
    path = await asyncio.to_thread(make_damaged, kind, tmp_path / "j")   # it runs its own event loop
    app = make_app(journal_path=path, api_key="k", base_url="http://127.0.0.1:9")
    async with app.run_test(size=(110, 30)) as pilot:
        await wait_until(pilot, lambda: app.journal_problem is not None, "the journal's problem", timeout=10,
                         step=0.025)
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, DashboardScreen)
        empty = str(screen.query_one("#empty").render())
        assert "The journal cannot be used" in empty and str(path) in empty and "Opening" not in empty
        assert ("doctor" in empty) or kind == "folder"
        text, error = app.status
        assert error and text.startswith(("start-up failed: ", "journal unusable: ")) and str(path) in text
        # nothing polls, nothing can be submitted
        assert app._poll_worker is None or app._poll_worker.is_finished or app._poll_worker.is_cancelled
        assert screen.check_action("new_batch", ()) is False and screen.check_action("poll_now", ()) is False
        await pilot.press("n")
        await pilot.pause()
        assert not isinstance(app.screen, SubmitDialog)
        app.poll_now()   # a caller that asks anyway hears why
        await pilot.press("q")
        await pilot.pause()
    assert app.return_code in (None, 0)
