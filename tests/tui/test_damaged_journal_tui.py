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


async def test_the_real_tui_on_a_terminal_says_it_and_quits_with_the_line_kept(tmp_path):
    """`claude-batch-tui` itself on a pseudo-terminal: the dashboard names the file, `q` quits, and the line is
    printed again once the screen is gone (exit 2), never a traceback."""
    import os
    import sys

    from tests.reliability.test_tui_submit_kill import Terminal

    path = await asyncio.to_thread(make_damaged, "text", tmp_path / "j")
    env = {**os.environ, "ANTHROPIC_API_KEY": "k", "ANTHROPIC_BASE_URL": "http://127.0.0.1:9"}
    term = Terminal([sys.executable, "-m", "tui", "--journal", str(path)], env, size=(160, 40))
    await term.wait_for(b"The journal cannot be used")
    term.type("q")
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 20
    while (done := os.waitpid(term.pid, os.WNOHANG))[0] == 0:
        assert loop.time() < deadline, "the app did not quit"
        await asyncio.sleep(0.05)
    term._read()   # what it wrote last, after the screen was restored
    loop.remove_reader(term.fd)
    os.close(term.fd)
    assert os.waitstatus_to_exitcode(done[1]) == 2
    tail = bytes(term.screen).split(b"\x1b[?1049l")[-1]   # after the alternate screen is left
    assert b"claude-batch-tui: " in tail and str(path).encode() in tail.replace(b"\r\n", b"")
    assert b"Traceback" not in term.screen
