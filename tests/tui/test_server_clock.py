"""A server whose clock is hours off (the emulator's `clock_offset_s`): a batch it made 90 seconds ago reads
"1m30s" old on the dashboard and in the batch's facts, not "3h20m" (or nothing, on a clock ahead). The app
measures the server's clock from the `date` header of its answers and reads server dates against it."""

from __future__ import annotations

import re

import anthropic
import pytest

from tests.builders import write_requests
from tests.tui.harness import running_app, screen_lines, screen_text, wait_until
from tui.core.journal.connection import Journal
from tui.core.submit.check import plan
from tui.core.submit.send import submit

AGE = re.compile(r"\b1m\d\ds\b")   # 90 s and a few more: 1m30s .. 1m59s


@pytest.mark.parametrize("offset", [pytest.param(-(3 * 3600 + 19 * 60), id="server-3h19m-behind"),
                                    pytest.param(25 * 60, id="server-25min-ahead")])
async def test_ages_are_read_on_the_servers_clock(journal_path, tmp_path, emulator_factory, offset):
    async with emulator_factory(clock_offset_s=offset, request_ms=1_000_000.0) as emu:   # it stays in progress
        journal = await Journal.open(journal_path)
        try:
            async with anthropic.AsyncAnthropic(api_key="k", base_url=emu.base_url) as client:
                [row] = await submit(journal, client, plan(write_requests(tmp_path / "in.jsonl", 3)),
                                     label="skewed")
        finally:
            await journal.close()
        emu.advance(90)   # on the server's clock, the batch was made a minute and a half ago

        async with running_app(journal_path, emu, poll=True, size=(200, 40)) as (app, pilot):
            def age_shown() -> bool:
                line = next((ln for ln in screen_lines(app) if "skewed" in ln), "")
                return bool(AGE.search(line))

            await wait_until(pilot, age_shown, "the dashboard to show the batch 1m30s old")
            assert not re.search(r"\b3h\d\dm\b", next(ln for ln in screen_lines(app) if "skewed" in ln))
            await pilot.press("enter")
            await wait_until(pilot, lambda: re.search(r"\(1m\d\ds ago\)", screen_text(app)),
                             "the batch's facts to say it was created 1m30s ago")
    assert row.id is not None
