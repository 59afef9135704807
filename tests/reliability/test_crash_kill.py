"""kill -9 in the middle of a results ingest, of the TUI (the real app, headless, in its own process) and of
`watch`: each restart recovers (here two watches at once), the journal passes `PRAGMA integrity_check`, and
in the end it holds exactly the emulator's results, each once."""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import sys

import anthropic
import orjson
import pytest

from tests.builders import items, requests
from tui.core.journal.connection import Journal
from tui.core.submit.check import plan_from_requests
from tui.core.submit.send import submit

BIG = 30_000
TUI = ("import sys; from tui.app import make_app; "
       "make_app(journal_path=sys.argv[1], api_key='k', base_url=sys.argv[2]).run(headless=True)")


async def _submit(journal_path, base_url: str, n: int, prefix: str) -> str:
    journal = await Journal.open(journal_path)
    try:
        async with anthropic.AsyncAnthropic(api_key="k", base_url=base_url) as client:
            reqs = items(requests(n, ids=prefix + "{i}"))
            [row] = await submit(journal, client, plan_from_requests(reqs, source=prefix), label=prefix)
        return row.id
    finally:
        await journal.close()


def _count(journal_path, batch_id: str) -> int:
    db = sqlite3.connect(f"file:{journal_path}?mode=ro", uri=True, timeout=30)
    try:
        return db.execute("SELECT COUNT(*) FROM results r JOIN batches b ON b.local_id = r.batch_local_id "
                          "WHERE b.id = ?", (batch_id,)).fetchone()[0]
    finally:
        db.close()


async def _kill_mid_ingest(proc: asyncio.subprocess.Process, journal_path, batch_id: str) -> int:
    """SIGKILL the process as soon as part (not all) of the batch's results are in; the count at the kill."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 90
    while loop.time() < deadline and proc.returncode is None:
        count = await asyncio.to_thread(_count, journal_path, batch_id)
        if 0 < count:
            proc.send_signal(signal.SIGKILL)
            await proc.wait()
            return count
        await asyncio.sleep(0.01)
    pytest.fail(f"no results of {batch_id} arrived (exit code {proc.returncode})")


@pytest.fixture
async def emu(emulator_factory):
    async with emulator_factory(request_ms=0.0, seed=11) as emulator:
        yield emulator


async def test_kill_9_of_the_tui_and_of_watch_mid_ingest(journal_path, emu):
    env = {**os.environ, "ANTHROPIC_API_KEY": "k"}
    first = await _submit(journal_path, emu.base_url, BIG, "tui")
    tui = await asyncio.create_subprocess_exec(sys.executable, "-c", TUI, str(journal_path), emu.base_url, env=env,
                                               stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.DEVNULL,
                                               stderr=asyncio.subprocess.PIPE)
    at_kill = await _kill_mid_ingest(tui, journal_path, first)
    second = await _submit(journal_path, emu.base_url, BIG, "watch")
    watch_args = [sys.executable, "-m", "tui", "watch", "--interval", "0.2", "--journal", str(journal_path),
                  "--base-url", emu.base_url]
    watch = await asyncio.create_subprocess_exec(*watch_args, env=env, stdout=asyncio.subprocess.DEVNULL,
                                                 stderr=asyncio.subprocess.DEVNULL)
    await _kill_mid_ingest(watch, journal_path, second)

    # two watches side by side on the one journal finish the job: no "database is locked", nothing doubled
    last = [await asyncio.create_subprocess_exec(*watch_args, env=env, stdout=asyncio.subprocess.PIPE,
                                                 stderr=asyncio.subprocess.PIPE) for _ in range(2)]
    for proc in last:
        out, err = await asyncio.wait_for(proc.communicate(), 120)
        assert proc.returncode == 0, (out + err).decode()
        assert b"locked" not in err and b"Traceback" not in err, err.decode()
    assert 0 < at_kill < BIG, "the TUI was killed with results half in"

    db = sqlite3.connect(journal_path)
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert sorted(r[0] for r in db.execute("SELECT id FROM batches")) == sorted(emu.batch_ids())
    for batch_id in (first, second):
        expected = {cid: orjson.dumps(line) for cid, line in emu.results_for(batch_id).items()}
        got = dict(db.execute("SELECT custom_id, raw FROM results r JOIN batches b ON b.local_id = r.batch_local_id "
                              "WHERE b.id = ?", (batch_id,)))
        assert got == expected
        state, ingested = db.execute("SELECT ingest_state, results_ingested FROM batches WHERE id = ?",
                                     (batch_id,)).fetchone()
        assert (state, ingested) == ("complete", BIG)
    db.close()
