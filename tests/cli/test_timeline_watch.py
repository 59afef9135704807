"""`watch` prints the near-expiry warning once per batch, and the cost and saving in its summary."""

from __future__ import annotations

import anthropic

from tui.commands.watch import Watch
from tui.core.clock import FixedClock
from tui.core.journal.connection import Journal
from tui.core.models import SweepResult

T0 = 1_800_000_000.0
DAY = 86_400.0


async def test_watch_warns_once_and_sums_cost(journal_path, capsys) -> None:
    journal = await Journal.open(journal_path, FixedClock(T0))
    try:
        async with journal.transaction() as db:
            await db.execute("INSERT INTO batches(local_id, id, label, processing_status, created_at, expires_at, "
                             "n_processing) VALUES (1, 'msgbatch_1', 'slow-run', 'in_progress', ?, ?, 7)",
                             (T0 - DAY + 1200, T0 + 1200))
            await db.execute("INSERT INTO batches(local_id, id, processing_status, created_at, n_succeeded, "
                             "ingest_state) VALUES (2, 'msgbatch_2', 'ended', ?, 2, 'complete')", (T0 - 60,))
            await db.executemany("INSERT INTO results(batch_local_id, custom_id, result_type, cost_usd, raw) "
                                 "VALUES (2, ?, 'succeeded', ?, x'7b7d')", [("a", 0.75), ("b", 0.5)])
        async with anthropic.AsyncAnthropic(api_key="k", base_url="http://127.0.0.1:9") as client:
            watch = Watch(journal, client, 1.0)
            await watch.on_sweep(SweepResult())
            await watch.on_sweep(SweepResult())
            err = capsys.readouterr().err
            assert err.count("expires in") == 1
            assert "warning: slow-run expires in 20m with 7 requests still processing" in err
            await watch.summary()
            out = capsys.readouterr().out
            assert "cost $1.25 at batch prices; saved $1.25 against standard prices" in out
    finally:
        await journal.close()
