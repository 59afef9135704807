"""Two or three processes writing one journal at once: no "database is locked", no lost write.

Each worker opens the same (at first missing) journal, so creation and migration race too, then does
many small read-modify-write transactions and reads in between.
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys

WORKER = r"""
import asyncio, sys
from tui.core.journal.connection import Journal

async def main(path, name, n):
    journal = await Journal.open(path)
    try:
        async with journal.transaction() as db:
            await db.execute("INSERT OR IGNORE INTO jobs(id, name, request_count, created_at) VALUES (1, 'shared', 0, 0)")
        for i in range(n):
            async with journal.transaction() as db:
                async with db.execute("SELECT request_count FROM jobs WHERE id = 1") as cur:
                    (value,) = await cur.fetchone()
                await db.execute("UPDATE jobs SET request_count = ? WHERE id = 1", (value + 1,))
                await journal.record_event("tick", detail={"worker": name, "i": i})
            async with journal.db.execute("SELECT COUNT(*) FROM events") as cur:
                await cur.fetchone()
    finally:
        await journal.close()

asyncio.run(main(sys.argv[1], sys.argv[2], int(sys.argv[3])))
"""

WORKERS = 3
EACH = 150


def test_concurrent_writer_processes_lose_nothing(tmp_path):
    path = tmp_path / "fresh" / "journal.sqlite"
    procs = [subprocess.Popen([sys.executable, "-c", WORKER, str(path), f"w{k}", str(EACH)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for k in range(WORKERS)]
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
        assert "locked" not in err
    con = sqlite3.connect(path)
    assert con.execute("SELECT request_count FROM jobs WHERE id = 1").fetchone()[0] == WORKERS * EACH
    per_worker = dict(con.execute(
        "SELECT json_extract(detail, '$.worker'), COUNT(DISTINCT json_extract(detail, '$.i')) FROM events"
        " GROUP BY 1").fetchall())
    assert per_worker == {f"w{k}": EACH for k in range(WORKERS)}
    con.close()
