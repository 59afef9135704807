"""`list` and `watch` adopt the batches made elsewhere (issue 11, point 10), as the TUI does: a batch created
on the emulator directly through the SDK, never by this journal, is listed by `list` and followed to its end
by `watch`. A server out of reach does not fail `list`: it says so on stderr and lists the journal."""

from __future__ import annotations

import asyncio

import orjson

from tests.builders import requests
from tests.core.poll_helpers import create_recorded
from tui.cli import main


async def _cli(capsys, *argv: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = await asyncio.to_thread(main, list(argv))
    out, err = capsys.readouterr()
    return code, out, err


async def test_list_adopts_a_batch_made_elsewhere_once(emulator, client, journal_path, capsys):
    elsewhere = await client.messages.batches.create(requests=requests(4, ids="e-{i}"))
    args = ("--journal", str(journal_path), "--base-url", emulator.base_url, "list")
    code, out, err = await _cli(capsys, *args, "--json")
    assert code == 0 and err == "adopted 1 batch made elsewhere (found on the account)\n", err
    [row] = orjson.loads(out)
    assert (row["id"], row["adopted"], row["name"], row["total"]) == (elsewhere.id, True, "batch 1 (adopted)", 4)
    code, out, err = await _cli(capsys, *args)
    assert code == 0 and err == "" and elsewhere.id[-8:] in out and "batch 1 (adopted)" in out   # known now
    lists = emulator.stats["list"]
    code, out, err = await _cli(capsys, *args, "--offline")
    assert code == 0 and err == "" and emulator.stats["list"] == lists and "batch 1 (adopted)" in out


async def test_list_waits_with_adoption_while_a_batch_of_its_own_is_not_sent(emulator, client, journal_path,
                                                                             capsys, journal):
    await client.messages.batches.create(requests=requests(2, ids="e-{i}"))
    async with journal.transaction() as db:   # an intent of this journal, not sent yet
        await db.execute("INSERT INTO batches(intent_state, intent_request_count) VALUES ('intent', 3)")
    code, out, err = await _cli(capsys, "--journal", str(journal_path), "--base-url", emulator.base_url, "list")
    assert code == 0 and "not sent yet; batches made elsewhere are adopted once they are" in err
    assert "(adopted)" not in out


async def test_list_out_of_reach_says_so_and_lists_the_journal(journal_path, capsys, journal, client):
    await create_recorded(journal, client, 3)
    code, out, err = await _cli(capsys, "--journal", str(journal_path), "--base-url", "http://127.0.0.1:9", "list")
    assert code == 0 and "Traceback" not in err
    assert err.startswith("note: could not look for batches made elsewhere (") and err.count("\n") == 1
    assert err.rstrip().endswith("; listing the journal only")
    assert len(out.splitlines()) == 2 and "running" in out       # the header and the journal's batch


async def test_watch_follows_a_batch_made_elsewhere_to_the_end(emulator, client, journal_path, capsys):
    elsewhere = await client.messages.batches.create(requests=requests(30, ids="w-{i}"))
    base = ("--journal", str(journal_path), "--base-url", emulator.base_url)
    code, out, err = await _cli(capsys, *base, "watch", "--no-adopt", "--interval", "0.1")
    assert code == 0 and "nothing to watch: the journal has no batches (submit some first)" in out
    code, out, err = await _cli(capsys, *base, "watch", "--interval", "0.1")
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0] == f"adopted 1 batch made elsewhere (found on the account): {elsewhere.id[-8:]}", lines
    assert lines[1].startswith("watching 1 batch (")       # running or ended already: the emulator is quick
    assert "results 30/30 complete" in out and "1 batch ended; 30 results in the journal" in out
    assert "were not checked against what was sent" in err      # nothing sent from here to compare with
    code, out, _ = await _cli(capsys, *base, "list", "--json")
    [row] = orjson.loads(out)
    assert row["id"] == elsewhere.id and row["adopted"] and row["results_ingested"] == 30
    assert row["ingest_state"] == "complete"

