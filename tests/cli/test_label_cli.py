"""`claude-batch-tui label ID_OR_NAME "new name"` (issue 11, point 10): an adopted "batch N" gets a name that
`list` shows; `--clear` gives the default back; bad labels and unclear batch names are refused in one line."""

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
        code = await asyncio.to_thread(main, [*argv, "--journal", str(journal_path)])
        out, err = capsys.readouterr()
        return code, out, err

    return run


async def fill(journal) -> None:
    now = time.time()
    async with journal.transaction() as db:
        await db.execute("INSERT INTO batches(id, processing_status, n_succeeded, created_at, ended_at, adopted,"
                         " intent_state) VALUES ('msgbatch_adoptedAAAA1234', 'ended', 3, ?, ?, 1, 'created')",
                         (now - 600, now - 60))
        await db.execute("INSERT INTO batches(id, processing_status, n_processing, created_at, adopted, intent_state)"
                         " VALUES ('msgbatch_runningBBBB5678', 'in_progress', 4, ?, 1, 'created')", (now - 90,))


async def names(cli) -> dict[str, str]:
    code, out, _ = await cli("list", "--json")
    assert code == 0
    return {d["id"]: d["name"] for d in orjson.loads(out)}


async def test_an_adopted_batch_gets_a_name_list_shows_and_clear_gives_the_default_back(cli, journal):
    await fill(journal)
    assert (await names(cli))["msgbatch_adoptedAAAA1234"] == "batch 1 (adopted)"
    code, out, err = await cli("label", "AAAA1234", "  nightly eval  ")
    assert (code, err) == (0, "") and out == "AAAA1234: now named nightly eval (was batch 1 (adopted))\n"
    assert (await names(cli))["msgbatch_adoptedAAAA1234"] == "nightly eval"
    code, out, _ = await cli("list")
    assert "nightly eval" in out and "batch 1 (adopted)" not in out
    code, out, err = await cli("label", "Nightly Eval", "nightly eval v2")      # by its name, case ignored
    assert code == 0 and "now named nightly eval v2" in out
    code, out, err = await cli("label", "#2", "the running one")                  # by its local number
    assert code == 0 and (await names(cli))["msgbatch_runningBBBB5678"] == "the running one"
    code, out, err = await cli("label", "nightly eval v2", "--clear")
    assert code == 0 and "now named batch 1 (adopted)" in out
    assert (await names(cli))["msgbatch_adoptedAAAA1234"] == "batch 1 (adopted)"


@pytest.mark.parametrize(("label", "said"), [
    ("evil\x1b[2J", "an escape (ESC) (U+001B) at character 5"),
    ("two\nlines", "a line break (U+000A) at character 4"),
    ("rtl\u202eabc", "a control or invisible character (U+202E) at character 4"),
    ("x" * 101, "the label is 101 characters long; at most 100"),
    ("   ", "the label is empty"),
])
async def test_bad_labels_are_refused_in_one_line_and_nothing_changes(cli, journal, label, said):
    await fill(journal)
    code, out, err = await cli("label", "AAAA1234", label)
    assert code == 2 and out == "" and err.count("\n") == 1 and "Traceback" not in err
    assert err.startswith("claude-batch-tui: NEW_NAME: ") and said in err, err
    assert "\x1b" not in err and "\u202e" not in err
    assert (await names(cli))["msgbatch_adoptedAAAA1234"] == "batch 1 (adopted)"


async def test_a_batch_name_that_is_unclear_or_unknown_is_refused(cli, journal):
    await fill(journal)
    for key in ("AAAA1234", "BBBB5678"):
        assert (await cli("label", key, "same name"))[0] == 0
    code, out, err = await cli("label", "same name", "other")
    assert code == 1 and "2 batches are named 'same name': give the id of one" in err
    assert "msgbatch_adoptedAAAA1234" in err and "msgbatch_runningBBBB5678" in err
    code, out, err = await cli("label", "nothing-like-this", "x")
    assert code == 1 and "no batch matches 'nothing-like-this' in the journal" in err
    code, out, err = await cli("label", "AAAA1234")
    assert code == 2 and "give the new name" in err
    code, out, err = await cli("label", "AAAA1234", "x", "--clear")
    assert code == 2 and "not both" in err
