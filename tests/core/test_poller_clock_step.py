"""A wall clock stepped back (NTP, a laptop or VM resuming) does not stop the poller: inside one process it
waits on the monotonic clock; a journal deadline too far ahead to be real is due at once."""

from __future__ import annotations

import asyncio
import time

from tests.core.poll_helpers import create_recorded
from tui.core.clock import Clock, FixedClock
from tui.core.poll.loop import MIN_DELAY, Poller


class SteppedClock(Clock):
    """The real clocks, with the wall clock set back by `behind` seconds once told to (the monotonic one goes on)."""

    def __init__(self) -> None:
        self.behind = 0.0

    def now(self) -> float:
        return time.time() - self.behind


async def test_a_clock_stepped_back_an_hour_mid_run_does_not_stop_sweeps(journal, client, emulator) -> None:
    await create_recorded(journal, client, 10_000)           # still running for the whole test
    clock = SteppedClock()
    poller = Poller(journal, client, adopt=False, clock=clock, min_interval=0.1)
    stop = asyncio.Event()
    sweeps: list = []

    def on_sweep(result) -> None:
        sweeps.append(result)
        if len(sweeps) == 1:
            clock.behind = 3600.0                             # the wall clock jumps back an hour
        if sum(s.http_requests for s in sweeps[1:]) >= 3:
            stop.set()

    await asyncio.wait_for(poller.run(on_sweep, stop_event=stop), timeout=60)
    assert sweeps[0].http_requests == 1 and all(s.errors == [] for s in sweeps)
    assert all(s.next_delay <= max(0.1, MIN_DELAY) + 1e-6 for s in sweeps[1:]), [s.next_delay for s in sweeps]


async def test_stepped_back_clock_in_one_process_keeps_the_interval(journal, client, emulator) -> None:
    await create_recorded(journal, client, 10_000)
    clock = FixedClock(time.time())
    poller = Poller(journal, client, adopt=False, clock=clock, min_interval=5.0)
    assert (await poller.sweep()).http_requests == 1
    clock.step(-3600)                                         # wall time goes back an hour, no time passes
    waiting = await poller.sweep()
    assert waiting.http_requests == 0 and 0 < waiting.next_delay <= 5.0
    clock.advance(5.0)
    assert (await poller.sweep()).http_requests == 1          # due after the interval, as if nothing happened
    clock.step(+3600)                                         # and forward again: polls early, never later
    assert (await poller.sweep()).http_requests == 1


async def test_a_journal_deadline_further_ahead_than_any_interval_is_due(journal, client, emulator) -> None:
    """Another process (or this one before a restart) wrote next_poll_at before the clock went back an hour:
    nothing writes a deadline that far ahead, so the batch is polled now rather than in an hour."""
    local_id, _ = await create_recorded(journal, client, 10_000)
    clock = FixedClock(time.time())
    async with journal.transaction() as db:
        await db.execute("UPDATE batches SET next_poll_at = ? WHERE local_id = ?", (clock.now() + 3600 + 5, local_id))
    fresh = Poller(journal, client, adopt=False, clock=clock, min_interval=5.0)
    result = await fresh.sweep()
    assert result.http_requests == 1 and result.next_delay <= 5.0
    async with journal.transaction() as db:                   # a deadline within reach is still honoured
        await db.execute("UPDATE batches SET next_poll_at = ? WHERE local_id = ?", (clock.now() + 120, local_id))
    other = Poller(journal, client, adopt=False, clock=clock, min_interval=5.0)
    assert (await other.sweep()).http_requests == 0


async def test_settling_a_create_sent_before_the_clock_went_back_waits_only_the_window(tmp_path, journal, emulator,
                                                                                       client) -> None:
    """An ambiguous create whose send time lies an hour ahead (the clock was set back since) is settled after
    the settle window, not an hour later: its batch is then sent, once."""
    import socket

    import anthropic

    from tests.builders import write_requests
    from tui.core.submit.check import plan
    from tui.core.submit.send import recover, submit

    with socket.socket() as s:   # a port nobody listens on: the intent stays unsent
        s.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{s.getsockname()[1]}"
    async with anthropic.AsyncAnthropic(api_key="k", base_url=dead, max_retries=0) as nowhere:
        [row] = await submit(journal, nowhere, plan(write_requests(tmp_path / "in.jsonl", 3)))
    async with journal.transaction() as db:
        await db.execute("UPDATE batches SET intent_state = 'sending', intent_sent_at = ? WHERE local_id = ?",
                         (time.time() + 3600, row.local_id))
    [settled] = await asyncio.wait_for(recover(journal, client, settle_after=0.2), timeout=60)
    assert settled.intent_state == "created" and emulator.batch_ids() == [settled.id]


async def test_a_create_that_went_through_before_the_clock_went_back_is_found_not_sent_twice(
        tmp_path, journal_path, emulator, client) -> None:
    """The create reached the server (its answer was lost), then the wall clock went back an hour: recover()
    still finds that batch by listing and adopts it, instead of sending the requests a second time."""
    import socket

    import anthropic

    from tests.builders import write_requests
    from tui.core.journal.connection import Journal
    from tui.core.submit.check import plan
    from tui.core.submit.send import recover, submit

    path = write_requests(tmp_path / "in.jsonl", 3)
    journal = await Journal.open(journal_path)
    try:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            dead = f"http://127.0.0.1:{s.getsockname()[1]}"
        async with anthropic.AsyncAnthropic(api_key="k", base_url=dead, max_retries=0) as nowhere:
            [row] = await submit(journal, nowhere, plan(path))
        made = await client.messages.batches.create(      # what the lost create made on the server
            requests=[{"custom_id": cid, "params": params} for _, cid, params in plan(path).iter_params()])
        async with journal.transaction() as db:
            await db.execute("UPDATE batches SET intent_state = 'sending', intent_sent_at = ? WHERE local_id = ?",
                             (time.time(), row.local_id))
    finally:
        await journal.close()
    stepped = SteppedClock()
    stepped.behind = 3600.0
    journal = await Journal.open(journal_path, clock=stepped)
    try:
        [settled] = await asyncio.wait_for(recover(journal, client, settle_after=0.2), timeout=60)
    finally:
        await journal.close()
    assert settled.intent_state == "created" and settled.id == made.id
    assert emulator.batch_ids() == [made.id]
