"""`n` with a file that misbehaves: a FIFO is refused at the check (the dialog and the app stay responsive and
can quit), and a file changed between the check and `y` is "changed; check it again", with nothing sent."""

from __future__ import annotations

import contextlib
import os

from textual.widgets import Input

from test_submit_dialog import _journal_rows, _open_and_check

from tests.builders import line, request, write_jsonl
from tests.tui.harness import press, record_notifications, running_app, wait_until, widget_text
from tui.screens.dashboard import DashboardScreen
from tui.screens.submit_dialog import SubmitDialog


async def test_a_fifo_is_refused_at_the_check_and_the_app_can_quit(journal_path, emulator, tmp_path):
    fifo = tmp_path / "pipe.jsonl"
    os.mkfifo(fifo)
    try:
        async with running_app(journal_path, emulator) as (app, pilot):
            await press(pilot, "n")
            dialog = app.screen
            assert isinstance(dialog, SubmitDialog)
            dialog.query_one("#path", Input).value = str(fifo)
            await pilot.press("enter")
            await wait_until(pilot, lambda: "not a regular file" in widget_text(app), "the check to answer",
                             timeout=20)
            assert f"{fifo}: is a FIFO (named pipe), not a regular file" in widget_text(app)
            assert dialog.plan is None and dialog.check_action("send", (False,)) is False
            await press(pilot, "escape")
            assert isinstance(app.screen, DashboardScreen)
    finally:   # before the fix the check sat in open() waiting for a writer: give it one, so the test ends
        with contextlib.suppress(OSError):
            os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
    assert emulator.batch_ids() == []


async def test_a_file_changed_after_its_check_is_not_sent(journal_path, emulator, tmp_path):
    source = write_jsonl(tmp_path / "grows.jsonl", [request("g-1"), request("g-2")])
    async with running_app(journal_path, emulator) as (app, pilot):
        notes = record_notifications(app, show=False)
        await _open_and_check(app, pilot, source)
        assert "2 requests in 1 batch" in widget_text(app)
        with open(source, "ab") as f:                      # the file grows between the check and `y`
            f.write(b"".join(line(request(f"g-{i}")) + b"\n" for i in range(3, 6)))
        await press(pilot, "y")
        errors = [n.message for n in notes if n.severity == "error"]
        assert errors == [f"Not sent: {source}: the file changed since it was checked; check it again"], notes
        assert all(n.markup is False for n in notes)
    assert emulator.batch_ids() == []
    assert await _journal_rows(journal_path, "SELECT count(*) FROM batches") == [(0,)]
