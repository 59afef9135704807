"""The network gone: the emulator stops for a few seconds while `watch` runs and while the TUI polls. Both say
so, keep everything they had, and carry on when the server returns (same port, same batches)."""

from __future__ import annotations

import asyncio
import os
import socket
import sys

import anthropic
import orjson
import pytest

from tests.builders import items, requests, write_jsonl
from tests.tui.harness import record_notifications, screen_text, wait_until, widget_text
from tui.app import make_app
from tui.core.journal.connection import Journal
from tui.core.submit.check import plan_from_requests
from tui.core.submit.send import submit
from tui.emulator import Emulator, EmulatorConfig
from tui.widgets.batch_table import BatchTable


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
async def emu():
    """An emulator on a fixed port (so it can come back on it) whose batches take a few seconds."""
    emulator = Emulator(EmulatorConfig(host="127.0.0.1", port=_free_port(), seed=5, request_ms=25.0))
    await emulator.start()
    try:
        yield emulator
    finally:
        await emulator.stop()


async def _submit(journal_path, emu: Emulator, n: int) -> str:
    journal = await Journal.open(journal_path)
    try:
        async with anthropic.AsyncAnthropic(api_key="k", base_url=emu.base_url) as client:
            plan = plan_from_requests(items(requests(n)), source="outage")
            [row] = await submit(journal, client, plan, label="outage")
        return row.id
    finally:
        await journal.close()


async def _results(journal_path) -> dict[str, bytes]:
    journal = await Journal.open(journal_path)
    try:
        async with journal.db.execute("SELECT custom_id, raw FROM results") as cur:
            return {cid: bytes(raw) for cid, raw in await cur.fetchall()}
    finally:
        await journal.close()


async def _read_until(stream: asyncio.StreamReader, needle: str, seen: list[str], timeout: float) -> None:
    async def scan() -> None:
        while True:
            line = (await stream.readline()).decode()
            assert line, f"stream ended before {needle!r}: {seen}"
            seen.append(line)
            if needle in line:
                return

    await asyncio.wait_for(scan(), timeout)


async def test_watch_says_the_server_is_gone_and_finishes_when_it_returns(journal_path, emu):
    batch_id = await _submit(journal_path, emu, 200)   # ~5 s of processing
    env = {**os.environ, "ANTHROPIC_API_KEY": "k", "PYTHONUNBUFFERED": "1"}
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tui", "watch", "--interval", "0.2", "--journal", str(journal_path),
        "--base-url", emu.base_url, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out: list[str] = []
    err: list[str] = []
    try:
        await _read_until(proc.stdout, "running", out, 30)
        await emu.stop()                                                   # the network is gone
        await _read_until(proc.stderr, "could not reach the server", err, 30)
        assert proc.returncode is None, "watch keeps going without the server"
        await asyncio.sleep(1.0)
        await emu.start()                                                  # and back, same port
        rest_out, rest_err = await asyncio.wait_for(proc.communicate(), 60)
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    out.append(rest_out.decode())
    err.append(rest_err.decode())
    assert proc.returncode == 0, "".join(out + err)
    assert "Traceback" not in "".join(err)
    expected = {cid: orjson.dumps(line) for cid, line in emu.results_for(batch_id).items()}
    assert await _results(journal_path) == expected


async def test_tui_status_says_so_keeps_its_rows_and_carries_on(journal_path, emu):
    batch_id = await _submit(journal_path, emu, 120)   # ~3 s of processing
    app = make_app(journal_path=journal_path, api_key="k", base_url=emu.base_url)
    notes = record_notifications(app)
    async with app.run_test(size=(120, 36)) as pilot:
        def until(condition, what: str):
            return wait_until(pilot, condition, what, timeout=60)

        def listed() -> bool:   # the batch's row in the dashboard's table, named
            table = app.screen.query_one(BatchTable)
            return any(row and row.id == batch_id and "outage" in " ".join(map(str, table.get_row(str(local_id))))
                       for local_id, row in ((i, table.row_data(i)) for i in table.shown_ids()))

        await until(lambda: app.ready.is_set() and listed(), "the batch on the dashboard")
        await emu.stop()
        app.poll_now()
        await until(lambda: app.status[1] and "server unreachable since" in app.status[0], "the outage status")
        assert listed() and app.is_running, "the rows stay while the server is away"
        await asyncio.sleep(1.0)
        await emu.start()
        await until(lambda: any("Batch ended" in n.title for n in notes), "the batch to end")
        await until(lambda: not app.status[1], "the status to clear")
        assert "last poll" in app.status[0]
    expected = {cid: orjson.dumps(line) for cid, line in emu.results_for(batch_id).items()}
    results = await _results(journal_path)
    assert set(results) <= set(expected) and all(results[k] == expected[k] for k in results)


