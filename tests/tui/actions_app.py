"""Helpers for the action-key tests: batches submitted through core.submit to the emulator, then the real
app (`make_app`) on the same journal file and server, polling off (the tests poll when they want to)."""

from __future__ import annotations

from contextlib import asynccontextmanager

import orjson

from tui.app import make_app
from tui.core.poll.ingest import ingest
from tui.core.journal.connection import Journal
from tui.core.submit.check import plan_from_requests
from tui.core.journal.batches import apply_server_state
from tui.core.submit.send import submit


def items(prefix: str, n: int, bad: int = 0) -> list[tuple[str, bytes]]:
    out = [(f"{prefix}-{i:02d}", orjson.dumps({"model": "claude-haiku-4-5", "max_tokens": 100, "messages": [
        {"role": "user", "content": f"{prefix} {i}: a, b; \"c\"\nd 🎉"}]})) for i in range(n)]
    return out + [(f"{prefix}-bad{i}", orjson.dumps({"model": "nope", "max_tokens": 5,
                                                     "messages": [{"role": "user", "content": "x"}]}))
                  for i in range(bad)]


async def submit_items(journal_path, client, its, label: str):
    journal = await Journal.open(journal_path)
    try:
        [row] = await submit(journal, client, plan_from_requests(its, source=label), label=label, again=True)
        return row
    finally:
        await journal.close()


async def finish(journal_path, client, emu, row) -> None:
    """Wait for the server to end the batch, then record it and ingest its results (what the poller does)."""
    ended = await emu.wait_until_ended(row.id)
    journal = await Journal.open(journal_path)
    try:
        async with journal.transaction():
            await apply_server_state(journal, row.local_id, ended)
        assert (await ingest(journal, client, row.local_id)).complete
    finally:
        await journal.close()


async def settle(app, pilot, rounds: int = 30) -> None:
    for _ in range(rounds):
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        if not any(w.is_running for w in app.workers if w.group != "poll"):
            return


@asynccontextmanager
async def running_app(journal_path, emu, size=(120, 36)):
    app = make_app(journal_path=journal_path, api_key="test-key", base_url=emu.base_url, poll=False)
    async with app.run_test(size=size) as pilot:
        await app.ready.wait()
        await settle(app, pilot)
        yield app, pilot


async def press(app, pilot, *keys: str) -> None:
    for key in keys:
        await pilot.press(key)
        await settle(app, pilot)


def cursor_to(app, local_id: int) -> None:
    app.screen.table.move_to(local_id)
    app.screen.refresh_bindings()
