"""`claude-batch-tui list [--json]`: the journal as an aligned table or JSON; no key needed."""

from __future__ import annotations

import asyncio
import time

import orjson
import pytest

from tui.cli import main


@pytest.fixture
def cli(capsys, journal_path):
    async def run(*argv: str) -> tuple[int, str, str]:
        capsys.readouterr()
        code = await asyncio.to_thread(main, ["list", *argv, "--journal", str(journal_path)])
        out, err = capsys.readouterr()
        return code, out, err

    return run


async def fill(journal) -> None:
    now = time.time()
    async with journal.transaction() as db:
        await db.execute("INSERT INTO jobs(id, name, source_path, source_sha256, request_count, created_at)"
                         " VALUES (1, 'job', '/tmp/evil\x1b[2J\x1b]0;title\x07name', 'h', 10, ?)", (now,))
        await db.execute(
            "INSERT INTO batches(id, job_id, processing_status, n_succeeded, n_errored, n_expired, created_at,"
            " ended_at, intent_state) VALUES ('msgbatch_endedAAAA1234', 1, 'ended', 7, 2, 1, ?, ?, 'created')",
            (now - 7200, now - 3600))
        await db.execute(
            "INSERT INTO batches(id, label, processing_status, n_processing, created_at, adopted) VALUES"
            " ('msgbatch_running_BBBB5678', NULL, 'in_progress', 40, ?, 1)", (now - 90,))
        await db.execute("INSERT INTO batches(job_id, intent_state, intent_request_count, intent_error, label)"
                         " VALUES (1, 'failed', 5, 'HTTP 413 request_too_large: too big', 'lbl')")
        await db.execute("INSERT INTO results(batch_local_id, custom_id, result_type, cost_usd, raw)"
                         " VALUES (1, 'a', 'succeeded', 0.25, x'7b7d')")


async def test_table_is_aligned_safe_and_complete(cli, journal):
    await fill(journal)
    code, out, err = await cli()
    assert code == 0 and err == ""
    lines = out.splitlines()
    assert len(lines) == 4
    assert "\x1b" not in out and "\x07" not in out
    header = lines[0]
    status_col = header.index("STATUS")
    assert all(line[status_col - 2:status_col] == "  " for line in lines)   # columns line up
    by_id = {line.split()[0]: line.split() for line in lines[1:]}
    assert by_id["AAAA1234"][1:8] == ["errors", "10", "7", "2", "0", "1", "2h00m"]
    assert "$0.25" in by_id["AAAA1234"] and "evil␛[2J␛]0;title␇name" in out
    assert by_id["BBBB5678"][1:4] == ["running", "40", "-"] and "(adopted)" in out
    assert by_id["#3"][1:3] == ["refused", "5"] and "lbl" in out


async def test_json_is_machine_readable(cli, journal):
    await fill(journal)
    code, out, _ = await cli("--json")
    assert code == 0
    data = {(d["id"] or f"#{d['local_id']}"): d for d in orjson.loads(out)}
    ended = data["msgbatch_endedAAAA1234"]
    assert ended["request_counts"] == {"processing": 0, "succeeded": 7, "errored": 2, "canceled": 0, "expired": 1}
    assert ended["cost_usd"] == 0.25 and ended["source_path"].startswith("/tmp/evil\x1b") and ended["name"] == "evil␛[2J␛]0;title␇name"
    assert data["#3"]["status"] == "refused" and "413" in data["#3"]["intent_error"]


async def test_empty_journal_says_so(cli):
    code, out, _ = await cli()
    assert code == 0 and "no batches in the journal yet" in out
