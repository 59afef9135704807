"""Hostile text from outside, through the live app: labels, job and file names, a server's error message and
result texts carrying markup, ANSI/OSC escapes (title, clipboard, screen clear), C1 controls, bidi overrides,
zero-width and stacked combining characters and very long lines. They reach the dashboard rows, the status
line, the "Batch ended" notification, the batch screen's facts and the request screen through the real poll loop against a
misbehaving server. No crash, markup stays literal, and no ESC/BEL/C1 byte reaches what is drawn.
"""

from __future__ import annotations

import sqlite3

import pytest

from tests.reliability.hostile_server import HostileServer, ended_batch, succeeded_line
from tests.tui.harness import record_notifications, screen_text, wait_until
from tui.app import make_app
from tui.core.journal.connection import Journal
from tui.widgets.batch_table import BatchTable

MARKUP = "[bold]loud[/bold] [/end] [link=http://x]y[/link] [@click=app.quit]q[/]"
CSI = "wipe\x1b[2J\x1b[31mred"
OSC_TITLE = "set\x1b]0;pwned\x07title"
OSC_CLIP = "clip\x1b]52;c;ZXZpbA==\x07board"
C1 = "c1\x9b31m\x9d0;x\x9c"
BIDI = "abc\u202eevil\u202cdef\u2066iso\u2069"
ZERO = "zero\u200b\u200d\ufeffwidth"
ZALGO = "Z" + "\u0336\u0335\u0334" * 120 + "algo"
LONG = "long-" + "x" * 5000
WIDE = "表" * 300 + "🙂" * 50
PAYLOADS = [MARKUP, CSI, OSC_TITLE, OSC_CLIP, C1, BIDI, ZERO, ZALGO, LONG, WIDE]
RAW = ("\x1b", "\x07", "\x9b", "\x9c", "\x9d")


def assert_nothing_raw(app) -> str:
    svg = app.export_screenshot()
    lines = screen_text(app, svg)
    for ch in RAW:
        assert ch not in lines, f"{ch!r} reached the screen"
        assert ch not in svg, f"{ch!r} reached the screenshot"
    assert app.is_running
    return lines


async def _journal(path, base: str) -> None:
    journal = await Journal.open(path)
    try:
        async with journal.transaction() as db:
            for n, payload in enumerate(PAYLOADS, 1):
                await db.execute("INSERT INTO jobs(id, name, source_path, source_sha256, request_count, created_at) "
                                 "VALUES (?,?,?,?,?,?)", (n, f"job {payload}", f"/tmp/x/{payload.replace('/', '|')}.jsonl", f"h{n}", 2,
                                                          1.7e9))
                batch = ended_batch(f"msgbatch_h{n:02d}", base, 2)
                status = "in_progress" if n <= 3 else "ended"
                await db.execute(
                    "INSERT INTO batches(local_id, id, job_id, label, intent_state, processing_status, n_processing,"
                    " n_succeeded, created_at, expires_at, last_poll_error, intent_request_count) "
                    "VALUES (?,?,?,?, 'created', ?,?,?, strftime('%s','now') - 60, strftime('%s','now') + 86000, ?, 2)",
                    (n, batch["id"], n, None if n % 2 else payload, status, 2 if n <= 3 else 0, 0 if n <= 3 else 2,
                     payload if n > 3 else None))
            await db.execute("INSERT INTO batches(local_id, job_id, label, intent_state, intent_error) "
                             "VALUES (99, 1, ?, 'failed', ?)", (MARKUP, f"HTTP 400: {OSC_TITLE} {ZALGO}"))
    finally:
        await journal.close()


@pytest.fixture
async def hostile_app(journal_path):
    async with HostileServer() as server:
        await _journal(journal_path, server.base_url)
        # batch 1 ends with hostile results; batch 2 answers a 500 with a hostile message; batch 3 stays running
        server.batches["msgbatch_h01"] = ended_batch("msgbatch_h01", server.base_url, 2)
        server.results["msgbatch_h01"] = succeeded_line("a", CSI + OSC_CLIP) + succeeded_line("b", MARKUP)
        server.failures["msgbatch_h02"] = (500, {"type": "error", "error": {
            "type": "api_error", "message": f"boom {OSC_TITLE} {MARKUP} {C1}"}, "request_id": "req_x"})
        running = ended_batch("msgbatch_h03", server.base_url, 2)
        server.batches["msgbatch_h03"] = {**running, "processing_status": "in_progress", "ended_at": None,
                                          "results_url": None,
                                          "request_counts": {**running["request_counts"], "processing": 2,
                                                             "succeeded": 0}}
        app = make_app(journal_path=journal_path, api_key="k", base_url=server.base_url)
        notes = record_notifications(app)
        async with app.run_test(size=(140, 40)) as pilot:
            yield app, pilot, notes


def _results_of_batch_1(path) -> int:
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return db.execute("SELECT COUNT(*) FROM results WHERE batch_local_id = 1").fetchone()[0]
    finally:
        db.close()


async def test_dashboard_status_and_notification_with_hostile_text(hostile_app):
    app, pilot, notes = hostile_app

    def ended() -> list:   # all of them, kept: a toast lasts 4 s, and a busy machine may look later than that
        return [n for n in notes if "Batch ended" in n.title]

    await wait_until(pilot, lambda: ended() and "HTTP 500" in app.status[0],
                     "the poll error in the status line and the ended notification", timeout=30)
    shown = assert_nothing_raw(app)
    assert "[bold]loud[/bold] [/end]" in shown, "markup in a label is shown literally"
    assert "boom set␛]0;pwned␇title" in shown, "the server's error message, escapes made visible"
    assert "<U+202E>" in shown or "<U+202E>" in app.export_screenshot()
    for note in ended():
        for ch in RAW:
            assert ch not in note.message
    table = app.screen.query_one(BatchTable)   # every row is still listed, whatever its neighbours hold
    listed = {row.id for row in map(table.row_data, table.shown_ids()) if row}
    assert {f"msgbatch_h{n:02d}" for n in range(1, len(PAYLOADS) + 1)} <= listed
    assert table.row_count == len(PAYLOADS) + 1


async def test_batch_screen_facts_with_hostile_text(hostile_app):
    from tui.screens.batch import BatchScreen
    from tui.screens.request import RequestScreen

    app, pilot, _ = hostile_app
    await wait_until(pilot, lambda: app.ready.is_set(), "start-up", timeout=30)
    # hostile results, a hostile poll error, labels and file names, an intent error: each fact is drawn
    for local_id, fact in ((1, "h01"), (2, "Poll error"), (5, "h05"), (8, "h08"), (99, "Submit")):
        await app.push_screen(BatchScreen(local_id))
        await wait_until(pilot, lambda: fact in assert_nothing_raw(app), f"batch {local_id}: {fact}", timeout=30)
        await pilot.press("escape")
        await pilot.pause()
    assert_nothing_raw(app)
    # the hostile response texts of batch 1, once the poll loop has ingested them
    await wait_until(pilot, lambda: _results_of_batch_1(app.journal_path) == 2, "the results of batch 1",
                     timeout=30)
    for custom_id, visible in (("a", "wipe␛[2J"), ("b", "[/end]")):
        await app.push_screen(RequestScreen(1, custom_id))
        await wait_until(pilot, lambda: visible in assert_nothing_raw(app), f"response {custom_id}", timeout=30)
        await pilot.press("escape")
        await pilot.pause()
