"""A journal that is not a database, truncated, damaged in the middle, a folder or unreadable: every command
says in one line what is wrong with which file and what to do (exit 2, never a traceback), nothing is sent,
and `doctor` checks it read-only and copies what is readable into a new journal.

The damaged journals are real ones (`tests/drilldown_journal.py`, written through the real schema) with real
damage: bytes cut off the end, or a b-tree page in the middle of the file overwritten.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import io
import os
import random
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.builders import write_requests
from tests.drilldown_journal import add_batch, new_journal
from tests.reliability.cli_run import cli
from tui.cli import main

BATCH = "msgbatch_0001" + "x" * 20      # the id drilldown_journal gives batch 1
PAGE = 16384                           # the journal's page size


def build_journal(path: Path, batches: int = 3, n: int = 300) -> Path:
    asyncio.run(new_journal(path))
    for local_id in range(1, batches + 1):
        add_batch(path, local_id, n)
    return path


def damage_page(path: Path, pick: str = "middle") -> tuple[str, int]:
    """Overwrite one b-tree leaf page in the middle of the file (or the middle one of table `pick`) with random
    bytes; returns (its table, the rows it held)."""
    con = sqlite3.connect(path)
    leaves = con.execute("SELECT pageno, name, ncell FROM dbstat WHERE pagetype = 'leaf' AND name = ? OR ? = 'middle'"
                         " ORDER BY pageno", (pick, pick)).fetchall()
    con.close()
    assert not Path(f"{path}-wal").exists() or Path(f"{path}-wal").stat().st_size == 0
    pageno, table, cells = leaves[len(leaves) // 2]
    garbage = random.Random(pageno).randbytes(PAGE)
    with path.open("r+b") as handle:
        handle.seek((pageno - 1) * PAGE)
        handle.write(garbage)
    return table, cells


def make_damaged(kind: str, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "journal.sqlite"
    if kind == "random":
        path.write_bytes(random.Random(7).randbytes(20_000))
    elif kind == "text":
        path.write_text("these are my notes, not a journal\n")
    elif kind == "truncated":
        build_journal(path)
        data = path.read_bytes()
        path.write_bytes(data[: len(data) // 2])
    elif kind == "page":   # results of the one batch the commands name: list (costs), export, retry, watch read them
        build_journal(path, batches=1, n=900)
        damage_page(path, pick="results")
    elif kind == "batches page":   # one of several pages of batch rows: what every listing reads
        asyncio.run(new_journal(path))
        for local_id in range(1, 121):
            add_batch(path, local_id, 2, label="x" * 200)
        damage_page(path, pick="batches")
    elif kind == "folder":
        path.mkdir()
    else:
        raise AssertionError(kind)
    return path


def run_cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue(), err.getvalue()


def command_lines(tmp_path: Path, base_url: str) -> dict[str, list[str]]:
    jsonl = write_requests(tmp_path / "new.jsonl", 3)
    url = ["--base-url", base_url]
    return {
        "list": ["list"],
        "list --json": ["list", "--json"],
        "export": ["export", BATCH, "-o", str(tmp_path / "out.jsonl")],
        "watch": ["watch", *url],
        "cancel": ["cancel", "--yes", BATCH, *url],
        "retry": ["retry", BATCH, "--yes", *url],
        "delete": ["delete", "--yes", BATCH, *url],
        "submit": ["submit", str(jsonl), *url],
    }


COMMANDS = ["list", "list --json", "export", "watch", "cancel", "retry", "delete", "submit"]


def assert_one_line_about(path: Path, code: int, out: str, err: str, *, before: int = 0) -> None:
    """Exit 2 and one line on stderr naming the file (after `before` lines: submit's plan)."""
    assert code == 2, (code, out, err)
    assert "Traceback" not in out + err
    lines = err.strip().splitlines()
    assert len(lines) == before + 1, err
    assert lines[-1].startswith("claude-batch-tui: ") and str(path) in lines[-1], lines[-1]


@pytest.mark.parametrize("kind", ["random", "text", "truncated", "page", "folder"])
def test_every_command_names_the_damaged_journal_and_sends_nothing(kind, tmp_path, emulator_sync, monkeypatch):
    monkeypatch.setenv("ANTHROPIC_API_KEY", "test-key")
    for name, argv in command_lines(tmp_path, emulator_sync.base_url).items():
        path = make_damaged(kind, tmp_path / name.replace(" ", "_"))
        before = path.read_bytes() if path.is_file() else None
        code, out, err = run_cli(*argv, "--journal", str(path))
        assert_one_line_about(path, code, out, err, before=2 if name == "submit" else 0)
        if kind == "folder":
            assert "folder" in err
        else:
            assert "doctor" in err and ("damaged" in err or "not a journal" in err), err
        if before is not None and kind in ("truncated", "page"):
            assert path.read_bytes() == before, f"{name} wrote into the damaged journal"
    assert emulator_sync.batch_ids() == [], "a batch was created from a damaged journal"


def test_submit_refuses_a_journal_damaged_where_it_would_not_write(tmp_path, emulator_sync, monkeypatch):
    """The damage is in old results, pages a submit never touches: the check before writing still refuses."""
    monkeypatch.setenv("ANTHROPIC_API_KEY", "test-key")
    path = build_journal(tmp_path / "j" / "journal.sqlite")
    damage_page(path, pick="results")
    code, out, err = run_cli(*command_lines(tmp_path, emulator_sync.base_url)["submit"], "--journal", str(path))
    assert_one_line_about(path, code, out, err, before=2)
    assert "nothing was sent" in err and "doctor" in err
    assert emulator_sync.batch_ids() == []


def _without_capabilities() -> None:  # pragma: no cover - runs in the child
    """As root: drop every capability (the bounding set; exec then grants none), so file modes bind root too."""
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    for cap in range(64):
        libc.prctl(24, cap, 0, 0, 0)   # PR_CAPBSET_DROP; fails quietly past the last capability


def test_an_unreadable_journal_is_named_not_a_traceback(tmp_path):
    path = build_journal(tmp_path / "locked" / "journal.sqlite", batches=1, n=5)
    path.parent.chmod(0o000)
    try:
        for argv in (["list"], ["doctor"]):
            done = subprocess.run([sys.executable, "-m", "tui", *argv, "--journal", str(path)],
                                  capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL,
                                  preexec_fn=_without_capabilities if os.geteuid() == 0 else None)
            assert "Traceback" not in done.stdout + done.stderr
            assert done.returncode == 2, (done.returncode, done.stdout, done.stderr)
            text = (done.stderr or done.stdout).strip()
            assert str(path) in text and "Permission denied" in text, text
    finally:
        path.parent.chmod(0o700)


# -- doctor ----------------------------------------------------------------------------------------------------------

def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_doctor_says_a_sound_journal_is_sound(tmp_path):
    path = build_journal(tmp_path / "journal.sqlite", batches=2, n=50)
    code, out, err = run_cli("doctor", "--journal", str(path))
    assert code == 0 and err == ""
    assert "no problems found" in out and "results 100" in out


@pytest.mark.parametrize("kind", ["random", "text", "folder"])
def test_doctor_on_what_is_not_a_journal(kind, tmp_path):
    path = make_damaged(kind, tmp_path)
    code, out, err = run_cli("doctor", "--journal", str(path))
    assert code == 2 and "Traceback" not in out + err
    assert str(path) in out and "restore the journal from a backup" in out
    code, out, err = run_cli("doctor", "--journal", str(path), "--recover", str(tmp_path / "new.sqlite"))
    assert code == 2 and "nothing can be copied" in err and not (tmp_path / "new.sqlite").exists()


def test_doctor_checks_a_damaged_page_read_only_and_recovers_every_readable_row(tmp_path):
    path = build_journal(tmp_path / "journal.sqlite")
    good = sqlite3.connect(path)
    want = {t: good.execute(f"SELECT * FROM {t} ORDER BY 1, 2").fetchall() for t in ("batches", "requests", "results")}
    good.close()
    table, cells = damage_page(path)
    damaged = sha(path)

    code, out, err = run_cli("doctor", "--journal", str(path))
    assert code == 2 and "is damaged" in out and "--recover" in out
    assert sha(path) == damaged

    out_path = tmp_path / "recovered" / "journal.sqlite"
    code, out, err = run_cli("doctor", "--journal", str(path), "--recover", str(out_path))
    assert sha(path) == damaged, "doctor wrote into the damaged journal"
    assert code == 1, (out, err)
    new = sqlite3.connect(out_path)
    got = {t: new.execute(f"SELECT * FROM {t} ORDER BY 1, 2").fetchall() for t in want}
    assert new.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    new.close()
    lost = len(want[table]) - len(got[table])
    assert lost == cells > 0                              # the rows of the damaged page, no more
    assert set(got[table]) <= set(want[table])            # nothing made up
    for other in set(want) - {table}:
        assert got[other] == want[other]                  # every other table whole
    line = next(x for x in out.splitlines() if x.strip().startswith(table))
    assert f"{len(got[table]):,} copied, {lost} lost" in line, out
    assert f"{lost} rows lost" in out

    # the recovered journal is a journal: the commands work on it again
    code, out, err = run_cli("list", "--journal", str(out_path))
    assert code == 0 and BATCH[-8:] in out
    code, out, err = run_cli("doctor", "--journal", str(out_path))
    assert code == 0 and "no problems found" in out


def test_doctor_recovers_the_readable_part_of_a_truncated_journal(tmp_path):
    path = make_damaged("truncated", tmp_path / "j")
    out_path = tmp_path / "new.sqlite"
    code, out, err = run_cli("doctor", "--journal", str(path), "--recover", str(out_path))
    assert code == 1 and "Traceback" not in out + err
    new = sqlite3.connect(out_path)
    assert new.execute("SELECT count(*) FROM batches").fetchone() == (3,)
    assert 0 < new.execute("SELECT count(*) FROM requests").fetchone()[0] < 900
    new.close()
    assert "more may be lost" in out and "at least" in out


def test_doctor_keeps_rows_whose_batch_row_was_lost(tmp_path):
    """A damaged `batches` page: the requests and results of the lost batches stay readable under a placeholder,
    so a later batch can never inherit them."""
    path = make_damaged("batches page", tmp_path)
    out_path = tmp_path / "new.sqlite"
    code, out, err = run_cli("doctor", "--journal", str(path), "--recover", str(out_path))
    assert code == 1, (out, err)
    new = sqlite3.connect(out_path)
    assert new.execute("PRAGMA foreign_key_check").fetchall() == []
    assert new.execute("SELECT count(*) FROM results").fetchone() == (240,)
    placeholders = new.execute("SELECT count(*) FROM batches WHERE label LIKE 'recovered #%'").fetchone()[0]
    new.close()
    assert placeholders > 0 and "placeholders" in out


def test_doctor_refuses_to_overwrite(tmp_path):
    path = build_journal(tmp_path / "journal.sqlite", batches=1, n=5)
    taken = tmp_path / "taken.sqlite"
    taken.write_bytes(b"mine")
    code, out, err = run_cli("doctor", "--journal", str(path), "--recover", str(taken))
    assert code == 2 and "already exists" in err and taken.read_bytes() == b"mine"
    code, out, err = run_cli("doctor", "--journal", str(path), "--recover", str(path))
    assert code == 2 and sha(path) and "already exists" in err


# -- a journal the program did not write -----------------------------------------------------------------------------

def test_another_programs_database_is_not_migrated_into(tmp_path):
    path = tmp_path / "places.sqlite"
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE places (url TEXT)")
    con.execute("INSERT INTO places VALUES ('https://example.com')")
    con.commit()
    con.close()
    before = sha(path)
    code, out, err = run_cli("list", "--journal", str(path))
    assert_one_line_about(path, code, out, err)
    assert "not a claude-batch-tui journal" in err
    assert sha(path) == before


def test_an_old_journal_with_damage_is_not_upgraded(tmp_path):
    path = build_journal(tmp_path / "journal.sqlite")
    con = sqlite3.connect(path)
    con.execute("PRAGMA user_version = 3")   # as if written by an older release
    con.close()
    damage_page(path, pick="results")
    before = sha(path)
    code, out, err = run_cli("list", "--journal", str(path))
    assert_one_line_about(path, code, out, err)
    assert "not upgraded" in err and sha(path) == before
