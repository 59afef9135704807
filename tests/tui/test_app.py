"""App-wide behaviour: messages reach every screen, worker failures stay quiet, the poll loop is one worker."""

from __future__ import annotations

from tests.tui.harness import wait_until
from tui.app import make_app
from tui.core.models import SweepResult
from tui.messages import BatchesUpdated
from tui.screens.help import HelpScreen


async def _ready(app, pilot) -> None:
    await app.ready.wait()
    await wait_until(pilot, lambda: app.screen.loaded, "the dashboard's rows", timeout=5)


async def test_batches_updated_reaches_the_screen_under_a_modal(journal_path):
    app = make_app(journal_path=journal_path, api_key="k", base_url="http://127.0.0.1:9", poll=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await _ready(app, pilot)
        dash = app.screen
        seen = []
        dash.reload = lambda: seen.append("reload")
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        app.on_sweep(SweepResult())
        await pilot.pause()
        assert seen == ["reload"]
        assert isinstance(app.screen, HelpScreen)       # nothing pops up over the user


async def test_a_failing_worker_becomes_a_quiet_status_line(journal_path):
    app = make_app(journal_path=journal_path, api_key="k", base_url="http://127.0.0.1:9", poll=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await _ready(app, pilot)

        async def boom() -> None:
            raise RuntimeError("disk full [/end] \x1b[2J")

        app.run_worker(boom(), group="export", name="export", exit_on_error=False)
        await wait_until(pilot, lambda: app.status[1], "the error in the status line", timeout=5)
        text, error = app.status
        assert error and "export failed" in text and "[/end]" in text and "\x1b" not in text
        assert app.is_running and len(app.screen_stack) == 1


async def test_one_poll_worker_on_the_loop_restarted_by_R(journal_path, emulator):
    app = make_app(journal_path=journal_path, api_key="k", base_url=emulator.base_url, poll=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await _ready(app, pilot)
        polls = [w for w in app.workers if w.group == "poll"]
        assert len(polls) == 1 and not polls[0].is_finished
        pokes = []
        app.poller.poke = lambda: pokes.append(1)
        await pilot.press("R")
        assert pokes == [1]                               # a running loop is woken, not duplicated
        assert len([w for w in app.workers if w.group == "poll" and not w.is_finished]) == 1
        polls[0].cancel()
        await pilot.pause()
        await pilot.press("R")                            # a stopped loop is started again
        await pilot.pause()
        running = [w for w in app.workers if w.group == "poll" and not w.is_finished]
        assert len(running) == 1 and running[0] is not polls[0]


async def test_messages_module_carries_the_sweep():
    result = SweepResult(errors=["x"])
    assert BatchesUpdated(result).result is result
