"""Submit a plan, journal first, so no batch id is ever lost and no batch is created twice.

1. One transaction records the job, one *intent* row per chunk and every request's params; it commits
   before anything is sent. The job is locked (an flock on a file beside the journal, released by the
   kernel if the process dies) so `recover()` in another process knows whether its owner is alive.
2. Each intent is claimed (`intent` -> `sending`, with the send time) and committed just before its
   create goes out with `max_retries=0`. The body is built from the journal, so a recovering process can
   send an intent without the original file.
3. 200: the id and server fields fill the row (`created`). 429: nothing was created; back to `intent`,
   wait as told, send again. Another 4xx: `failed`, with the reason. Anything else (a timeout, a lost
   connection, 408/409, 5xx) is *ambiguous*: it is settled by listing recent batches and matching the
   intent (request count, created within the send window, not claimed by another row). Found: adopted.
   Not found once the settle window has passed: back to `intent` and sent again (a few times at most,
   then `failed`).
   No connection could be made (refused, unreachable, connect timeout): nothing was sent, so the row goes
   back to `intent` at once, with why in `intent_error`, for the next `recover()` to send. A server that
   stops answering while settling: the row stays `sending` and the next `recover()` settles it.

Matching a batch to its intent, and why creates of equal chunks can overlap:
- The list of batches is all there is to settle with. A MessageBatch carries no metadata and no custom_ids;
  its results (which name every custom_id) exist only once it has ended, hours later. So an ambiguous create
  is matched by what the list does show: the request count, and `created_at` within the send window.
- The window is on the server's clock. Every list answer's `date` header measures the server's clock against
  ours (to the second), and the window [sent - SKEW, now + SKEW] is moved by that offset, so a server clock
  minutes off does not hide our batch (then resent: a duplicate). Only if nothing matches there is the window
  read on our own clock with the wide UNMEASURED_SKEW: our clock may have been stepped since the send (the
  offset measured now is not the one of then), or the answer had no `date` header.
- Two creates of the same count whose outcomes were both lost could not be told apart. So among the creates of
  one process, a create of count N goes out only once every earlier create of count N is *identified*: its
  answer came, it was settled, or the list already shows an unclaimed count-N batch made since it was sent
  (the server makes a batch as soon as it has read the body; the answer can come much later). While a create
  of count N is in flight and another of count N waits, the list is read every EARLY_LOOK seconds (backing
  off) to spot it; that batch is reserved for it (in memory: no other row may take it) and the next create of
  count N goes out, overlapping the answers. If the answer is then lost, the reserved batch is the one.
  Chunks of different counts never wait on each other. At most PARALLEL_CREATES creates are in flight.
  What overlaps is the wait after the server made a batch (its answer, seconds at times); the bodies of
  same-count creates still go up one after another, as a batch only shows once its body is read.
- Not chosen: chunks of one job made to differ in size by construction (300, 299, 298, ... for
  --max-per-batch 300) would change the split the user asked for and shown before sending, and would not
  separate two jobs of the same size sent at once; a fingerprint of custom_ids cannot be read before the
  batch ends (results), nor counts per custom_id (`request_counts` are totals).
- After a kill, `recover()` settles a job's `sending` rows of one count in the order they were sent, each
  taking the oldest unclaimed match in its window: the order the server made them in, since a create of count
  N was only sent once the one before had been seen.
- Not covered: another process creating a batch of the same count within the window at the same moment
  (another submit of a same-size chunk on the same account): the list cannot tell the two apart.
"""

from __future__ import annotations

import asyncio
import math
import os
import sqlite3
import weakref
from collections import Counter, defaultdict
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from tui.core.api.errors import describe_api_error
from tui.core.clock import parse_ts, server_date
from tui.core.journal.connection import Journal, JournalError, one_row
from tui.core.journal.search import index_requests
from tui.core.models import BatchRow
from tui.core.submit.check import Plan, PlanError, plan, plan_from_requests
from tui.core.journal.batches import apply_server_state, get_batch

__all__ = ["AlreadySubmitted", "Plan", "PlanError", "find_submitted", "plan", "plan_from_requests",
           "record_intents", "recover", "submit"]

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: no liveness check, recover() trusts the caller
    fcntl = None  # type: ignore[assignment]

