"""Submit against the emulator with the real SDK: journal first, ids filled, no duplicates."""

from __future__ import annotations

import orjson
import pytest

from tui.core.submit.check import plan
from tui.core.submit.send import AlreadySubmitted, submit
from tests.builders import write_requests
from tests.core.submit_helpers import CreateAnswerDelay, journal_ids, wait_ended


@pytest.mark.parametrize("n", [1, 1000])
async def test_round_trip(tmp_path, journal, emulator, client, n):
    path = write_requests(tmp_path / "in.jsonl", n, ids="req-{i}")
    rows = await submit(journal, client, plan(path), label="trip")
    assert len(rows) == 1
    row = rows[0]
    assert row.intent_state == "created" and row.id in emulator.batch_ids()
    assert row.label == "trip" and row.job_name == "trip" and row.processing_status == "in_progress"
    assert row.counts.processing == n
    async with journal.db.execute("SELECT COUNT(*), MIN(params) FROM requests WHERE batch_local_id = ?",
                                  (row.local_id,)) as cur:
        count, params = await cur.fetchone()
    assert count == n and orjson.loads(params)["model"] == "claude-haiku-4-5"
    ended = await wait_ended(client, row.id)
    assert ended.request_counts.succeeded == n
    assert set(emulator.results_for(row.id)) == {f"req-{i}" for i in range(n)}
    async with journal.db.execute("SELECT kind FROM events ORDER BY id") as cur:
        assert [r[0] for r in await cur.fetchall()] == ["intent", "submitted"]


async def test_split_into_several_batches(tmp_path, journal, emulator, client):
    path = write_requests(tmp_path / "in.jsonl", 25, ids="req-{i}")
    rows = await submit(journal, client, plan(path, max_per_batch=10))
    assert [(r.chunk_index, r.counts.processing, r.intent_state) for r in rows] == [
        (0, 10, "created"), (1, 10, "created"), (2, 5, "created")]
    assert len({r.job_id for r in rows}) == 1
    assert sorted(emulator.batch_ids()) == sorted(r.id for r in rows)
    seen = set()
    for r in rows:
        await wait_ended(client, r.id)
        got = set(emulator.results_for(r.id))
        async with journal.db.execute("SELECT custom_id FROM requests WHERE batch_local_id = ?", (r.local_id,)) as cur:
            assert {x[0] for x in await cur.fetchall()} == got
        seen |= got
    assert seen == {f"req-{i}" for i in range(25)}


async def test_same_file_twice_needs_again(tmp_path, journal, emulator, client):
    path = write_requests(tmp_path / "in.jsonl", 3)
    await submit(journal, client, plan(path))
    with pytest.raises(AlreadySubmitted, match="use --again"):
        await submit(journal, client, plan(path))
    assert len(emulator.batch_ids()) == 1
    again = await submit(journal, client, plan(path), again=True)
    assert again[0].id and len(emulator.batch_ids()) == 2


async def test_rate_limited_create_waits_and_sends_again(tmp_path, journal, emulator, client):
    emulator.fail_next(429, 429)
    rows = await submit(journal, client, plan(write_requests(tmp_path / "in.jsonl", 4)))
    assert rows[0].intent_state == "created" and emulator.batch_ids() == [rows[0].id]


async def test_5xx_on_create_is_settled_by_listing_then_sent_once_more(tmp_path, journal, emulator, client):
    emulator.fail_next(500)  # the emulator answers before creating anything
    rows = await submit(journal, client, plan(write_requests(tmp_path / "in.jsonl", 4)), settle_after=0.3)
    assert rows[0].intent_state == "created" and emulator.batch_ids() == [rows[0].id]


@pytest.mark.parametrize("delay", [None, 1.0], ids=["answer-lost", "answer-late"])
async def test_create_whose_answer_is_lost_is_adopted_not_duplicated(tmp_path, journal, emulator, delay):
    import anthropic

    async with CreateAnswerDelay(emulator.base_url, delay) as relay:
        async with anthropic.AsyncAnthropic(api_key="k", base_url=relay.base_url) as client:
            path = write_requests(tmp_path / "in.jsonl", 50)
            rows = await submit(journal, client, plan(path), create_timeout=0.3, settle_after=3.0)
    assert relay.held == 1
    assert emulator.batch_ids() == [rows[0].id]
    assert rows[0].intent_state == "created" and rows[0].counts.total == 50
    async with journal.db.execute("SELECT detail FROM events WHERE kind = 'submitted'") as cur:
        assert orjson.loads((await cur.fetchone())[0])["how"] == "matched by listing"


async def test_create_timing_out_before_the_server_read_it_is_sent_again(tmp_path, journal, emulator_factory):
    import anthropic

    async with emulator_factory(latency_ms=300) as emu:  # the emulator waits before reading the body
        async with anthropic.AsyncAnthropic(api_key="k", base_url=emu.base_url) as client:
            rows = await submit(journal, client, plan(write_requests(tmp_path / "in.jsonl", 5)),
                                create_timeout=0.1, settle_after=0.5)
            assert emu.batch_ids() == []
    assert rows[0].intent_state == "failed" and "not created after 3 attempts" in rows[0].intent_error


async def test_refused_create_is_marked_failed_with_the_reason(tmp_path, journal, emulator_factory):
    import anthropic

    async with emulator_factory(api_key="right") as emu:
        async with anthropic.AsyncAnthropic(api_key="wrong", base_url=emu.base_url) as client:
            rows = await submit(journal, client, plan(write_requests(tmp_path / "in.jsonl", 2)))
    assert rows[0].intent_state == "failed" and rows[0].id is None
    async with journal.db.execute("SELECT intent_error FROM batches") as cur:
        assert "HTTP 401" in (await cur.fetchone())[0]
    assert await journal_ids(journal) == []


async def test_recover_leaves_a_live_submitters_intents_alone(tmp_path, journal, journal_path, emulator, client):
    from tui.core.journal.connection import Journal
    from tui.core.submit.send import record_intents, recover

    ids, lock = await record_intents(journal, plan(write_requests(tmp_path / "in.jsonl", 6), max_per_batch=3))
    other = await Journal.open(journal_path)   # another process's view of the same journal
    try:
        assert await recover(other, client) == []
        assert emulator.batch_ids() == []
        lock.release()   # as if the submitter died
        rows = await recover(other, client)
        assert [r.local_id for r in rows] == ids and all(r.intent_state == "created" for r in rows)
        assert sorted(emulator.batch_ids()) == sorted(r.id for r in rows)
    finally:
        await other.close()


async def test_unreachable_server_leaves_the_intent_for_recover(tmp_path, journal, emulator, client):
    import socket

    import anthropic

    from tui.core.submit.send import recover

    with socket.socket() as s:   # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{s.getsockname()[1]}"
    async with anthropic.AsyncAnthropic(api_key="k", base_url=dead, max_retries=0) as nowhere:
        rows = await submit(journal, nowhere, plan(write_requests(tmp_path / "in.jsonl", 3)))
    # the connection was refused, so nothing was sent: back to `intent` at once, no settle window to wait out
    assert rows[0].intent_state == "intent" and rows[0].id is None
    assert rows[0].intent_error == "not sent yet: could not reach the server"
    [row] = await recover(journal, client, settle_after=0.1)
    assert row.intent_state == "created" and emulator.batch_ids() == [row.id]
