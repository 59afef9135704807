"""When things happen to a batch: expiry (24 h after creation), deletion of its results on the server
(29 days after creation), and where its results live now. Pure functions of a `BatchRow` and a time, plus
the once-per-batch expiry warning, recorded in the journal. (The poller ingests ended batches soonest
deletion first, so results are in the journal before the server deletes them.)
"""

from __future__ import annotations

from dataclasses import dataclass

from tui.core.journal.connection import Journal
from tui.core.models import BatchRow
from tui.core.words import batch_name, duration, plural
from tui.core.journal.batches import list_batches

HOUR = 3600.0
DAY = 24 * HOUR
EXPIRES_AFTER = DAY                 # the API expires unfinished requests 24 h after creation
RETENTION = 29 * DAY                # results are kept 29 days from creation
WARN_BEFORE = 6 * HOUR              # countdown level "warn" in the last 6 hours
DANGER_BEFORE = HOUR                # level "danger" (and the notification) in the last hour
EXPIRY_WARNED = "expiry_warned"     # event kind: the near-expiry notification was given for this batch

# where an ended batch's results are
ON_SERVER = "server"                # not (fully) in the journal yet, still downloadable
BOTH = "server+local"               # in the journal and still on the server
LOCAL_ONLY = "local only"           # in the journal; the server has deleted (or will no longer serve) them
LOST = "lost"                       # never (fully) ingested and no longer on the server


@dataclass(frozen=True, slots=True)
class Countdown:
    seconds: float                  # until the moment; <= 0 when it has passed
    level: str                      # ok | warn | danger | passed
    text: str                       # "23h59m", "5m03s" (`words.duration`), "expiring"


def expires_at(batch: BatchRow) -> float | None:
    if batch.expires_at is not None:
        return batch.expires_at
    return batch.created_at + EXPIRES_AFTER if batch.created_at is not None else None


def deletion_at(batch: BatchRow) -> float | None:
    """When the server deletes the batch's results (29 days after creation)."""
    return batch.created_at + RETENTION if batch.created_at is not None else None


def expiry_countdown(batch: BatchRow, now: float) -> Countdown | None:
    """Time until an unfinished batch expires, with its level; None for ended (or not yet created) batches."""
    at = expires_at(batch)
    if not batch.unfinished or at is None:
        return None
    left = at - now
    if left <= 0:
        return Countdown(left, "passed", "expiring")   # the server has yet to move it to ended
    level = "danger" if left <= DANGER_BEFORE else "warn" if left <= WARN_BEFORE else "ok"
    return Countdown(left, level, duration(left))


def retention_countdown(batch: BatchRow, now: float) -> Countdown | None:
    """Time until the server deletes the results; None before the batch exists on the server."""
    at = deletion_at(batch)
    if at is None:
        return None
    left = at - now
    if left <= 0 or batch.archived_at is not None:
        return Countdown(min(left, 0.0), "passed", "deleted on server")
    level = "danger" if left <= DAY else "warn" if left <= 3 * DAY else "ok"
    return Countdown(left, level, duration(left))


def _server_has_results(batch: BatchRow, now: float) -> bool:
    at = deletion_at(batch)
    return not (batch.gone or batch.deleted_at is not None or batch.archived_at is not None
                or (at is not None and now >= at))


def results_location(batch: BatchRow, now: float) -> str | None:
    """Where an ended batch's results are (ON_SERVER, BOTH, LOCAL_ONLY, LOST); None while unfinished."""
    if batch.processing_status != "ended":
        return None
    on_server = _server_has_results(batch, now) and batch.ingest_state != "unavailable"
    if batch.ingest_state == "complete":
        return BOTH if on_server else LOCAL_ONLY
    return ON_SERVER if on_server else LOST


def near_expiry(batch: BatchRow, now: float) -> bool:
    """Within an hour of expiry with requests still processing."""
    at = expires_at(batch)
    return (batch.unfinished and at is not None and at - now <= DANGER_BEFORE
            and batch.counts.processing > 0)


async def take_expiry_warnings(journal: Journal, now: float | None = None) -> list[BatchRow]:
    """Batches that need the near-expiry notification now. Each batch is returned once, ever: an
    `expiry_warned` event is recorded in the same transaction, so a restart (or a second process) does not
    repeat it."""
    now = journal.clock.now() if now is None else now
    candidates = [b for b in await list_batches(journal, unfinished_only=True) if near_expiry(b, now)]
    if not candidates:
        return []
    fresh: list[BatchRow] = []
    async with journal.transaction() as db:
        ids = [b.local_id for b in candidates]
        marks = ",".join("?" * len(ids))
        async with db.execute(f"SELECT DISTINCT batch_local_id FROM events WHERE kind = ? "
                              f"AND batch_local_id IN ({marks})", (EXPIRY_WARNED, *ids)) as cur:
            warned = {row[0] for row in await cur.fetchall()}
        for batch in candidates:
            if batch.local_id in warned:
                continue
            left = (expires_at(batch) or now) - now
            await journal.record_event(EXPIRY_WARNED, batch_local_id=batch.local_id, job_id=batch.job_id,
                                       detail={"seconds_left": round(left), "processing": batch.counts.processing})
            fresh.append(batch)
    return fresh


def expiry_notice(batch: BatchRow, now: float) -> str:
    """The near-expiry notification, as plain text (TUI: `notify(..., markup=False)`; CLI: stderr)."""
    left = duration((expires_at(batch) or now) - now)
    name = batch_name(batch)
    return (f"{name} expires in {left} with {plural(batch.counts.processing, 'request')} still processing; "
            "unfinished requests will come back as expired.")
