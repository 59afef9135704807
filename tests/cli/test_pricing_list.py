"""`list` shows a batch's cost, and says when some of its results have no known price (never a silent 0)."""

from __future__ import annotations

import asyncio
import sqlite3

from tui.cli import main
from tui.core.journal.connection import Journal


async def _create(path) -> None:
    journal = await Journal.open(path)
    await journal.close()


def test_list_cost_column_with_unknown_prices(journal_path, capsys) -> None:
    asyncio.run(_create(journal_path))
    db = sqlite3.connect(journal_path)
    for lid in (1, 2, 3):
        db.execute("INSERT INTO batches(local_id, id, processing_status, created_at) VALUES (?,?, 'ended', 0)",
                   (lid, f"msgbatch_{lid:08d}"))
    db.executemany("INSERT INTO results(batch_local_id, custom_id, result_type, cost_usd, raw) "
                   "VALUES (?,?,?,?, x'7b7d')", [(1, "a", "succeeded", 0.5), (1, "b", "errored", 0.0),
                                                  (2, "a", "succeeded", 0.5), (2, "b", "succeeded", None),
                                                  (3, "a", "succeeded", None)])
    db.commit()
    db.close()
    assert main(["list", "--journal", str(journal_path)]) == 0
    lines = {line.split()[0]: line for line in capsys.readouterr().out.splitlines()[1:]}
    assert lines["00000001"].endswith("  $0.50  batch 1")
    assert lines["00000002"].endswith("  $0.50 + unknown price  batch 2")
    assert lines["00000003"].endswith("  unknown price  batch 3") and "$0.00" not in lines["00000003"]
