"""`list` on a server whose clock is hours off: a batch made 90 seconds ago (on the server's clock) is 1m30s old,
read against the server's clock as measured from its answers, not "3h20m"."""

from __future__ import annotations

import asyncio
import re

import anthropic
import pytest

from tests.builders import write_requests
from tui.cli import main
from tui.core.journal.connection import Journal
from tui.core.submit.check import plan
from tui.core.submit.send import submit


@pytest.mark.parametrize("offset", [pytest.param(-(3 * 3600 + 19 * 60), id="server-3h19m-behind"),
                                    pytest.param(25 * 60, id="server-25min-ahead")])
async def test_list_reads_ages_on_the_servers_clock(journal_path, tmp_path, emulator_factory, capsys, monkeypatch,
                                                    offset):
    async with emulator_factory(clock_offset_s=offset, request_ms=1_000_000.0) as emu:
        journal = await Journal.open(journal_path)
        try:
            async with anthropic.AsyncAnthropic(api_key="k", base_url=emu.base_url) as client:
                [row] = await submit(journal, client, plan(write_requests(tmp_path / "in.jsonl", 3)), label="skewed")
        finally:
            await journal.close()
        emu.advance(90)
        monkeypatch.setenv("ANTHROPIC_API_KEY", "k")
        capsys.readouterr()
        code = await asyncio.to_thread(main, ["list", "--journal", str(journal_path), "--base-url", emu.base_url])
        out, err = capsys.readouterr()
    assert code == 0, err
    [line] = [ln for ln in out.splitlines() if row.id[-8:] in ln]
    assert re.search(r"\b1m\d\ds\b", line), line