async def test_a_submit_made_while_the_server_was_gone_goes_out_once_it_returns(journal_path, emu):
    """Nothing can be sent: the intent waits (not a 20 s settle window), and the running poller sends it, once,
    when the server answers again, without a restart."""
    from tui.core.poll.loop import Poller
    from tui.core.journal.batches import get_batch

    await emu.stop()
    journal = await Journal.open(journal_path)
    stop = asyncio.Event()
    try:
        async with anthropic.AsyncAnthropic(api_key="k", base_url=emu.base_url, max_retries=0) as client:
            [row] = await submit(journal, client, plan_from_requests(items(requests(5)), source="offline"),
                                 label="offline")
            assert row.id is None and row.intent_state == "intent"
            assert row.intent_error.startswith("not sent yet: ")
            poller = Poller(journal, client, adopt=False, min_interval=0.2, recover_every=0.3, settle_after=0.5)
            loop = asyncio.create_task(poller.run(lambda result: None, stop_event=stop))
            await asyncio.sleep(1.0)                           # a few tries against the dead port
            assert (await get_batch(journal, row.local_id)).id is None
            await emu.start()                                  # back, same port
            for _ in range(300):
                sent = await get_batch(journal, row.local_id)
                if sent.id:
                    break
                await asyncio.sleep(0.05)
            assert sent.id and sent.intent_state == "created" and sent.intent_error is None
            assert emu.batch_ids() == [sent.id]                # sent once
            stop.set()
            await asyncio.wait_for(loop, 10)
    finally:
        stop.set()
        await journal.close()


async def test_tui_n_while_the_server_is_gone_says_not_sent_and_r_sends_it_when_back(journal_path, emu, tmp_path):
    from textual.widgets import Input

    from tui.screens.submit_dialog import SubmitDialog

    source = write_jsonl(tmp_path / "offline.jsonl", requests(4))
    await emu.stop()
    app = make_app(journal_path=journal_path, api_key="k", base_url=emu.base_url)
    notes = record_notifications(app)
    async with app.run_test(size=(120, 36)) as pilot:
        def until(condition, what: str):
            return wait_until(pilot, condition, what, timeout=60)

        await until(lambda: app.ready.is_set(), "the app")
        await pilot.press("n")
        await until(lambda: isinstance(app.screen, SubmitDialog), "the dialog")
        app.screen.query_one("#path", Input).value = str(source)
        app.screen.query_one("#path", Input).focus()
        await pilot.press("enter")
        await until(lambda: "4 request" in widget_text(app), "the checked plan")
        await pilot.press("y")
        await until(lambda: any("not sent yet: could not reach the server" in str(n.message) for n in notes),
                    "the not-sent warning")
        await until(lambda: "waiting" in screen_text(app), "the row marked waiting")
        journal = await Journal.open(journal_path)
        try:
            async with journal.db.execute("SELECT id, intent_state FROM batches") as cur:
                assert [tuple(r) for r in await cur.fetchall()] == [(None, "intent")]
            await emu.start()                                  # back, same port
            await pilot.press("R")                             # poll now: also sends what waits

            async def sent_id() -> str | None:
                async with journal.db.execute("SELECT id FROM batches") as cur:
                    [(sent,)] = await cur.fetchall()
                return sent

            await wait_until(pilot, sent_id, "the batch to be sent")
            batch_id = await sent_id()
        finally:
            await journal.close()
        assert batch_id and emu.batch_ids() == [batch_id]
        await until(lambda: batch_id[-8:] in screen_text(app), "the batch on the dashboard")


async def test_watch_waits_for_a_submit_the_server_never_got_and_sends_it_when_back(journal_path, emu):
    """watch does not call it done while a batch is still to be sent: it sends it once the server answers,
    then follows it to its results."""
    await emu.stop()
    journal = await Journal.open(journal_path)
    try:
        async with anthropic.AsyncAnthropic(api_key="k", base_url=emu.base_url, max_retries=0) as client:
            [row] = await submit(journal, client, plan_from_requests(items(requests(6)), source="later"), label="later")
        assert row.intent_state == "intent"
    finally:
        await journal.close()
    env = {**os.environ, "ANTHROPIC_API_KEY": "k", "PYTHONUNBUFFERED": "1"}
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tui", "watch", "--interval", "0.2", "--journal", str(journal_path),
        "--base-url", emu.base_url, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    try:
        err: list[str] = []
        await _read_until(proc.stderr, "no id yet", err, timeout=30)
        await asyncio.sleep(1.5)
        assert proc.returncode is None, "watch must not end while a batch is still to be sent"
        await emu.start()                                              # back, same port
        out, rest = await asyncio.wait_for(proc.communicate(), 60)
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    assert proc.returncode == 0, (out + rest).decode()
    [batch_id] = emu.batch_ids()
    assert batch_id[-8:] in out.decode() and "6 results in the journal" in out.decode()
    assert len(await _results(journal_path)) == 6
