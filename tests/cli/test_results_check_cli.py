"""The CLI says when a batch's results do not match what was sent (the emulator injecting lines for custom_ids
never sent, leaving lines out, repeating lines): `watch` warns and exits 3, again on a second run (no wait for
results that will not come); `list` warns and `list --json` carries the counts; `retry` resends the missing, and
then `watch` is content."""

from __future__ import annotations

import asyncio
import dataclasses
import re

import orjson

from tests.builders import write_requests
from tui.cli import main
from tui.core.words import plural


async def _cli(journal_path, base_url, *argv: str) -> int:
    return await asyncio.to_thread(main, ["--journal", str(journal_path), "--base-url", base_url, *argv])


async def test_watch_list_and_retry_say_what_the_results_stream_got_wrong(emulator_factory, tmp_path, capsys):
    journal = tmp_path / "journal.sqlite"
    async with emulator_factory(foreign_results=0.05, missing_results=0.05, duplicate_results=0.05,
                                seed=5) as emu:
        assert await _cli(journal, emu.base_url, "submit", str(write_requests(tmp_path / "in.jsonl", 80))) == 0
        [batch_id] = emu.batch_ids()
        await emu.wait_until_ended(batch_id)
        wrong = emu.results_injected(batch_id)
        n_missing, n_unknown, n_dup = (len(wrong[k]) for k in ("missing", "foreign", "duplicate"))
        assert n_missing > 1 and n_unknown > 1 and n_dup > 1
        words = f"{n_missing} results missing, {n_unknown} unknown ids, {n_dup} duplicate lines"
        capsys.readouterr()

        assert await _cli(journal, emu.base_url, "watch", "--interval", "0.1") == 3
        out, err = capsys.readouterr()
        assert f"results {80 - n_missing}/80 partial ({words})" in out
        assert f"warning: results of {batch_id} do not match what was sent: {words}; `retry` resends the missing" in err
        assert f"error: results of {batch_id} do not match what was sent: {words}" in err

        assert await _cli(journal, emu.base_url, "watch", "--interval", "0.1") == 3   # no wait, still said
        assert f"error: results of {batch_id} do not match what was sent: {words}" in capsys.readouterr().err

        assert await _cli(journal, emu.base_url, "list") == 0
        err = capsys.readouterr().err
        assert re.search(rf"warning: \S+: results do not match what was sent: {words}; `retry` resends the missing", err)
        assert await _cli(journal, emu.base_url, "list", "--json") == 0
        [row] = orjson.loads(capsys.readouterr().out)
        assert (row["results_check"], row["results_missing"], row["results_unknown_ids"],
                row["results_duplicate_lines"], row["results_ingested"]) == (
            "mismatch", n_missing, n_unknown, n_dup, 80 - n_missing)

        emu.config = dataclasses.replace(emu.config, foreign_results=0.0, missing_results=0.0, duplicate_results=0.0)
        assert await _cli(journal, emu.base_url, "retry", batch_id, "--yes") == 0
        out = capsys.readouterr().out
        assert re.search(rf"resend {plural(n_missing, 'request')} of {batch_id}:\n +{n_missing}  missing \(no line in the results\)", out)
        assert await _cli(journal, emu.base_url, "watch", "--interval", "0.1") == 0   # the retry carries them now
        capsys.readouterr()


async def test_watch_says_a_clean_stream_matched_and_exits_0(emulator, tmp_path, capsys):
    journal = tmp_path / "journal.sqlite"
    assert await _cli(journal, emulator.base_url, "submit", str(write_requests(tmp_path / "in.jsonl", 20))) == 0
    assert await _cli(journal, emulator.base_url, "watch", "--interval", "0.1") == 0
    out, err = capsys.readouterr()
    assert "results 20/20 complete" in out and "match" not in err
    assert await _cli(journal, emulator.base_url, "list", "--json") == 0
    [row] = orjson.loads(capsys.readouterr().out)
    assert (row["results_check"], row["results_missing"], row["results_unknown_ids"]) == ("ok", 0, 0)


def test_watch_help_names_the_exit_codes(capsys):
    import pytest

    with pytest.raises(SystemExit):
        main(["watch", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "3 some results do not match what was sent" in text and "1 some results could not be read whole" in text
