"""kill -9 in the middle of an ingest: the journal keeps what was committed, and the next ingest completes it
to exactly the emulator's ground truth."""

from __future__ import annotations

import asyncio
import signal
import sqlite3
import subprocess
import sys

import orjson

from tests.core.poll_helpers import create_recorded
from tui.core.poll.ingest import ingest
from tui.core.poll.loop import Poller

CHILD = """
import asyncio, sys
import anthropic
from tui.core.poll.ingest import ingest
from tui.core.journal.connection import Journal

async def main(path, base_url, local_id):
    journal = await Journal.open(path)
    async with anthropic.AsyncAnthropic(api_key="k", base_url=base_url) as client:
        await ingest(journal, client, local_id)

asyncio.run(main(sys.argv[1], sys.argv[2], int(sys.argv[3])))
"""


def _count(path) -> int:
    with sqlite3.connect(path, timeout=30) as db:
        return db.execute("SELECT COUNT(*) FROM results").fetchone()[0]


async def test_kill_9_mid_ingest_then_resume(journal, journal_path, emulator_factory) -> None:
    import anthropic

    async with emulator_factory(request_ms=0.0) as emu:
        async with anthropic.AsyncAnthropic(api_key="k", base_url=emu.base_url) as client:
            local_id, batch_id = await create_recorded(journal, client, 40_000)
            await emu.wait_until_ended(batch_id)
            await Poller(journal, client, adopt=False).sweep(force=True)

            child = subprocess.Popen([sys.executable, "-c", CHILD, str(journal_path), emu.base_url, str(local_id)])
            try:
                for _ in range(3000):                      # until the child has committed some rows
                    await asyncio.sleep(0.01)
                    if await asyncio.to_thread(_count, journal_path) > 0 or child.poll() is not None:
                        break
                child.send_signal(signal.SIGKILL)
            finally:
                child.wait(timeout=30)
            assert child.returncode == -signal.SIGKILL
            partial = await asyncio.to_thread(_count, journal_path)
            assert 0 < partial < 40_000

            report = await ingest(journal, client, local_id)
            assert report.complete and report.results_ingested == 40_000
            truth = emu.results_for(batch_id)
    async with journal.db.execute("SELECT custom_id, raw FROM results WHERE batch_local_id = ?",
                                  (local_id,)) as cur:
        rows = await cur.fetchall()
    assert {cid: orjson.loads(raw) for cid, raw in rows} == truth
