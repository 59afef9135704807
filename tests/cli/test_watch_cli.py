"""`claude-batch-tui watch` as a real process against the emulator as a real process."""

from __future__ import annotations

import os
import re
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.builders import write_requests


@pytest.fixture
def emulator_process():
    """`claude-batch-tui emulator` in its own process; yields its base URL."""
    procs = []

    def start(*flags: str) -> str:
        proc = subprocess.Popen([sys.executable, "-m", "tui", "emulator", "--port", "0", *flags],
                                stdout=subprocess.PIPE, text=True)
        procs.append(proc)
        line = proc.stdout.readline()
        match = re.search(r"(http://\S+)", line)
        assert match, line
        return match.group(1)

    yield start
    for proc in procs:
        proc.terminate()
        proc.wait(timeout=10)


def _env(base_url: str | None, journal: Path, key: str | None = "test-key") -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANTHROPIC_")}
    env["CLAUDE_BATCH_TUI_JOURNAL"] = str(journal)
    if base_url:
        env["ANTHROPIC_BASE_URL"] = base_url
    if key:
        env["ANTHROPIC_API_KEY"] = key
    return env


def _cli(env: dict[str, str], *argv: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "tui", *argv], env=env, capture_output=True, text=True,
                          timeout=timeout)


def test_watch_follows_submitted_batches_to_the_end(emulator_process, tmp_path: Path) -> None:
    base_url = emulator_process("--request-ms", "2", "--fail-requests", "0.1", "--fail-http", "0.15")
    journal = tmp_path / "j" / "journal.sqlite"
    env = _env(base_url, journal)
    source = write_requests(tmp_path / "requests.jsonl", 900, ids="w-{i}", max_tokens=64)
    submitted = _cli(env, "submit", str(source), "--max-per-batch", "300")
    assert submitted.returncode == 0, submitted.stderr
    ids = submitted.stdout.split()
    assert len(ids) == 3

    watched = _cli(env, "watch", "--interval", "0.2")
    assert watched.returncode == 0, watched.stderr
    assert "Traceback" not in watched.stderr
    for line in watched.stderr.splitlines():                  # injected 429/500/529: one line each, retried
        assert line.startswith(("warning: ", "note: ")), line
    out = watched.stdout
    assert out.startswith("watching 3 batches (3 unfinished, 0 to ingest); Ctrl-C stops")
    for batch_id in ids:
        final = [line for line in out.splitlines() if line.startswith(batch_id[-8:]) and "complete" in line]
        assert len(final) == 1 and "results 300/300 complete" in final[0] and "300/300 done" in final[0]
    assert "all 3 batches ended; 900 results in the journal" in out

    with sqlite3.connect(journal) as db:
        assert db.execute("SELECT COUNT(*) FROM results").fetchone()[0] == 900
        assert db.execute("SELECT COUNT(DISTINCT result_type) FROM results").fetchone()[0] == 2
        states = db.execute("SELECT processing_status, ingest_state FROM batches").fetchall()
    assert states == [("ended", "complete")] * 3

    again = _cli(env, "watch")
    assert again.returncode == 0 and again.stdout.startswith("watching 0 batches (0 unfinished, 0 to ingest); "
                                                              "3 already done")
    assert "all 3 batches ended" in again.stdout


def test_watch_without_a_key_or_url_says_how_and_exits_2(tmp_path: Path) -> None:
    done = _cli(_env(None, tmp_path / "j.sqlite", key=None), "watch")
    assert done.returncode == 2
    assert "ANTHROPIC_API_KEY" in done.stderr and "Traceback" not in done.stderr


def test_watch_on_an_empty_journal_exits_0(tmp_path: Path) -> None:
    done = _cli(_env("http://127.0.0.1:9", tmp_path / "j.sqlite"), "watch")   # nothing to ask the server
    assert done.returncode == 0 and "nothing to watch" in done.stdout


def test_ctrl_c_exits_130_cleanly(emulator_process, tmp_path: Path) -> None:
    base_url = emulator_process("--request-ms", "60000")        # never ends during the test
    env = _env(base_url, tmp_path / "j" / "journal.sqlite")
    source = write_requests(tmp_path / "requests.jsonl", 5, ids="w-{i}", max_tokens=64)
    assert _cli(env, "submit", str(source)).returncode == 0
    proc = subprocess.Popen([sys.executable, "-m", "tui", "watch", "--interval", "0.2"], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    first = proc.stdout.readline()
    assert first.startswith("watching 1 batch (1 unfinished, 0 to ingest)")
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 130
    assert "interrupted" in err and "Traceback" not in err


async def test_watch_in_process_against_the_in_process_emulator(emulator, journal, journal_path, capsys) -> None:
    """`tui.cli.main` run from a worker thread (as other CLI tests do): no signal handler there, still works."""
    import asyncio

    import anthropic

    from tests.core.poll_helpers import create_recorded
    from tui.cli import main

    async with anthropic.AsyncAnthropic(api_key="k", base_url=emulator.base_url) as client:
        await create_recorded(journal, client, 50)
    code = await asyncio.to_thread(main, ["--journal", str(journal_path), "--base-url", emulator.base_url,
                                          "watch", "--interval", "0.1"])
    out = capsys.readouterr().out
    assert code == 0 and "results 50/50 complete" in out and "1 batch ended; 50 results in the journal" in out


def test_watch_counts_the_batches_still_to_be_sent(emulator_process, tmp_path: Path) -> None:
    journal = tmp_path / "j" / "journal.sqlite"
    source = write_requests(tmp_path / "requests.jsonl", 9, ids="u-{i}", max_tokens=16)
    offline = _cli(_env("http://127.0.0.1:9", journal), "submit", str(source), "--max-per-batch", "3")
    assert offline.returncode == 1 and offline.stderr.count("not sent yet") == 3
    watched = _cli(_env(emulator_process("--request-ms", "2"), journal), "watch", "--interval", "0.2")
    assert watched.returncode == 0, watched.stderr
    first = watched.stdout.splitlines()[0]
    assert first == "watching 3 batches (0 unfinished, 0 to ingest, 3 to send); Ctrl-C stops", first
    assert "all 3 batches ended; 9 results in the journal" in watched.stdout
