"""The poll loop: learns the state of every unfinished batch, writes it to the journal, ingests what ended.

One loop (`Poller.run`) awaits its own sweep before it sleeps, so it never overlaps itself however slow the
server is. A sweep asks only for the batches that are due (per-batch `next_poll_at`: young, cancelling or
nearly-expiring batches often, old ones rarely, ended ones never). Few due batches are `retrieve`d under a
concurrency bound; many are read from `list` pages (1000 a page, newest first) until all were seen, so a
thousand active batches cost a couple of requests. Waits inside the process (pauses, retries, the deadlines it
wrote) run on the clock's monotonic time, so a wall-clock step does not stop polling (`Schedule`). The SDK's own retries are off for polling: 429, 529 and
connection errors pause the whole poller (honouring `retry-after`), other failures back off per batch, and
a 404 marks a batch gone without deleting anything. Each sweep writes its changes in one transaction.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
from collections.abc import Callable
from typing import Any

from tui.core.api.errors import describe_api_error
from tui.core.clock import Clock
from tui.core.poll.ingest import READ_WHOLE, IngestReport, ingest
from tui.core.journal.connection import Journal, one_row
from tui.core.models import BatchRow, SweepResult
from tui.core.poll.adopt import unreadable as _unreadable
from tui.core.poll.sweep_plan import MAX_RETRY_AFTER, PollPlan, Schedule, retry_after_seconds
from tui.core.poll.sweep_write import MAX_BACKOFF, SweepWriter, backoff
from tui.core.journal.batches import get_batch, get_batches
from tui.core.submit.send import SETTLE_AFTER, recover

LIST_PAGE = 1000
MAX_LIST_PAGES = 5            # beyond this, the batches still unseen are retrieved one by one
ADOPT_EVERY = 60.0            # seconds between adoption scans when sweeping by retrieve
MIN_DELAY = 0.2               # the loop never spins faster than this
RECOVER_EVERY = 6             # poll intervals (min_interval) between tries to send or settle waiting submissions
_PLAN_COLUMNS = ("local_id, id, processing_status, n_processing, n_succeeded, n_errored, n_canceled, n_expired, "
                 "created_at, expires_at, ended_at, cancel_initiated_at, archived_at, results_url, next_poll_at, "
                 "poll_errors")


class Poller:
    def __init__(self, journal: Journal, client: Any, *, clock: Clock | None = None, list_threshold: int = 20,
                 concurrency: int = 8, adopt: bool = True, min_interval: float = 5.0,
                 max_interval: float = 180.0, ingest_concurrency: int = 2,
                 recover_every: float | None = None, settle_after: float = SETTLE_AFTER) -> None:
        self.journal = journal
        self.client = client
        self.poll_client = client.with_options(max_retries=0)   # backoff is ours, not the SDK's
        self.clock = clock or journal.clock
        self.list_threshold = list_threshold
        self.concurrency = concurrency
        self.adopt = adopt
        self.min_interval = min_interval
        self.max_interval = max(max_interval, min_interval)
        self._pause_until = float("-inf")   # monotonic: the whole poller waits (429, overloaded, unreachable)
        self._pause_errors = 0           # such errors in a row: any answer from the server ends the streak
        self._pause_told = False         # the pause is a server's retry-after (kept even by a forced sweep)
        self.unreachable_since: float | None = None   # wall time: no answer at all since then (None: answering)
        self._last_adopt_scan: float | None = None   # monotonic
        self._wake = asyncio.Event()       # poll now (forced: every unfinished batch, and a recovery try)
        self._recovered = asyncio.Event()  # a background recovery ended: an ordinary sweep shows what it sent
        self._ingest_sem = asyncio.Semaphore(ingest_concurrency)
        self._ingesting: dict[int, asyncio.Task[None]] = {}
        self._ingest_retry_at: dict[int, float] = {}   # monotonic
        self._ingest_failures: dict[int, int] = {}
        self._writer = SweepWriter(journal, self.min_interval, self.max_interval, adopt)
        self._schedule = Schedule(horizon=max(self.max_interval, MAX_BACKOFF, MAX_RETRY_AFTER))
        self.recover_every = recover_every if recover_every is not None else RECOVER_EVERY * self.min_interval
        self.settle_after = settle_after
        self._recovering: asyncio.Task[list[str]] | None = None
        self._last_recover = float("-inf")   # loop time of the last recovery started

    # ------------------------------------------------------------------------------------------ the loop

    def poke(self) -> None:
        """Wake the loop now and poll every unfinished batch (the TUI's refresh key)."""
        self._wake.set()

    async def run(self, on_sweep: Callable[[SweepResult], Any], *, stop_event: asyncio.Event,
                  on_ingest: Callable[[IngestReport, BatchRow | None], Any] | None = None) -> None:
        """Recover interrupted submissions, then sweep, report, start ingests, sleep; until `stop_event`."""
        early_errors = await self._recover()
        force = False
        try:
            while not stop_event.is_set():
                try:
                    result = await self.sweep(force=force)
                except Exception as exc:   # e.g. the journal stayed locked past busy_timeout: try again later
                    result = SweepResult(errors=[f"poll sweep failed: {exc}"], next_delay=self.min_interval)
                early_errors += self._recovery_errors()
                if early_errors:
                    result.errors[:0], early_errors = early_errors, []
                result.unreachable_since = self.unreachable_since
                await _maybe_await(on_sweep(result))
                try:
                    retry_in = await self._start_ingests(on_ingest)
                except Exception as exc:   # the same kind of trouble: said with the next sweep, tried again
                    early_errors, retry_in = [f"could not start results ingest: {exc}"], self.min_interval
                try:
                    recover_in = await self._maybe_recover(force)
                except Exception as exc:
                    early_errors.append(f"could not look for unsent submissions: {exc}")
                    recover_in = self.recover_every
                delay = min(result.next_delay, retry_in, recover_in)
                force = await self._sleep(max(MIN_DELAY, delay), stop_event)
        finally:
            tasks = list(self._ingesting.values()) + ([self._recovering] if self._recovering else [])
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

    async def _sleep(self, delay: float, stop_event: asyncio.Event) -> bool:
        """Sleep until the delay passes, the loop is poked (returns True), a recovery ends or it is asked to stop."""
        waiters = [asyncio.ensure_future(event.wait()) for event in (stop_event, self._wake, self._recovered)]
        try:
            await asyncio.wait(waiters, timeout=delay, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiter in waiters:
                waiter.cancel()
        poked = self._wake.is_set()
        self._wake.clear()
        self._recovered.clear()
        return poked

    async def _recover(self) -> list[str]:
        """Send or settle the submissions left unsent or unconfirmed (the submit module's `recover`): those of
        a process that died, and those this one could not get through to the server."""
        self._last_recover = asyncio.get_running_loop().time()
        try:
            await recover(self.journal, self.client, settle_after=self.settle_after)
        except Exception as exc:
            return [f"could not recover interrupted submissions yet: {describe_api_error(exc)}"]
        return []

    async def _maybe_recover(self, force: bool) -> float:
        """Start a recovery in the background (it may wait out a settle window) when submissions wait for one
        and the last try is `recover_every` seconds old, or at once when the loop was poked (poll now, a new
        submit from the TUI). Sweeps go on meanwhile. Returns the seconds until the next try is due."""
        async with self.journal.db.execute(
                "SELECT EXISTS (SELECT 1 FROM batches WHERE intent_state IN ('intent', 'sending') AND id IS NULL)"
                ) as cur:
            (waiting,) = await one_row(cur)
        if not waiting:
            return float("inf")
        if self._recovering is not None and not self._recovering.done():
            return self.recover_every
        due_in = self._last_recover + self.recover_every - asyncio.get_running_loop().time()
        if force or due_in <= 0:
            self._recovering = asyncio.create_task(self._recover())
            self._recovering.add_done_callback(lambda _: self._recovered.set())
            return self.recover_every
        return due_in

    def _recovery_errors(self) -> list[str]:
        """What the last background recovery could not do, once it has finished (said with the next sweep)."""
        task = self._recovering
        if task is None or not task.done():
            return []
        self._recovering = None
        return [] if task.cancelled() else task.result()

    # ------------------------------------------------------------------------------------------ ingest

    async def _start_ingests(self, on_ingest: Callable[[IngestReport, BatchRow | None], Any] | None) -> float:
        """Start an ingest task for every ended batch whose results are not all in; seconds to the next retry."""
        now = self.clock.monotonic()
        async with self.journal.db.execute(
            "SELECT local_id FROM batches WHERE processing_status = 'ended' AND id IS NOT NULL AND gone = 0 "
            "AND deleted_at IS NULL AND ingest_state IN ('none', 'partial') "
            "AND substr(COALESCE(ingest_error, ''), 1, ?) != ? "   # read whole before: the same again
            "ORDER BY COALESCE(created_at, 0), local_id",   # soonest server deletion (day 29) first
            (len(READ_WHOLE), READ_WHOLE)) as cur:
            wanted = [lid for (lid,) in await cur.fetchall()]
        next_retry = float("inf")
        for lid in wanted:
            if lid in self._ingesting:
                continue
            at = self._ingest_retry_at.get(lid, float("-inf"))
            if at > now:
                next_retry = min(next_retry, at - now)
                continue
            self._ingesting[lid] = asyncio.create_task(self._ingest_one(lid, on_ingest))
        return next_retry

    async def _ingest_one(self, lid: int, on_ingest: Callable[[IngestReport, BatchRow | None], Any] | None) -> None:
        try:
            async with self._ingest_sem:
                try:
                    report = await ingest(self.journal, self.client, lid)
                except Exception as exc:   # a journal problem or a bug: reported, retried later, never fatal
                    report = IngestReport(lid, error=f"ingest failed: {exc}")
                    with contextlib.suppress(Exception):   # the journal may be what failed; on_ingest still hears
                        async with self.journal.transaction() as db:
                            await db.execute("UPDATE batches SET ingest_error = ? WHERE local_id = ?",
                                             (report.error, lid))
            if report.complete or report.results_gone:
                self._ingest_failures.pop(lid, None)
                self._ingest_retry_at.pop(lid, None)
            else:
                failures = self._ingest_failures[lid] = self._ingest_failures.get(lid, 0) + 1
                self._ingest_retry_at[lid] = self.clock.monotonic() + backoff(self.min_interval, failures)
            if on_ingest is not None:
                await _maybe_await(on_ingest(report, await get_batch(self.journal, lid)))
        finally:
            self._ingesting.pop(lid, None)

    # ------------------------------------------------------------------------------------------ one sweep

    async def sweep(self, *, force: bool = False) -> SweepResult:
        """Poll the due unfinished batches (all of them with `force`), write what changed, say what changed."""
        now, mono = self.clock.now(), self.clock.monotonic()
        result = SweepResult()
        if mono < self._pause_until and force and not self._pause_told:
            self._pause_until = float("-inf")   # "poll now" overrides our own backoff, never a server's retry-after
        if mono < self._pause_until:
            if force:
                result.errors.append(f"the server asked us to wait; polling again in "
                                     f"{self._pause_until - mono:.0f} s")
            result.next_delay = self._pause_until - mono
            result.unreachable_since = self.unreachable_since
            return result
        plan = PollPlan(await self._unfinished(), now, force, lambda row: self._schedule.wait(row, now, mono))
        scan = self.adopt and (self._last_adopt_scan is None or mono - self._last_adopt_scan >= ADOPT_EVERY)
        if len(plan.due) >= self.list_threshold:
            await self._read_pages(plan, result, until_all_seen=True)
        elif scan:
            await self._read_pages(plan, result, until_all_seen=False)
        if not plan.failed_all:
            await self._retrieve(plan, result)
        await self._write(plan, result, now, mono)
        result.next_delay = await self._next_delay(now, mono)
        result.unreachable_since = self.unreachable_since
        return result

    async def _unfinished(self, columns: str = _PLAN_COLUMNS) -> list[Any]:
        async with self.journal.db.execute(
            f"SELECT {columns} FROM batches WHERE id IS NOT NULL AND gone = 0 AND deleted_at IS NULL "
            "AND (processing_status IN ('in_progress', 'canceling') OR processing_status IS NULL)") as cur:
            return list(await cur.fetchall())

    async def _read_pages(self, plan: PollPlan, result: SweepResult, *, until_all_seen: bool) -> None:
        """List pages, newest first: every batch seen updates its row or becomes an adoption candidate."""
        after: str | None = None
        for _ in range(MAX_LIST_PAGES if until_all_seen else 1):
            try:
                result.http_requests += 1
                kwargs = {"limit": LIST_PAGE, **({"after_id": after} if after else {})}
                page = await self.poll_client.messages.batches.list(**kwargs)
            except Exception as exc:
                self._note_error(exc, result, "list batches")
                self._last_adopt_scan = self.clock.monotonic()   # the next adoption scan waits its turn too
                if until_all_seen:
                    plan.fail_all(describe_api_error(exc), self._retry_at(exc))
                return
            self._last_adopt_scan = self.clock.monotonic()
            self._answered()
            for batch in page.data:
                why = _unreadable(batch)
                if why is None:
                    plan.saw(batch)
                else:
                    result.errors.append(f"list batches: {why}")
            if not page.has_more or not page.data or not plan.unseen_due():
                return
            if plan.older_than_all_unseen(page.data[-1]):
                return   # the rest are gone from the list (deleted?): `retrieve` settles them
            after = page.last_id

    async def _retrieve(self, plan: PollPlan, result: SweepResult) -> None:
        sem = asyncio.Semaphore(self.concurrency)

        async def one(row: Any) -> None:
            async with sem:
                if self.clock.monotonic() < self._pause_until:
                    return   # a 429 elsewhere in this sweep: leave it due, the pause decides
                result.http_requests += 1
                try:
                    batch = await self.poll_client.messages.batches.retrieve(row["id"])
                except Exception as exc:
                    status = getattr(exc, "status_code", None)
                    if status == 404:
                        self._answered()
                        plan.gone(row)
                        return
                    self._note_error(exc, result, f"batch {row['id']}")
                    plan.fail(row, describe_api_error(exc), self._retry_at(exc))
                    return
                self._answered()
                why = _unreadable(batch)
                if why is not None:
                    result.errors.append(f"batch {row['id']}: {why}")
                    plan.fail(row, why, None)
                    return
                plan.saw(batch)

        await asyncio.gather(*(one(row) for row in plan.unseen_due()))

    def _answered(self) -> None:
        """The server answered (whatever it said): a streak of pauses and an outage end."""
        self._pause_errors = 0
        self.unreachable_since = None

    def ingest_retry_in(self, local_id: int) -> float | None:
        """Seconds until a failed results download of this batch is tried again (None: no retry waits)."""
        at = self._ingest_retry_at.get(local_id)
        return None if at is None else max(0.0, at - self.clock.monotonic())

    def _note_error(self, exc: BaseException, result: SweepResult, what: str) -> None:
        result.errors.append(f"{what}: {describe_api_error(exc)}")
        status = getattr(exc, "status_code", None)
        if status is None and self.unreachable_since is None:   # no answer at all: an outage starts
            self.unreachable_since = self.clock.now()
        elif status is not None:
            self.unreachable_since = None
        if status in (429, 503, 529) or status is None:   # rate limit, overload, or no answer at all
            self._pause_errors += 1
            told = retry_after_seconds(exc)
            wait = told if told is not None else backoff(self.min_interval, self._pause_errors)
            until = self.clock.monotonic() + wait
            if until > self._pause_until:
                self._pause_until, self._pause_told = until, told is not None

    def _retry_at(self, exc: BaseException) -> float | None:
        """The wall time a batch's retry-after ends (written to the journal as its next_poll_at)."""
        after = retry_after_seconds(exc)
        return self.clock.now() + after if after else None

    async def _write(self, plan: PollPlan, result: SweepResult, now: float, mono: float) -> None:
        changed_ids, ended_ids, adopted_ids, scheduled = await self._writer.write(plan, now)
        for batch_id, next_at in scheduled.items():
            self._schedule.wrote(batch_id, next_at, now, mono)
        rows = {row.local_id: row for row in await get_batches(self.journal, changed_ids + adopted_ids)}
        result.changed = [rows[i] for i in changed_ids if i in rows]
        result.ended = [rows[i] for i in ended_ids if i in rows]
        result.adopted = [rows[i] for i in adopted_ids if i in rows]

    async def _next_delay(self, now: float, mono: float) -> float:
        rows = await self._unfinished("id, next_poll_at")
        delay = min((self._schedule.wait(row, now, mono) for row in rows), default=self.max_interval)
        if self.adopt and self._last_adopt_scan is not None:
            delay = min(delay, self._last_adopt_scan + ADOPT_EVERY - mono)
        delay = max(delay, self._pause_until - mono)
        return max(MIN_DELAY, min(delay, self.max_interval))


async def _maybe_await(value: Any) -> None:
    if inspect.isawaitable(value):
        await value
