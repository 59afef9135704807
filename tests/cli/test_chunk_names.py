"""A job split into several batches names each one by its place in the job, `big (1/3)`, `big (2/3)`, ...,
through the real `submit` and `list` (the emulator over loopback); a job sent as one batch keeps its name."""

from __future__ import annotations

import asyncio

from tests.builders import write_requests
from tui.cli import main


async def test_chunks_of_a_job_are_named_by_their_place(capsys, monkeypatch, journal_path, tmp_path, emulator):
    monkeypatch.setenv("ANTHROPIC_API_KEY", "test-key")

    async def cli(*argv: str) -> str:
        capsys.readouterr()
        code = await asyncio.to_thread(main, [*argv, "--journal", str(journal_path)])
        out, err = capsys.readouterr()
        assert code == 0, err
        return out

    await cli("submit", str(write_requests(tmp_path / "big.jsonl", 6)), "--max-per-batch", "2", "--label", "big",
              "--base-url", emulator.base_url)
    await cli("submit", str(write_requests(tmp_path / "one.jsonl", 3)), "--base-url", emulator.base_url)
    names = sorted(line.split(None, 9)[9] for line in (await cli("list")).splitlines()[1:])
    assert names == ["big (1/3)", "big (2/3)", "big (3/3)", "one.jsonl"]
