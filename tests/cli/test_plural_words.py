"""Counts of one read as one, in the CLI's words: "1 request", "1 row", "1 more problem", never "1 request(s)"
or "1 more problems" (every count goes through `words.plural`)."""

from __future__ import annotations

import asyncio

from tests.builders import batch_items, write_jsonl
from tui.cli import main
from tui.core.journal.batches import apply_server_state
from tui.core.poll.ingest import ingest
from tui.core.submit.check import MAX_SHOWN_ERRORS, plan_from_requests
from tui.core.submit.send import submit


async def _cli(capsys, *argv: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = await asyncio.to_thread(main, list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


async def test_one_more_problem_than_shown(capsys, tmp_path, journal_path):
    path = write_jsonl(tmp_path / "bad.jsonl", [b"nope"] * (MAX_SHOWN_ERRORS + 1))
    code, out, err = await _cli(capsys, "submit", str(path), "--dry-run", "--journal", str(journal_path))
    assert code == 1
    assert "... and 1 more problem\n" in out + err


async def test_one_request_one_row_one_result(journal, journal_path, emulator_factory, capsys, tmp_path):
    import anthropic

    async with emulator_factory() as emu:
        base = ["--journal", str(journal_path), "--base-url", emu.base_url]
        async with anthropic.AsyncAnthropic(api_key="k", base_url=emu.base_url) as client:
            [row] = await submit(journal, client, plan_from_requests(batch_items("one", 1, invalid=1), source="o"))
            ended = await emu.wait_until_ended(row.id)
            async with journal.transaction():
                await apply_server_state(journal, row.local_id, ended)
            assert (await ingest(journal, client, row.local_id)).complete

            code, out, err = await _cli(capsys, *base, "retry", row.id, "--all-errors")
            assert code == 2 and f"resend 1 request of {row.id}:" in out, out + err
            code, out, err = await _cli(capsys, *base, "export", row.id, "--only", "failed",
                                        "-o", str(tmp_path / "one.csv"))
            assert code == 0 and "wrote 1 row of" in out, out + err
            code, out, err = await _cli(capsys, *base, "delete", row.id)
            assert f"on the server (local results are kept): 2 results" in out, out + err
            assert "(es)" not in out + err and "(s)" not in out + err
