"""A disk that fills while `submit` records its intents: one clear line, the intent transaction rolled back
(nothing half-written in the journal) and nothing sent.

Two real ways to run out of room: a file size limit (`RLIMIT_FSIZE`, the kernel refuses writes past it: works
for any user) and, when the tests run as root, a real full file system (a 2 MB tmpfs mounted for the test).
"""

from __future__ import annotations

import asyncio
import os
import resource
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.builders import write_requests
from tests.drilldown_journal import new_journal

WAYS = ["file size limit"] + (["full tmpfs"] if os.geteuid() == 0 else [])


def big_file(path: Path, requests: int = 600, chars: int = 10_000) -> Path:
    """About 6 MB of params: far more than the room left."""
    return write_requests(path, requests, ids="r{i:04d}", text="{i} " + "x" * chars, model="claude-sonnet-4-5")


def submit(jsonl: Path, journal: Path, base_url: str, limit: int | None) -> subprocess.CompletedProcess:
    def limited() -> None:  # pragma: no cover - runs in the child
        if limit is not None:
            resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    env = {**os.environ, "ANTHROPIC_API_KEY": "test-key"}
    return subprocess.run([sys.executable, "-m", "tui", "submit", str(jsonl), "--journal", str(journal),
                           "--base-url", base_url], capture_output=True, text=True, timeout=120, env=env,
                          stdin=subprocess.DEVNULL, preexec_fn=limited)


@pytest.fixture
def disk(request, tmp_path):
    """(folder for the journal, file size limit for the child or None)."""
    if request.param == "full tmpfs":
        mount = tmp_path / "disk"
        mount.mkdir()
        subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m,mode=0700", "tmpfs", str(mount)], check=True)
        try:
            yield mount, None
        finally:
            subprocess.run(["umount", str(mount)], check=True)
    else:
        yield tmp_path / "j", 1_500_000


@pytest.mark.parametrize("disk", WAYS, indirect=True)
def test_a_disk_that_fills_during_submit_rolls_back_and_sends_nothing(disk, tmp_path, emulator_sync):
    folder, limit = disk
    journal = folder / "journal.sqlite"
    asyncio.run(new_journal(journal))
    jsonl = big_file(tmp_path / "big.jsonl")

    done = submit(jsonl, journal, emulator_sync.base_url, limit)

    assert "Traceback" not in done.stdout + done.stderr, done.stderr
    assert done.returncode == 2, (done.returncode, done.stdout, done.stderr)
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("claude-batch-tui: journal ") and str(journal) in last, last
    assert "disk is full" in last if limit is None else "disk failed to read or write" in last, last
    assert ("nothing more was saved" in last or "was not saved" in last) and last.endswith("(nothing was sent)")
    assert done.stdout == ""                              # no batch id printed
    assert emulator_sync.batch_ids() == [], "a batch was created although its intent was never recorded"
    con = sqlite3.connect(journal)
    try:
        assert con.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        for table in ("jobs", "batches", "requests", "events"):
            assert con.execute(f"SELECT count(*) FROM {table}").fetchone() == (0,), table
    finally:
        con.close()
