import os
import stat
import subprocess
import sys

import pytest

from tui.core.journal.connection import Journal, JournalError
from tui.core.journal.schema import MIGRATIONS, SCHEMA_VERSION


async def test_new_journal_is_private_and_current(journal_path):
    j = await Journal.open(journal_path)
    async with j.db.execute("PRAGMA user_version") as cur:
        assert (await cur.fetchone())[0] == SCHEMA_VERSION
    async with j.db.execute("PRAGMA journal_mode") as cur:
        assert (await cur.fetchone())[0] == "wal"
    async with j.db.execute("PRAGMA foreign_keys") as cur:
        assert (await cur.fetchone())[0] == 1
    await j.close()
    assert stat.S_IMODE(os.stat(journal_path).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(journal_path.parent).st_mode) == 0o700


@pytest.mark.parametrize("version", range(SCHEMA_VERSION))
async def test_every_older_version_migrates_forward(journal_path, version):
    import sqlite3

    journal_path.parent.mkdir(mode=0o700)
    con = sqlite3.connect(journal_path)
    for script in MIGRATIONS[:version]:
        con.executescript(script)
    con.execute(f"PRAGMA user_version = {version}")
    con.commit()
    con.close()
    j = await Journal.open(journal_path)
    async with j.db.execute("PRAGMA user_version") as cur:
        assert (await cur.fetchone())[0] == SCHEMA_VERSION
    await j.close()


async def test_newer_journal_is_refused_with_a_clear_message(journal_path):
    import sqlite3

    journal_path.parent.mkdir(mode=0o700)
    con = sqlite3.connect(journal_path)
    con.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 5}")
    con.commit()
    con.close()
    with pytest.raises(JournalError, match="Upgrade claude-batch-tui"):
        await Journal.open(journal_path)


async def test_failed_transaction_leaves_nothing(journal):
    with pytest.raises(RuntimeError):
        async with journal.transaction():
            await journal.record_event("half")
            raise RuntimeError("boom")
    async with journal.db.execute("SELECT COUNT(*) FROM events") as cur:
        assert (await cur.fetchone())[0] == 0


def test_core_imports_no_textual_or_rich():
    code = (
        "import sys, pkgutil, importlib, tui.core\n"
        "for m in pkgutil.walk_packages(tui.core.__path__, 'tui.core.'):\n"
        "    importlib.import_module(m.name)\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('textual', 'rich')]\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