CREATE_PATH = "/v1/messages/batches"
PARALLEL_CREATES = 8
SETTLE_AFTER = 20.0          # seconds an ambiguous create may still take to appear in the list
SETTLE_POLL = 1.0            # seconds between list calls while settling
SKEW = 10.0                  # tolerance around the send window on the server's clock, measured (`date`)
UNMEASURED_SKEW = 120.0      # the same when the server's answer had no readable `date` header
EARLY_LOOK = (0.05, 1.0)     # first and longest wait between list calls looking for a create in flight
MAX_SEND_SECONDS = 3600.0    # a create older than its send time by more than this is not ours
MAX_SENDS = 3                # fresh sends of one intent after it was settled as not created
MAX_RATE_LIMITED = 8         # 429 answers accepted per intent before giving up
MAX_RETRY_AFTER = 60.0
_REQUEST_ROWS_PER_CALL = 5_000


class AlreadySubmitted(Exception):
    """The same content was submitted before; pass again=True to send it once more."""

    def __init__(self, source: str, job_id: int, job_name: str) -> None:
        super().__init__(f"{source} was already submitted (job #{job_id} {job_name!r}); "
                         "use --again to submit it once more")
        self.job_id = job_id


async def find_submitted(journal: Journal, sha256: str) -> tuple[int, str] | None:
    """The first job with this content hash, as (job id, name), or None: what makes a submit need `again`."""
    async with journal.db.execute("SELECT id, name FROM jobs WHERE source_sha256 = ? ORDER BY id LIMIT 1",
                                  (sha256,)) as cur:
        row = await cur.fetchone()
    return (row["id"], row["name"]) if row else None


class JobLock:
    """An exclusive flock on `<journal>.job-<id>.lock`: held while a process sends the job's intents."""

    def __init__(self, journal_path: Path, job_id: int) -> None:
        self.path = journal_path.with_name(f"{journal_path.name}.job-{job_id}.lock")
        self._fd: int | None = None

    def try_acquire(self) -> bool:
        fd = os.open(self.path, os.O_CREAT | os.O_RDWR, 0o600)
        if fcntl is not None:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                return False
        self._fd = fd
        return True

    def release(self) -> None:
        if self._fd is None:
            return
        try:
            os.unlink(self.path)
        except OSError:
            pass
        os.close(self._fd)  # closing drops the flock
        self._fd = None


# -- 1. the intents ------------------------------------------------------------------------------------------------
async def record_intents(journal: Journal, plan: Plan, *, label: str | None = None, again: bool = False,
                         parent_id: str | None = None, job_name: str | None = None) -> tuple[list[int], JobLock]:
    """Commit the job, its intent rows and all request params; return the rows' local ids and the held lock."""
    if not plan.ok:
        raise PlanError("\n".join(plan.error_lines()) or f"{plan.source}: nothing to submit")
    # never send batches whose ids would go into a damaged journal: they could be lost with it
    await journal.ensure_sound("so nothing was sent")
    now = journal.clock.now()
    lock: JobLock | None = None
    try:
        async with journal.transaction() as db:
            if not again:
                async with db.execute("SELECT id, name FROM jobs WHERE source_sha256 = ? ORDER BY id LIMIT 1",
                                      (plan.sha256,)) as cur:
                    seen = await cur.fetchone()
                if seen:
                    raise AlreadySubmitted(plan.source, seen["id"], seen["name"])
            name = job_name or label or os.path.basename(plan.source) or plan.source
            cur = await db.execute(
                "INSERT INTO jobs(name, source_path, source_sha256, request_count, created_at) VALUES (?,?,?,?,?)",
                (name, str(plan.path) if plan.path else None, plan.sha256, plan.request_count, now))
            job_id = cur.lastrowid
            assert job_id is not None   # set by the INSERT
            lock = JobLock(journal.path, job_id)
            if not lock.try_acquire():
                raise RuntimeError(f"job lock {lock.path} is held by another process")
            local_ids: list[int] = []
            for chunk in plan.chunks:
                cur = await db.execute(
                    "INSERT INTO batches(job_id, chunk_index, parent_id, label, intent_state,"
                    " intent_request_count, intent_bytes) VALUES (?,?,?,?, 'intent', ?,?)",
                    (job_id, chunk.index, parent_id, label, chunk.request_count, chunk.bytes))
                assert cur.lastrowid is not None   # set by the INSERT
                local_ids.append(cur.lastrowid)
            rows: list[tuple[int, str, bytes]] = []
            for chunk_index, custom_id, params in plan.iter_requests():
                rows.append((local_ids[chunk_index], custom_id, params))
                if len(rows) >= _REQUEST_ROWS_PER_CALL:
                    await db.executemany("INSERT INTO requests(batch_local_id, custom_id, params) VALUES (?,?,?)",
                                         rows)
                    rows.clear()
            await db.executemany("INSERT INTO requests(batch_local_id, custom_id, params) VALUES (?,?,?)", rows)
            await index_requests(db, local_ids)   # the words `/` searches, in the same transaction
            await journal.record_event("intent", job_id=job_id, detail={
                "source": plan.source, "requests": plan.request_count, "batches": len(plan.chunks),
                "bytes": plan.total_bytes, "parent_id": parent_id})
    except BaseException as exc:
        if lock is not None:
            lock.release()
        if isinstance(exc, JournalError):   # a full disk, an I/O error: the intents were rolled back
            raise JournalError(f"{exc} (nothing was sent)", exc.kind) from exc
        raise
    return local_ids, lock


