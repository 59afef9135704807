"""`n` on the dashboard: a JSONL file checked in the dialog, confirmed, sent to the emulator through the real
SDK and recorded in a real journal; problems listed and nothing sent; the same file twice; escape."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Button, Input

from tests.builders import request, write_jsonl
from tests.tui.harness import press, record_notifications, running_app, settle, widget_text
from tui.core.journal.connection import Journal
from tui.screens.dashboard import DashboardScreen
from tui.screens.submit_dialog import SubmitDialog, complete_path


async def _journal_rows(journal_path, sql: str) -> list:
    journal = await Journal.open(journal_path)
    try:
        async with journal.db.execute(sql) as cur:
            return [tuple(r) for r in await cur.fetchall()]
    finally:
        await journal.close()


async def _open_and_check(app, pilot, path, *, per_batch: str = "", label: str = "") -> SubmitDialog:
    await press(pilot, "n")
    dialog = app.screen
    assert isinstance(dialog, SubmitDialog)
    dialog.query_one("#path", Input).value = str(path)
    dialog.query_one("#per_batch", Input).value = per_batch
    dialog.query_one("#label", Input).value = label
    dialog.query_one("#path", Input).focus()
    await press(pilot, "enter")
    return dialog


async def test_a_good_file_is_checked_confirmed_sent_and_runs_to_the_end(journal_path, emulator_factory, tmp_path):
    source = write_jsonl(tmp_path / "reqs.jsonl", [request(f"r-{i}") for i in range(5)])
    async with emulator_factory(request_ms=5.0) as emu:
        async with running_app(journal_path, emu, size=(80, 24)) as (app, pilot):
            dash = app.screen
            assert isinstance(dash, DashboardScreen) and dash.check_action("new_batch", ()) is True
            notes = record_notifications(app, show=False)
            dialog = await _open_and_check(app, pilot, source, per_batch="2", label="my run")
            text = widget_text(app)
            assert "5 requests in 3 batches" in text and "(lines 1-2)" in text
            assert "Estimated cost: $" in text and "at batch prices" in text
            assert "already submitted" not in text
            assert dialog.query_one("#send", Button).display and dialog.query_one("#send", Button).has_focus
            assert emu.batch_ids() == []                       # checking sends nothing
            await press(pilot, "y")
            assert app.screen is dash

            rows = await _journal_rows(journal_path, "SELECT id, label, intent_state FROM batches ORDER BY local_id")
            assert len(rows) == 3 and all(r[1] == "my run" and r[2] == "created" for r in rows)
            ids = [r[0] for r in rows]
            assert sorted(ids) == sorted(emu.batch_ids())
            assert {r.id for r in dash.all_rows.values()} == set(ids)   # on the dashboard at once
            [sent] = [n.message for n in notes if n.message.startswith("Submitted")]
            assert all(i in sent for i in ids)
            assert all(n.markup is False for n in notes)

            for batch_id in ids:
                await emu.wait_until_ended(batch_id)
            app.poll_now()
            await settle(pilot)
            assert all(r.processing_status == "ended" for r in dash.all_rows.values())
            requests = await _journal_rows(journal_path, "SELECT count(*) FROM requests")
            assert requests == [(5,)]


async def test_bad_lines_are_listed_with_line_numbers_and_nothing_is_sent(journal_path, emulator, tmp_path):
    bad = [request("ok-1"), b"{not json", {"custom_id": "x", "params": {"model": "claude-haiku-4-5", "messages": []}},
           request("ok-1")] + [b"[1]"] * 60
    source = write_jsonl(tmp_path / "bad.jsonl", bad)
    async with running_app(journal_path, emulator, size=(80, 24)) as (app, pilot):
        dialog = await _open_and_check(app, pilot, source)
        text = widget_text(app)
        assert f"{source}:2: not valid JSON" in text
        assert f"{source}:3: params.max_tokens is missing" in text and f"{source}:3: params.messages is empty" in text
        assert f"{source}:4: custom_id 'ok-1' is a duplicate (first on line 1)" in text
        assert "... and 14 more problems" in text and "64 problems: nothing can be sent until the file is fixed" in text
        assert not dialog.query_one("#send", Button).display and dialog.check_action("send", (False,)) is False
        await press(pilot, "tab", "tab", "tab", "y")   # the problem list takes focus; y does nothing
        assert app.screen is dialog
        await press(pilot, "escape")
        assert isinstance(app.screen, DashboardScreen)
    assert await _journal_rows(journal_path, "SELECT count(*) FROM jobs") == [(0,)]
    assert emulator.batch_ids() == []


async def test_the_same_file_twice_warns_and_needs_submit_again(journal_path, emulator):
    source = write_jsonl(Path.home() / "twice.jsonl", [request("t-1"), request("t-2")])   # HOME is a test folder
    async with running_app(journal_path, emulator) as (app, pilot):
        await _open_and_check(app, pilot, source)
        await press(pilot, "y")
        assert len(emulator.batch_ids()) == 1

        dialog = await _open_and_check(app, pilot, "~/twice.jsonl")   # `~` is expanded
        text = widget_text(app)
        assert "already submitted (job #1 twice.jsonl)" in text and "billed again" in text
        assert not dialog.query_one("#send", Button).display and dialog.query_one("#again", Button).display
        assert dialog.query_one("#close", Button).has_focus   # the safe choice has the focus
        await press(pilot, "y")                           # a plain yes is not enough
        assert app.screen is dialog and len(emulator.batch_ids()) == 1
        await press(pilot, "escape")                      # escape at the warning sends nothing
        assert isinstance(app.screen, DashboardScreen) and len(emulator.batch_ids()) == 1

        await _open_and_check(app, pilot, source)
        await press(pilot, "a")
        assert isinstance(app.screen, DashboardScreen) and len(emulator.batch_ids()) == 2
    jobs = await _journal_rows(journal_path, "SELECT name FROM jobs ORDER BY id")
    assert jobs == [("twice.jsonl",), ("twice.jsonl",)]


async def test_escape_cancels_and_an_edit_drops_the_checked_plan(journal_path, emulator, tmp_path):
    source = write_jsonl(tmp_path / "esc.jsonl", [request("e-1")])
    async with running_app(journal_path, emulator) as (app, pilot):
        await press(pilot, "n", "escape")
        assert isinstance(app.screen, DashboardScreen)
        dialog = await _open_and_check(app, pilot, source)
        assert dialog.plan is not None
        dialog.query_one("#label", Input).value = "changed"
        await settle(pilot)
        assert dialog.plan is None and not dialog.query_one("#send", Button).display
        await press(pilot, "escape")
        assert isinstance(app.screen, DashboardScreen)
    assert emulator.batch_ids() == []
    assert await _journal_rows(journal_path, "SELECT count(*) FROM jobs") == [(0,)]


async def test_a_refused_create_says_why(journal_path, emulator, tmp_path):
    source = write_jsonl(tmp_path / "refused.jsonl", [request("f-1")])
    async with running_app(journal_path, emulator) as (app, pilot):
        notes = record_notifications(app, show=False)
        await _open_and_check(app, pilot, source)
        emulator.fail_next(403)
        await press(pilot, "y")
        [note] = [n for n in notes if n.severity == "error"]
        assert note.message.startswith("batch 1 of") and "was not created: HTTP 403" in note.message
        assert note.markup is False
    assert await _journal_rows(journal_path, "SELECT intent_state FROM batches") == [("failed",)]


async def test_hostile_file_names_render_literally(journal_path, emulator, tmp_path):
    (tmp_path / "evil [").mkdir()
    evil = "evil [/end] [b]x \x1b]0;pwned\x07"                  # a folder "evil [", a file "end] [b]x …"
    bad = write_jsonl(tmp_path / f"{evil}.jsonl", [b"nope"])
    good = write_jsonl(tmp_path / f"{evil} ok.jsonl", [request("h-1")])
    async with running_app(journal_path, emulator) as (app, pilot):
        await _open_and_check(app, pilot, bad)
        text = widget_text(app)
        assert "evil [/end] [b]x ␛]0;pwned␇.jsonl:1: not valid JSON" in text
        assert "\x1b" not in app.export_screenshot() and "\x07" not in app.export_screenshot()
        await press(pilot, "escape")
        await _open_and_check(app, pilot, good)
        assert "evil [/end] [b]x ␛]0;pwned␇ ok.jsonl:" in widget_text(app)
        assert "\x1b" not in app.export_screenshot()


async def test_tab_completes_paths(journal_path, emulator, tmp_path):
    write_jsonl(tmp_path / "alpha.jsonl", [request("a")])
    (tmp_path / "alpine").mkdir()
    (tmp_path / "al\x1bevil").write_bytes(b"")
    base = str(tmp_path) + "/"
    assert complete_path(base + "al") == base + "alp"          # the common part; the hostile name is not offered
    assert complete_path(base + "alph") == base + "alpha.jsonl"
    assert complete_path(base + "alpi") == base + "alpine/"
    assert complete_path(base + "zz") is None
    async with running_app(journal_path, emulator) as (app, pilot):
        await press(pilot, "n")
        box = app.screen.query_one("#path", Input)
        box.value = base + "alph"
        box.cursor_position = len(box.value)
        await settle(pilot)
        await press(pilot, "tab")
        assert box.value == base + "alpha.jsonl" and box.has_focus
        await press(pilot, "tab")                          # nothing more to complete: the next field
        assert app.screen.query_one("#label", Input).has_focus


async def test_a_label_with_a_control_character_is_refused_before_the_check(journal_path, emulator, tmp_path):
    source = write_jsonl(tmp_path / "lbl.jsonl", [request("l-1")])
    async with running_app(journal_path, emulator) as (app, pilot):
        dialog = await _open_and_check(app, pilot, source, label="bad\x1b]0;x\x07name")
        assert dialog.plan is None and not dialog.query_one("#send", Button).display
        assert "label: the label holds an escape (ESC) (U+001B) at character 4" in widget_text(app)
    assert emulator.batch_ids() == []
