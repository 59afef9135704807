"""`claude-batch-tui submit` end to end: the real CLI entry point (in a thread), the emulator over loopback."""

from __future__ import annotations

import asyncio

import pytest

from tests.builders import request, write_jsonl, write_requests
from tui.cli import main


@pytest.fixture
def cli(capsys, monkeypatch, journal_path):
    async def run(*argv: str, key: str | None = "test-key") -> tuple[int, str, str]:
        if key:
            monkeypatch.setenv("ANTHROPIC_API_KEY", key)
        capsys.readouterr()
        code = await asyncio.to_thread(main, [*argv, "--journal", str(journal_path)])
        out, err = capsys.readouterr()
        return code, out, err

    return run


async def test_submit_prints_the_plan_and_one_id_per_batch(cli, tmp_path, emulator):
    path = write_requests(tmp_path / "in.jsonl", 25)
    code, out, err = await cli("submit", str(path), "--max-per-batch", "10", "--label", "nightly",
                               "--base-url", emulator.base_url)
    assert code == 0, err
    ids = out.split()
    assert len(ids) == 3 and sorted(ids) == sorted(emulator.batch_ids())
    assert f"{path}: 25 requests in 3 batches" in err
    assert "batch 3: 5 requests" in err and "(lines 21-25)" in err
    code, out, _ = await cli("list")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split()[:3] == ["ID", "STATUS", "REQUESTS"]
    assert {line.split()[0] for line in lines[1:]} == {i[-8:] for i in ids}
    assert all("nightly" in line for line in lines[1:])


async def test_bad_lines_are_listed_and_nothing_is_sent(cli, tmp_path, emulator, journal_path):
    path = write_jsonl(tmp_path / "bad.jsonl", [{"custom_id": "a b", "params": {}},
                                                 request("ok", model="m", max_tokens=0, messages=[1])])
    code, out, err = await cli("submit", str(path), "--base-url", emulator.base_url)
    assert code == 1 and out == ""
    assert f"{path}:1: custom_id 'a b' must match" in err
    assert f"{path}:2: params.max_tokens must be at least 1, got 0" in err
    assert "nothing was sent" in err
    assert emulator.batch_ids() == [] and not journal_path.exists()


async def test_dry_run_sends_nothing(cli, tmp_path, emulator, journal_path):
    path = write_requests(tmp_path / "in.jsonl", 3)
    code, out, _ = await cli("submit", str(path), "--dry-run", key=None)
    assert code == 0
    assert f"{path}: 3 requests in 1 batch" in out and "dry run: nothing was sent" in out
    assert emulator.batch_ids() == [] and not journal_path.exists()


async def test_without_a_key_a_clear_message_and_exit_2(cli, tmp_path, journal_path):
    path = write_requests(tmp_path / "in.jsonl", 3)
    code, out, err = await cli("submit", str(path), key=None)
    assert code == 2 and "ANTHROPIC_API_KEY" in err and "Traceback" not in err
    assert not journal_path.exists()


async def test_same_file_twice_needs_again(cli, tmp_path, emulator):
    path = write_requests(tmp_path / "in.jsonl", 3)
    assert (await cli("submit", str(path), "--base-url", emulator.base_url))[0] == 0
    code, out, err = await cli("submit", str(path), "--base-url", emulator.base_url)
    assert code == 1 and out == "" and "already submitted" in err and "--again" in err
    assert len(emulator.batch_ids()) == 1
    code, out, _ = await cli("submit", str(path), "--again", "--base-url", emulator.base_url)
    assert code == 0 and len(emulator.batch_ids()) == 2 and out.strip() == emulator.batch_ids()[0]


def test_max_per_batch_is_checked_by_the_parser(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["submit", "x.jsonl", "--max-per-batch", "0"])
    assert exc.value.code == 2 and "between 1 and 100,000" in capsys.readouterr().err


async def test_submit_finishes_an_interrupted_submit_first(cli, tmp_path, emulator, journal_path):
    from tui.core.journal.connection import Journal
    from tui.core.submit.check import plan
    from tui.core.submit.send import record_intents

    path = write_requests(tmp_path / "in.jsonl", 4)
    journal = await Journal.open(journal_path)
    _, lock = await record_intents(journal, plan(path))   # committed, never sent: then the process died
    lock.release()
    await journal.close()
    code, out, err = await cli("submit", str(path), "--base-url", emulator.base_url)
    [batch_id] = emulator.batch_ids()
    assert f"finished an interrupted submit: {batch_id}" in err
    assert code == 1 and "already submitted" in err and out == ""


async def test_a_label_with_a_control_character_is_refused_and_nothing_sent(cli, tmp_path, emulator, journal_path):
    path = write_requests(tmp_path / "in.jsonl", 2)
    code, out, err = await cli("submit", str(path), "--label", "two\nlines", "--base-url", emulator.base_url)
    assert code != 0 and out == ""
    assert "--label: the label holds a line break (U+000A) at character 4" in err
    assert emulator.batch_ids() == [] and not journal_path.exists()