def _sweep_stale_locks(journal_path: Path, keep: set[int]) -> None:
    """Remove the lock files that processes killed after finishing their sends left behind."""
    for path in journal_path.parent.glob(f"{journal_path.name}.job-*.lock"):
        try:
            job_id = int(path.name.rsplit("-", 1)[1].removesuffix(".lock"))
        except ValueError:
            continue
        lock = JobLock(journal_path, job_id)
        if job_id not in keep and lock.try_acquire():
            lock.release()


# -- 2./3. sending and settling ------------------------------------------------------------------------------------
async def submit(journal: Journal, client: Any, plan: Plan, *, label: str | None = None, again: bool = False,
                 parent_id: str | None = None, job_name: str | None = None,
                 settle_after: float = SETTLE_AFTER, create_timeout: float | None = None) -> list[BatchRow]:
    """Record the plan's intents, then create its batches. Returns one row per chunk, in chunk order:
    `created` (with id), `failed` (with intent_error) or, when the server could not be reached to settle
    an ambiguous create, still `sending` (the next `recover()` settles it). `create_timeout` overrides the
    client's timeout for the creates only (large bodies on a slow link)."""
    local_ids, lock = await record_intents(journal, plan, label=label, again=again, parent_id=parent_id,
                                           job_name=job_name)
    try:
        await _Sender(journal, client, settle_after, create_timeout).run(local_ids)
    finally:
        lock.release()
    return [row for lid in local_ids if (row := await get_batch(journal, lid)) is not None]


async def recover(journal: Journal, client: Any, *, settle_after: float = SETTLE_AFTER) -> list[BatchRow]:
    """Finish the intents a dead process left behind (`intent`: send; `sending`: settle, then send if it
    was not created). Jobs whose submitting process is alive are left alone. Returns the rows touched."""
    async with journal.db.execute(
            "SELECT DISTINCT job_id FROM batches WHERE intent_state IN ('intent','sending') AND job_id IS NOT NULL"
            " ORDER BY job_id") as cur:
        job_ids = [r[0] for r in await cur.fetchall()]
    _sweep_stale_locks(journal.path, set(job_ids))
    touched: list[int] = []
    for job_id in job_ids:
        lock = JobLock(journal.path, job_id)
        if not lock.try_acquire():
            continue
        try:
            async with journal.db.execute(   # rows in flight first, in the order they were sent (see the top)
                    "SELECT local_id FROM batches WHERE job_id = ? AND intent_state IN ('intent','sending')"
                    " ORDER BY intent_state != 'sending', intent_sent_at, local_id", (job_id,)) as cur:
                local_ids = [r[0] for r in await cur.fetchall()]
            if local_ids:
                await journal.record_event("recover", job_id=job_id, detail={"batches": len(local_ids)})
                await _Sender(journal, client, settle_after).run(local_ids)
                touched.extend(local_ids)
        finally:
            lock.release()
    return [row for lid in touched if (row := await get_batch(journal, lid)) is not None]


class _InFlight:
    """What the creates of one process (one event loop) share, across jobs: one gate per request count (a
    create of count N waits until the one before it is identified) and the batches spotted in the list for
    creates still in flight (batch id -> row), which no other row may take."""

    def __init__(self) -> None:
        self.gates: defaultdict[int, asyncio.Lock] = defaultdict(asyncio.Lock)
        self.waiting: Counter[int] = Counter()
        self.reserved: dict[str, tuple[int, Any]] = {}


_IN_FLIGHT: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _InFlight] = weakref.WeakKeyDictionary()


