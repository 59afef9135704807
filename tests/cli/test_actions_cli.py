"""The headless twins of the keys: cancel, retry, export, delete through `tui.cli.main`, against the emulator,
on the same journal file the test reads. The CLI runs in a worker thread (its own event loop), the emulator
on the test's loop; one case runs the real console script in a subprocess."""

from __future__ import annotations

import asyncio
import csv
import os
import sys

import orjson

from tests.builders import batch_items
from tui.cli import main
from tui.core.poll.ingest import ingest
from tui.core.submit.check import plan_from_requests
from tui.core.journal.batches import apply_server_state, get_batch
from tui.core.submit.send import submit
from tui.core.words import plural


async def _cli(capsys, *argv: str) -> tuple[int, str, str]:
    code = await asyncio.to_thread(main, list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


async def _settle(journal, client, emu, row) -> None:
    ended = await emu.wait_until_ended(row.id)
    async with journal.transaction():
        await apply_server_state(journal, row.local_id, ended)
    assert (await ingest(journal, client, row.local_id)).complete


async def test_cancel_from_the_cli(journal, journal_path, emulator_factory, capsys):
    import anthropic

    async with emulator_factory(request_ms=60_000) as emu:
        base = ["--journal", str(journal_path), "--base-url", emu.base_url]
        async with anthropic.AsyncAnthropic(api_key="k", base_url=emu.base_url) as client:
            rows = [(await submit(journal, client, plan_from_requests(batch_items(p, 3), source=p)))[0] for p in "ab"]
            code, out, err = await _cli(capsys, *base, "cancel", rows[0].id, rows[1].id)
            assert code == 2 and "add --yes" in err  # no terminal to ask on: refuse, send nothing
            assert (await get_batch(journal, rows[0].local_id)).processing_status == "in_progress"
            code, out, err = await _cli(capsys, *base, "cancel", rows[0].id, rows[1].id[-10:], "--yes")
            assert code == 0, err
            assert out.count("3 requests still processing") == 2
            assert f"{rows[0].id}: canceling" in out and f"{rows[1].id}: canceling" in out
            for row in rows:
                assert (await get_batch(journal, row.local_id)).processing_status == "canceling"
                assert emu.get_batch(row.id)["processing_status"] == "canceling"
            async with journal.db.execute("SELECT detail FROM events WHERE kind = 'canceled'") as cur:
                assert [orjson.loads(r[0])["by"] for r in await cur.fetchall()] == ["cli", "cli"]
            emu.advance(3600)
            await _settle(journal, client, emu, rows[0])
            code, out, err = await _cli(capsys, *base, "cancel", rows[0].id, "--yes")
            assert code == 1 and "has already ended; only unfinished batches can be canceled" in err
            code, out, err = await _cli(capsys, *base, "delete", rows[1].id, "--yes")
            assert code == 1 and "has not ended (canceling); cancel it first or wait" in err


async def test_retry_export_delete_from_the_cli(journal, journal_path, emulator_factory, capsys, tmp_path):
    import anthropic

    async with emulator_factory(fail_requests=0.3, seed=5) as emu:
        base = ["--journal", str(journal_path), "--base-url", emu.base_url]
        async with anthropic.AsyncAnthropic(api_key="k", base_url=emu.base_url) as client:
            plan = plan_from_requests(batch_items("m", 20, invalid=2), source="m.jsonl")
            [first] = await submit(journal, client, plan, label="mixed")
            await _settle(journal, client, emu, first)
            truth = emu.results_for(first.id)
            retryable = sorted(c for c, l in truth.items() if l["result"]["type"] == "errored"
                               and l["result"]["error"]["error"]["type"] != "invalid_request_error")
            assert retryable

            code, out, err = await _cli(capsys, *base, "retry", first.id)
            assert code == 2 and "add --yes" in err and f"resend {plural(len(retryable), 'request')} of" in out
            assert "held back: 2 invalid_request_error" in out and "m-bad0, m-bad1" in out
            current = first
            for _ in range(8):
                code, out, err = await _cli(capsys, *base, "retry", current.id, "--yes")
                assert code == 0, err
                new_id = out.strip().splitlines()[-1].split(":")[0]
                current = await get_batch(journal, new_id)
                assert current.parent_id is not None
                await _settle(journal, client, emu, current)
                current = await get_batch(journal, current.local_id)
                if not current.counts.failed:
                    break
            assert current.id != first.id and not current.counts.failed
            code, out, err = await _cli(capsys, *base, "retry", current.id)
            assert code == 1 and "has no failed requests" in err
            code, out, err = await _cli(capsys, *base, "retry", first.id, "--yes")
            assert code == 1 and f"{first.id} was already retried by msgbatch_" in err and "--again" in err

            target = tmp_path / "final.csv"
            code, out, err = await _cli(capsys, *base, "export", current.id, "--final", "-o", str(target))
            assert code == 0, err
            assert f"wrote 22 rows of the job of {current.id}" in out and str(target) in out
            with open(target, encoding="utf-8", newline="") as f:
                rows = list(csv.DictReader(f))
            assert [r["custom_id"] for r in rows] == sorted(c for c, _ in batch_items("m", 20, invalid=2))
            assert {r["result_type"] for r in rows if "bad" not in r["custom_id"]} == {"succeeded"}
            assert oct(os.stat(target).st_mode & 0o777) == "0o600"

            code, out, err = await _cli(capsys, *base, "export", first.id, "-o", str(target))
            assert code == 1 and err.strip() == (f"claude-batch-tui: {target} already exists; choose another "
                                                 "name or add --force to replace it")
            code, out, err = await _cli(capsys, *base, "export", first.id, "-o", str(tmp_path / "raw.jsonl"))
            assert code == 0 and "wrote 22 rows of batch" in out
            assert len((tmp_path / "raw.jsonl").read_bytes().splitlines()) == 22
            code, out, err = await _cli(capsys, *base, "export", "msgbatch_unknown", "-o", str(tmp_path / "u.csv"))
            assert code == 1 and "no batch or job matches 'msgbatch_unknown'" in err
            folder = "/sys" if os.geteuid() == 0 else str(_read_only(tmp_path))
            code, out, err = await _cli(capsys, *base, "export", first.id, "-o", f"{folder}/x.csv")
            assert code == 1 and f"cannot write in {folder}" in err

            code, out, err = await _cli(capsys, *base, "delete", first.id, "--yes")
            assert code == 0 and "deleted on the server, 22 local results kept" in out
            assert (await get_batch(journal, first.local_id)).deleted_at is not None
            code, out, err = await _cli(capsys, *base, "export", first.id, "-o", str(tmp_path / "after.csv"))
            assert code == 0 and "wrote 22 rows" in out


def _read_only(tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o555)
    return folder


async def test_console_script_refusal_in_a_subprocess(journal_path, tmp_path):
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tui", "--journal", str(journal_path), "export", "nothing-here", "-o",
        str(tmp_path / "x.csv"), stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await proc.communicate()
    assert proc.returncode == 1 and out == b""
    assert err.decode().strip() == "claude-batch-tui: no batch or job matches 'nothing-here' in the journal"
