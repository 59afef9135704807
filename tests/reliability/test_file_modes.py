"""File modes hold whatever the umask: the journal's folder 0700 when we make it, the journal and its WAL/SHM
files 0600 after create and after a migration from an older, looser file."""

from __future__ import annotations

import os
import sqlite3

from tests.reliability.cli_run import cli, mode
from tui.core.journal.schema import MIGRATIONS, SCHEMA_VERSION


def test_default_journal_is_created_private_under_umask_000(tmp_path):
    home = tmp_path / "home"
    run = cli("list", journal=None, env={"HOME": str(home), "XDG_DATA_HOME": str(home / "data"),
                                         "CLAUDE_BATCH_TUI_JOURNAL": ""})
    assert run.code == 0, run.err
    made = [p for p in home.rglob("journal.sqlite*")]
    assert made, "list opens (and so creates) the journal in the user data folder"
    assert mode(made[0].parent) == 0o700
    assert all(mode(p) == 0o600 for p in made), {p.name: oct(mode(p)) for p in made}


def test_a_loose_older_journal_is_migrated_and_tightened(tmp_path):
    folder = tmp_path / "old"
    folder.mkdir(mode=0o700)
    path = folder / "journal.sqlite"
    old_umask = os.umask(0o022)
    try:
        db = sqlite3.connect(path)
        db.execute("PRAGMA journal_mode = WAL")
        db.executescript(MIGRATIONS[0])
        db.execute("PRAGMA user_version = 1")
        db.execute("INSERT INTO jobs(name, created_at) VALUES ('before', 0)")
        db.commit()
        db.close()
    finally:
        os.umask(old_umask)
    os.chmod(path, 0o644)
    assert SCHEMA_VERSION > 1
    run = cli("list", journal=path)
    assert run.code == 0, run.err
    db = sqlite3.connect(path)
    assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert db.execute("SELECT name FROM jobs").fetchall() == [("before",)]
    db.close()
    for p in folder.iterdir():
        if p.name.startswith("journal.sqlite"):
            assert mode(p) == 0o600, (p.name, oct(mode(p)))