def _in_flight() -> _InFlight:
    loop = asyncio.get_running_loop()
    shared = _IN_FLIGHT.get(loop)
    if shared is None:
        shared = _IN_FLIGHT[loop] = _InFlight()
    return shared


class _Gate:
    """The gate of one count, held by one create until it is identified; released once."""

    def __init__(self, lock: asyncio.Lock, *, held: bool) -> None:
        self.lock, self.held = lock, held

    def release(self) -> None:
        if self.held:
            self.held = False
            self.lock.release()


class _Sender:
    def __init__(self, journal: Journal, client: Any, settle_after: float,
                 create_timeout: float | None = None) -> None:
        self.journal, self.client, self.settle_after = journal, client, settle_after
        options: dict[str, Any] = {"max_retries": 0}
        if create_timeout is not None:
            options["timeout"] = create_timeout
        self.creator = client.with_options(**options)
        self.slots = asyncio.Semaphore(PARALLEL_CREATES)
        self.shared = _in_flight()

    async def run(self, local_ids: Iterable[int]) -> None:
        """Send every intent; only when all are done (the job lock must outlive every send) re-raise a failure."""
        local_ids = list(local_ids)
        counts = {}
        for lid in local_ids:   # read before any task starts, so the gates are queued for in this order
            counts[lid] = (await self._row(lid))["intent_request_count"]
        outcomes = await asyncio.gather(*(self._one(lid, counts[lid]) for lid in local_ids), return_exceptions=True)
        for outcome in outcomes:
            if isinstance(outcome, BaseException):
                raise outcome

    async def _row(self, local_id: int) -> sqlite3.Row:
        async with self.journal.db.execute(
                "SELECT local_id, intent_state, intent_request_count, intent_sent_at FROM batches"
                " WHERE local_id = ?", (local_id,)) as cur:
            return await one_row(cur)

    async def _one(self, local_id: int, count: int) -> None:
        # a slot first, then the gate: whoever holds a gate holds a slot, so it can always go on
        async with self.slots:
            gate = _Gate(self.shared.gates[count], held=False)
            try:
                await self._hold(count, gate)
                await self._send(local_id, count, gate)
            finally:
                gate.release()
                self._forget(local_id)

    async def _hold(self, count: int, gate: _Gate) -> None:
        """Take the gate of `count` (again, for a create sent once more after it let the next one go)."""
        if gate.held:
            return
        self.shared.waiting[count] += 1
        try:
            await gate.lock.acquire()
        finally:
            self.shared.waiting[count] -= 1
        gate.held = True

    def _forget(self, local_id: int) -> None:
        for batch_id in [b for b, (lid, _) in self.shared.reserved.items() if lid == local_id]:
            del self.shared.reserved[batch_id]

    async def _send(self, local_id: int, count: int, gate: _Gate) -> None:
        row = await self._row(local_id)
        if row["intent_state"] == "sending":
            outcome = await self._settle(row, row["intent_sent_at"], "a previous run was interrupted")
            if outcome != "absent":
                return
        sends = rate_limited = 0
        last_error = ""
        while True:
            self._forget(local_id)       # a batch spotted for an earlier send that was not made was not ours
            await self._hold(count, gate)
            if not await self._set_state(local_id, "intent", "sending", sent=True):
                return  # someone else holds it
            sent_at = self.journal.clock.now()
            body = await self._body(local_id)
            try:
                batch = await self._create(local_id, count, sent_at, body, gate)
            except Exception as exc:  # noqa: BLE001 - every failure is classified below, none is swallowed
                kind = _classify(exc)
                last_error = describe_api_error(exc)
                spotted = self._spotted(local_id)
                if kind == "ambiguous" and spotted is not None:   # its batch was seen in the list meanwhile
                    if await self._created(local_id, spotted, how="seen in the list while its answer was on the way"):
                        return
                if kind == "rate_limited" and rate_limited < MAX_RATE_LIMITED:
                    rate_limited += 1
                    await self._set_state(local_id, "sending", "intent")
                    await asyncio.sleep(_retry_after(exc))
                    continue
                if kind == "unreachable":   # nothing reached the server: the next recover() sends it
                    await self._unsent(local_id, f"not sent yet: {last_error}")
                    return
                if kind != "ambiguous":
                    await self._fail(local_id, last_error)
                    return
                outcome = await self._settle(await self._row(local_id), sent_at, last_error)
                if outcome != "absent":
                    return
                sends += 1
                if sends >= MAX_SENDS:
                    await self._fail(local_id, f"not created after {sends} attempts: {last_error}")
                    return
                continue
            await self._created(local_id, batch, how="created")
            return

    async def _create(self, local_id: int, count: int, sent_at: float, body: bytes, gate: _Gate) -> Any:
        """The create's answer. Meanwhile, while another create of the same count waits for the gate, look
        for this one's batch in the list: once it is there, reserve it and open the gate."""
        post = asyncio.ensure_future(self.creator.post(CREATE_PATH, cast_to=_message_batch_type(), content=body))
        pause, longest = EARLY_LOOK
        try:
            while True:
                await asyncio.wait({post}, timeout=pause)
                if post.done():
                    break
                pause = min(pause * 2, longest)
                if not gate.held or not self.shared.waiting[count]:
                    continue
                try:
                    match = await self._find(local_id, count, sent_at)
                except Exception:  # noqa: BLE001 - the list could not be read now: the answer will tell
                    continue
                if match is not None and gate.held:
                    self.shared.reserved[match.id] = (local_id, match)
                    gate.release()
            return post.result()
        finally:
            if not post.done():
                post.cancel()

    def _spotted(self, local_id: int) -> Any | None:
        return next((batch for lid, batch in self.shared.reserved.values() if lid == local_id), None)

    async def _body(self, local_id: int) -> bytes:
        parts = []
        async with self.journal.db.execute(
                "SELECT custom_id, params FROM requests WHERE batch_local_id = ?", (local_id,)) as cur:
            async for custom_id, params in cur:
                parts.append(b'{"custom_id":"' + custom_id.encode() + b'","params":' + params + b"}")
        return b'{"requests":[' + b",".join(parts) + b"]}"

    async def _set_state(self, local_id: int, old: str, new: str, *, sent: bool = False) -> bool:
        async with self.journal.transaction() as db:
            cur = await db.execute(
                "UPDATE batches SET intent_state = ?, intent_sent_at = CASE WHEN ? THEN ? ELSE intent_sent_at END,"
                " intent_error = CASE WHEN ? THEN NULL ELSE intent_error END"   # a new try: the last one's error goes
                " WHERE local_id = ? AND intent_state = ? AND id IS NULL",
                (new, sent, self.journal.clock.now(), sent, local_id, old))
            return cur.rowcount == 1

    async def _unsent(self, local_id: int, reason: str) -> None:
        async with self.journal.transaction() as db:
            await db.execute("UPDATE batches SET intent_state = 'intent', intent_error = ? WHERE local_id = ?"
                             " AND intent_state = 'sending' AND id IS NULL", (reason, local_id))

    async def _fail(self, local_id: int, reason: str) -> None:
        async with self.journal.transaction() as db:
            await db.execute("UPDATE batches SET intent_state = 'failed', intent_error = ? WHERE local_id = ?"
                             " AND id IS NULL", (reason, local_id))
            await self.journal.record_event("submit_failed", batch_local_id=local_id, detail={"error": reason})

    async def _created(self, local_id: int, batch: Any, *, how: str) -> bool:
        """Fill the intent with the server's batch. False if that id already belongs to another row."""
        try:
            async with self.journal.transaction() as db:
                await db.execute("UPDATE batches SET id = ?, intent_state = 'created', intent_error = NULL"
                                 " WHERE local_id = ?", (batch.id, local_id))
                try:
                    await apply_server_state(self.journal, local_id, batch)
                except (TypeError, ValueError, AttributeError):
                    pass   # fields a misbehaving server garbled: the id is what counts; the poller reports them
                await self.journal.record_event("submitted", batch_local_id=local_id,
                                                detail={"id": batch.id, "how": how})
        except sqlite3.IntegrityError:
            return False
        return True

    async def _settle(self, row: sqlite3.Row, sent_at: float | None, reason: str) -> str:
        """Did an ambiguous create make a batch? 'created' (adopted), 'absent' (row back to `intent`) or
        'unknown' (the list could not be read; the row stays `sending`)."""
        local_id, count = row["local_id"], row["intent_request_count"]
        sent_at = sent_at if sent_at is not None else self.journal.clock.now()
        loop = asyncio.get_running_loop()
        # never longer than the settle window: a send time ahead of now is a wall clock stepped back since
        wait = min(self.settle_after, max(0.0, sent_at + self.settle_after - self.journal.clock.now()))
        deadline = loop.time() + wait
        while True:
            try:
                match = await self._find(local_id, count, sent_at)
                listed = True
            except Exception as exc:  # noqa: BLE001 - an unreachable server leaves the row for recover()
                match, listed, reason = None, False, describe_api_error(exc)
            if match is not None and await self._created(local_id, match, how="matched by listing"):
                return "created"
            remaining = deadline - loop.time()
            if remaining <= 0 and match is None:
                break
            await asyncio.sleep(min(SETTLE_POLL, max(remaining, 0.05)))
        if not listed:
            async with self.journal.transaction() as db:
                await db.execute("UPDATE batches SET intent_error = ? WHERE local_id = ?",
                                 (f"not confirmed yet: {reason}", local_id))
            return "unknown"
        await self._set_state(local_id, "sending", "intent")
        return "absent"

    async def _find(self, local_id: int, count: int, sent_at: float) -> Any | None:
        """The oldest batch with `count` requests created in the send window, not claimed by another row (in
        the journal, or spotted for another create in flight). The window is read on the server's clock as
        measured now; if nothing matches there, on our own clock with the wide tolerance, as if the server's
        clock agreed with ours when the create went out (ours may have been stepped since: an offset
        measured now says nothing of then)."""
        raw = await self.client.messages.batches.with_raw_response.list(limit=100)
        now = self.journal.clock.now()
        date = raw.headers.get("date")
        self.journal.clock.observe_server_date(date)
        server_at = server_date(date)
        # a now before the send time is a wall clock set back since: the window still covers the send itself
        last = min(max(now, sent_at), sent_at + MAX_SEND_SECONDS)
        windows = [(sent_at - UNMEASURED_SKEW, last + UNMEASURED_SKEW)]
        if server_at is not None:   # the header has whole seconds
            offset = server_at + 0.5 - now
            windows.insert(0, (sent_at + offset - SKEW, last + offset + SKEW))
        oldest = min(start for start, _ in windows)
        found: list[Any | None] = [None] * len(windows)
        async for batch in await raw.parse():
            try:
                created = parse_ts(batch.created_at)
                counts = batch.request_counts
                total = counts.processing + counts.succeeded + counts.errored + counts.canceled + counts.expired
            except (TypeError, ValueError, AttributeError):
                continue   # a batch whose fields cannot be read cannot be matched to an intent
            if created is None:
                continue
            if created < oldest:
                break
            if total != count:
                continue
            inside = [i for i, (start, end) in enumerate(windows) if start <= created <= end]
            if inside and not await self._claimed(batch.id, local_id):
                for i in inside:
                    found[i] = batch  # keep going: the list is newest first, the oldest match is ours
        return next((batch for batch in found if batch is not None), None)

    async def _claimed(self, batch_id: str, local_id: int) -> bool:
        spotted = self.shared.reserved.get(batch_id)
        if spotted is not None and spotted[0] != local_id:
            return True
        async with self.journal.db.execute("SELECT 1 FROM batches WHERE id = ?", (batch_id,)) as cur:
            return await cur.fetchone() is not None


