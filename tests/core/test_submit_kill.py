"""kill -9 of a real `submit` process at several points, then a recovering run: no id lost, none twice.

The creates go through a relay that holds each create's answer back for a moment, so a kill can land
while a batch exists on the server but its id is not yet in the journal: the hardest case.
"""

from __future__ import annotations

import asyncio
import os
import random
import sqlite3
import sys

import anthropic
import orjson
import pytest

from tests.builders import write_requests
from tests.core.submit_helpers import CreateAnswerDelay
from tui.core.journal.connection import Journal
from tui.core.submit.send import recover

N, PER_BATCH = 1200, 300


def _probe(path) -> tuple[int, dict[str, int]]:
    """(jobs, {intent_state: rows}) as another process sees the journal right now."""
    try:
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=1)
        try:
            jobs = con.execute("SELECT COUNT(*) FROM jobs").fetchone()[0]
            states = dict(con.execute("SELECT intent_state, COUNT(*) FROM batches GROUP BY 1").fetchall())
        finally:
            con.close()
    except sqlite3.Error:
        return 0, {}
    return jobs, states


# when to kill, from what the journal and the server show: (jobs, {intent_state: rows}, batches on the server)
KILL_POINTS = {
    "at-start": lambda jobs, states, server: True,
    "after-intents": lambda jobs, states, server: jobs > 0,
    "while-sending": lambda jobs, states, server: states.get("sending", 0) > 0,
    "created-not-recorded": lambda jobs, states, server: server > states.get("created", 0),
    "some-created": lambda jobs, states, server: states.get("created", 0) >= 2,
    "random-a": None,
    "random-b": None,
}


@pytest.mark.parametrize("point", list(KILL_POINTS))
async def test_kill_then_recover(tmp_path, emulator, point):
    path = write_requests(tmp_path / "in.jsonl", N)
    journal_path = tmp_path / "j" / "journal.sqlite"
    async with CreateAnswerDelay(emulator.base_url, 0.4) as relay:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "tui", "submit", str(path), "--max-per-batch", str(PER_BATCH),
            "--journal", str(journal_path), "--base-url", relay.base_url,
            env={**os.environ, "ANTHROPIC_API_KEY": "k"},
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE)
        loop = asyncio.get_running_loop()
        wait_for = KILL_POINTS[point]
        deadline = loop.time() + (random.Random(point).uniform(1.0, 3.5) if wait_for is None else 30)
        while proc.returncode is None and loop.time() < deadline:
            if wait_for is not None and wait_for(*_probe(journal_path), len(emulator.batch_ids())):
                break
            await asyncio.sleep(0.005)
        if proc.returncode is None:
            proc.kill()
        await proc.wait()

    journal = await Journal.open(journal_path)
    try:
        async with anthropic.AsyncAnthropic(api_key="k", base_url=emulator.base_url) as client:
            await recover(journal, client, settle_after=0.5)
            assert await recover(journal, client, settle_after=0.5) == []   # nothing left to do
        assert list(journal_path.parent.glob("*.lock")) == []               # no lock file left behind
        async with journal.db.execute(
                "SELECT local_id, id, intent_state, intent_request_count FROM batches ORDER BY local_id") as cur:
            rows = await cur.fetchall()
        on_server = emulator.batch_ids()
        assert sorted(r["id"] for r in rows) == sorted(on_server)      # no id lost, no batch twice
        if not rows:
            assert point in ("at-start", "random-a", "random-b")     # killed before the intents were committed
            return
        assert [r["intent_request_count"] for r in rows] == [PER_BATCH] * (N // PER_BATCH)
        assert {r["intent_state"] for r in rows} == {"created"}
        async with journal.db.execute("SELECT detail FROM events WHERE kind = 'submitted'") as cur:
            how = [orjson.loads(r[0])["how"] for r in await cur.fetchall()]
        if point == "created-not-recorded":
            assert "matched by listing" in how
        for row in rows:   # each id holds exactly the requests its row recorded
            await emulator.wait_until_ended(row["id"])
            async with journal.db.execute("SELECT custom_id FROM requests WHERE batch_local_id = ?",
                                          (row["local_id"],)) as cur:
                recorded = {r[0] for r in await cur.fetchall()}
            assert set(emulator.results_for(row["id"])) == recorded
    finally:
        await journal.close()
