"""Throughput series from snapshots and the ETA: from counts when they move, from similar batches otherwise."""

from __future__ import annotations

import pytest

from tui.core.timing import throughput as tp
from tui.core.journal.batches import get_batch

T0 = 1_800_000_000.0


async def _batch(journal, local_id: int, status: str, created: float, n: int, *, ended: float | None = None,
                 done: int = 0, canceled_at: float | None = None) -> None:
    cols = dict(local_id=local_id, id=f"msgbatch_{local_id:04d}", processing_status=status,
                n_processing=n - done, n_succeeded=done, created_at=created, expires_at=created + 86400,
                ended_at=ended, cancel_initiated_at=canceled_at)
    async with journal.transaction() as db:
        await db.execute(f"INSERT INTO batches({','.join(cols)}) VALUES ({','.join('?' * len(cols))})",
                         tuple(cols.values()))


async def _snap(journal, local_id: int, at: float, processing: int, succeeded: int, errored: int = 0) -> None:
    async with journal.transaction() as db:
        await db.execute("INSERT INTO snapshots VALUES (?,?,?,?,?,0,0)",
                         (local_id, at, processing, succeeded, errored))


def test_bucketize() -> None:
    assert tp.bucketize([(0, 1), (5, 2), (10, 4), (11, 8)], 0, 10, 2) == [1, 6]
    assert tp.bucketize([(1, 1)], 5, 5, 3) == [0, 0, 0]


async def test_batch_and_all_series(journal) -> None:
    await _batch(journal, 1, "ended", T0, 100, ended=T0 + 800, done=100)
    for k, done in enumerate([0, 0, 20, 50, 50, 90, 100]):
        await _snap(journal, 1, T0 + 100 + k * 100, 100 - done, done)
    await _batch(journal, 2, "in_progress", T0 + 400, 10)
    await _snap(journal, 2, T0 + 450, 10, 0)
    await _snap(journal, 2, T0 + 750, 5, 4, errored=1)
    b1 = await get_batch(journal, 1)
    # life 0..800 in 4 buckets of 200 s: +20 at 300 | +30 at 400 | +40 at 600, +10 at 700
    assert tp.life_series(b1, await tp.completions(journal, 0, T0 + 900, [1]), T0 + 900, 4) == [0, 20, 30, 50]
    assert await tp.all_series(journal, T0 + 800, 4, span=800) == (800, [0, 20, 30, 55])
    # a window that starts after a batch's first snapshot still counts only its deltas inside the window
    assert await tp.all_series(journal, T0 + 800, 1, span=150) == (150, [15])


async def test_eta_from_moving_counts(journal) -> None:
    await _batch(journal, 1, "in_progress", T0, 100, done=40)
    await _snap(journal, 1, T0 + 60, 100, 0)
    await _snap(journal, 1, T0 + 660, 60, 40)     # 40 in 600 s -> 60 left take 900 s
    eta = await tp.estimate_eta(journal, await get_batch(journal, 1), T0 + 700)
    assert (eta.basis, eta.seconds, eta.text) == ("counts", pytest.approx(900), "~15m")


async def test_eta_from_similar_batches_when_counts_do_not_move(journal) -> None:
    await _batch(journal, 1, "ended", T0 - 9000, 100, ended=T0 - 9000 + 3000, done=100)
    await _batch(journal, 2, "ended", T0 - 8000, 150, ended=T0 - 8000 + 4000, done=150)
    await _batch(journal, 3, "ended", T0 - 7000, 60, ended=T0 - 7000 + 3600, done=60)
    await _batch(journal, 4, "ended", T0 - 7000, 5000, ended=T0 - 7000 + 10, done=5000)          # not similar
    await _batch(journal, 5, "ended", T0 - 7000, 100, ended=T0 - 7000 + 5, done=0, canceled_at=T0 - 6999)
    await _batch(journal, 9, "in_progress", T0, 100)
    await _snap(journal, 9, T0 + 60, 100, 0)
    await _snap(journal, 9, T0 + 120, 100, 0)
    b9 = await get_batch(journal, 9)
    eta = await tp.estimate_eta(journal, b9, T0 + 600)   # median of 3000, 3600, 4000 = 3600
    assert (eta.basis, eta.seconds, eta.text) == ("similar", pytest.approx(3000), "~50m")
    assert eta.detail == "3 similar batches took 1h00m (median); counts only move when a batch ends"
    late = await tp.estimate_eta(journal, b9, T0 + 5000)
    assert (late.seconds, late.text) == (0.0, "any moment")


async def test_no_estimate_yet(journal) -> None:
    await _batch(journal, 1, "in_progress", T0, 100)
    eta = await tp.estimate_eta(journal, await get_batch(journal, 1), T0 + 10)
    assert (eta.seconds, eta.basis, eta.text) == (None, None, "no estimate yet")
    await _batch(journal, 2, "ended", T0, 100, ended=T0 + 10, done=100)
    assert await tp.estimate_eta(journal, await get_batch(journal, 2), T0 + 10) is None


async def test_first_sight_counts_from_creation_and_end_jumps_sit_at_ended_at(journal) -> None:
    # ended between two polls: the jump is placed at ended_at, not at the poll that saw it
    await _batch(journal, 1, "ended", T0, 50, ended=T0 + 450, done=50)
    await _snap(journal, 1, T0 + 100, 50, 0)
    await _snap(journal, 1, T0 + 900, 0, 50)
    # first seen already ended (submitted and done between two polls, or adopted): counted from creation
    await _batch(journal, 2, "ended", T0 + 200, 7, ended=T0 + 300, done=7)
    await _snap(journal, 2, T0 + 950, 0, 7)
    moves = await tp.completions(journal, T0, T0 + 1000)
    assert sorted((m.batch_local_id, m.at, m.count, m.prev_at) for m in moves) == [
        (1, T0 + 450, 50, T0 + 100), (2, T0 + 300, 7, T0 + 200)]
    assert await tp.all_series(journal, T0 + 1000, 10, span=1000) == (1000, [0, 0, 0, 7, 50, 0, 0, 0, 0, 0])
    span, series = await tp.all_series(journal, T0 + 1000, 5)      # the last day's activity fits in 15 minutes
    assert span == 900 and sum(series) == 57
    b2 = await get_batch(journal, 2)
    assert tp.life_series(b2, await tp.completions(journal, 0, T0 + 1000, [2]), T0 + 1000, 2) == [0, 7]