def _message_batch_type() -> type:
    from anthropic.types.messages import MessageBatch

    return MessageBatch


def _classify(exc: BaseException) -> str:
    """'rate_limited' (not created, wait), 'refused' (a 4xx: not created), 'unreachable' (no connection was
    made, so nothing was sent) or 'ambiguous' (maybe created)."""
    import anthropic
    import httpx2

    if isinstance(exc, anthropic.APIStatusError):
        if exc.status_code == 429:
            return "rate_limited"
        if exc.status_code >= 500 or exc.status_code in (408, 409):
            return "ambiguous"
        return "refused"
    cause: BaseException | None = exc
    while cause is not None:
        if isinstance(cause, (httpx2.ConnectError, httpx2.ConnectTimeout)):
            return "unreachable"
        cause = cause.__cause__
    return "ambiguous"   # read timeouts, lost connections, an answer that did not parse: it may exist


def _retry_after(exc: Any) -> float:
    headers = getattr(getattr(exc, "response", None), "headers", None) or {}
    for name, scale in (("retry-after-ms", 1000.0), ("retry-after", 1.0)):
        try:
            seconds = float(headers[name]) / scale
        except (KeyError, TypeError, ValueError):
            continue
        if math.isfinite(seconds):   # NaN would make asyncio.sleep wait forever
            return min(max(seconds, 0.0), MAX_RETRY_AFTER)
    return 5.0
