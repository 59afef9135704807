"""A server whose clock is minutes off (the emulator's `clock_offset_s`): an ambiguous create, or a kill while a
create's answer is on the way, is still settled by listing and never sent twice. The send window is read on
the server's clock, measured from the `date` header of its answers."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import sys

import anthropic
import orjson
import pytest

from tests.builders import write_requests
from tests.core.submit_helpers import CreateAnswerDelay
from tui.core.journal.connection import Journal
from tui.core.submit.check import plan
from tui.core.submit.send import recover, submit

SKEWS = [pytest.param(600.0, id="server-10min-ahead"), pytest.param(-600.0, id="server-10min-behind")]


def _states(journal_path) -> list[tuple]:
    try:
        con = sqlite3.connect(f"file:{journal_path}?mode=ro", uri=True, timeout=1)
        try:
            return con.execute("SELECT id, intent_state FROM batches ORDER BY local_id").fetchall()
        finally:
            con.close()
    except sqlite3.Error:
        return []


@pytest.mark.parametrize("offset", SKEWS)
async def test_a_lost_answer_on_a_skewed_server_is_adopted_not_sent_again(tmp_path, journal, emulator_factory,
                                                                         offset):
    async with emulator_factory(clock_offset_s=offset) as emu:
        async with CreateAnswerDelay(emu.base_url, None) as relay:   # the batch is made, its answer never comes
            async with anthropic.AsyncAnthropic(api_key="k", base_url=relay.base_url) as client:
                rows = await submit(journal, client, plan(write_requests(tmp_path / "in.jsonl", 7)),
                                    settle_after=1.0)
        assert relay.held == 1
        assert emu.batch_ids() == [rows[0].id] and emu.stats["create"] == 1
    assert rows[0].intent_state == "created"
    async with journal.db.execute("SELECT detail FROM events WHERE kind = 'submitted'") as cur:
        assert [orjson.loads(r[0])["how"] for r in await cur.fetchall()] == ["matched by listing"]


@pytest.mark.parametrize("offset", SKEWS)
async def test_kill_during_create_on_a_skewed_server_then_recover_makes_one_batch(tmp_path, emulator_factory,
                                                                                 offset):
    """`submit` is SIGKILLed after the server made the batch and before its answer (held 30 s) arrived; the
    recovering process must find that batch on the server's clock, not make a second one."""
    path = write_requests(tmp_path / "in.jsonl", 12)
    journal_path = tmp_path / "j" / "journal.sqlite"
    async with emulator_factory(clock_offset_s=offset, slow_create_answer_ms=30_000.0) as emu:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "tui", "submit", str(path), "--journal", str(journal_path),
            "--base-url", emu.base_url, env={**os.environ, "ANTHROPIC_API_KEY": "k"},
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 60
        while not (emu.batch_ids() and _states(journal_path) == [(None, "sending")]):
            assert proc.returncode is None, (await proc.stderr.read()).decode()
            assert loop.time() < deadline, f"no create went out: {_states(journal_path)}"
            await asyncio.sleep(0.02)
        proc.kill()
        await proc.wait()
        [made] = emu.batch_ids()

        journal = await Journal.open(journal_path)
        try:
            async with anthropic.AsyncAnthropic(api_key="k", base_url=emu.base_url) as client:
                [row] = await recover(journal, client, settle_after=0.5)
            assert row.intent_state == "created" and row.id == made
            assert emu.batch_ids() == [made] and emu.stats["create"] == 1     # found, not sent a second time
            async with journal.db.execute("SELECT detail FROM events WHERE kind = 'submitted'") as cur:
                assert [orjson.loads(r[0])["how"] for r in await cur.fetchall()] == ["matched by listing"]
        finally:
            await journal.close()
