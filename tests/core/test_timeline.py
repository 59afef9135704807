"""Countdowns at fixed clock values, retention and where results live, the once-only expiry warning."""

from __future__ import annotations

import pytest

from tui.core.timing import deadlines as tl
from tui.core.clock import FixedClock
from tui.core.journal.connection import Journal
from tui.core.models import BatchRow, RequestCounts

T0 = 1_800_000_000.0   # a fixed creation time


def row(status: str = "in_progress", created: float | None = T0, **kw) -> BatchRow:
    counts = kw.pop("counts", RequestCounts(processing=10) if status != "ended" else RequestCounts(succeeded=10))
    return BatchRow(local_id=kw.pop("local_id", 1), id=kw.pop("id", "msgbatch_1"), processing_status=status,
                    counts=counts, created_at=created,
                    expires_at=created + tl.DAY if created is not None else None, **kw)


@pytest.mark.parametrize(("elapsed", "level", "text"), [
    (0, "ok", "24h00m"),
    (60, "ok", "23h59m"),
    (tl.DAY - 6 * 3600, "warn", "6h00m"),
    (tl.DAY - 6 * 3600 - 1, "ok", "6h00m"),
    (tl.DAY - 3600, "danger", "1h00m"),
    (tl.DAY - 3599, "danger", "59m"),
    (tl.DAY - 42, "danger", "42s"),
    (tl.DAY, "passed", "expiring"),
])
def test_expiry_countdown_levels(elapsed: float, level: str, text: str) -> None:
    c = tl.expiry_countdown(row(), T0 + elapsed)
    assert c is not None and (c.level, c.text) == (level, text)


def test_no_expiry_countdown_for_ended_or_intent_batches() -> None:
    assert tl.expiry_countdown(row("ended"), T0) is None
    assert tl.expiry_countdown(row(created=None), T0) is None


def test_retention_countdown() -> None:
    b = row("ended")
    assert tl.retention_countdown(b, T0).text == "29d0h"
    assert tl.retention_countdown(b, T0 + 27 * tl.DAY).level == "warn"
    assert tl.retention_countdown(b, T0 + 28.5 * tl.DAY).level == "danger"
    assert tl.retention_countdown(b, T0 + 29 * tl.DAY).text == "deleted on server"


def test_results_location() -> None:
    now = T0 + 2 * tl.DAY
    assert tl.results_location(row(), now) is None
    assert tl.results_location(row("ended", ingest_state="none"), now) == tl.ON_SERVER
    assert tl.results_location(row("ended", ingest_state="partial"), now) == tl.ON_SERVER
    assert tl.results_location(row("ended", ingest_state="complete"), now) == tl.BOTH
    assert tl.results_location(row("ended", ingest_state="complete"), T0 + 29 * tl.DAY) == tl.LOCAL_ONLY
    assert tl.results_location(row("ended", ingest_state="complete", archived_at=now), now) == tl.LOCAL_ONLY
    assert tl.results_location(row("ended", ingest_state="complete", deleted_at=now), now) == tl.LOCAL_ONLY
    assert tl.results_location(row("ended", ingest_state="none", gone=True), now) == tl.LOST
    assert tl.results_location(row("ended", ingest_state="unavailable"), now) == tl.LOST


async def _insert(journal: Journal, local_id: int, status: str, created: float, processing: int = 10,
                  succeeded: int = 0, ingest_state: str = "none", ended: float | None = None, **extra) -> None:
    cols = dict(local_id=local_id, id=f"msgbatch_{local_id:04d}", processing_status=status,
                n_processing=processing, n_succeeded=succeeded, created_at=created, expires_at=created + tl.DAY,
                ended_at=ended, ingest_state=ingest_state, **extra)
    async with journal.transaction() as db:
        await db.execute(f"INSERT INTO batches({','.join(cols)}) VALUES ({','.join('?' * len(cols))})",
                         tuple(cols.values()))


async def test_expiry_warning_fires_once_and_survives_restart(journal_path) -> None:
    clock = FixedClock(T0)
    journal = await Journal.open(journal_path, clock)
    await _insert(journal, 1, "in_progress", T0)                     # will get near expiry
    await _insert(journal, 2, "in_progress", T0 + 3 * 3600)          # younger: later
    await _insert(journal, 3, "ended", T0, processing=0, succeeded=10, ended=T0 + 60)
    await _insert(journal, 4, "in_progress", T0, processing=0, succeeded=0)   # nothing processing
    assert await tl.take_expiry_warnings(journal) == []
    clock.at = T0 + tl.DAY - 3601
    assert await tl.take_expiry_warnings(journal) == []
    clock.at = T0 + tl.DAY - 3600
    assert [b.local_id for b in await tl.take_expiry_warnings(journal)] == [1]
    clock.advance(60)
    assert await tl.take_expiry_warnings(journal) == []
    await journal.close()

    journal = await Journal.open(journal_path, clock)                # a restart
    assert await tl.take_expiry_warnings(journal) == []
    clock.at = T0 + 3 * 3600 + tl.DAY - 1800
    assert [b.local_id for b in await tl.take_expiry_warnings(journal)] == [2]
    async with journal.db.execute("SELECT batch_local_id, detail FROM events WHERE kind = 'expiry_warned' "
                                  "ORDER BY id") as cur:
        events = [tuple(r) for r in await cur.fetchall()]
    assert events == [(1, '{"seconds_left":3600,"processing":10}'), (2, '{"seconds_left":1800,"processing":10}')]
    await journal.close()


async def test_where_results_live_across_retention(journal) -> None:
    from tui.core.journal.batches import list_batches

    now = T0 + 10 * tl.DAY
    await _insert(journal, 1, "ended", T0 + tl.DAY, processing=0, succeeded=10)
    await _insert(journal, 2, "ended", T0, processing=0, succeeded=10, ingest_state="partial")
    await _insert(journal, 3, "ended", T0, processing=0, succeeded=10, ingest_state="complete")
    await _insert(journal, 4, "in_progress", T0)
    await _insert(journal, 5, "ended", T0 - 20 * tl.DAY, processing=0, succeeded=10)              # past 29 days
    await _insert(journal, 6, "ended", T0, processing=0, succeeded=10, gone=1)

    def where(at: float) -> dict[int, str | None]:
        return {b.local_id: tl.results_location(b, at) for b in rows}

    rows = await list_batches(journal)
    assert where(now) == {1: tl.ON_SERVER, 2: tl.ON_SERVER, 3: tl.BOTH, 4: None, 5: tl.LOST, 6: tl.LOST}
    assert where(T0 + 29 * tl.DAY) == {1: tl.ON_SERVER, 2: tl.LOST, 3: tl.LOCAL_ONLY, 4: None, 5: tl.LOST,
                                       6: tl.LOST}
