"""The CLI's `list` and the TUI's dashboard say the same thing in the same words: one status word and one
duration per batch, from one journal, read by both."""

from __future__ import annotations

import asyncio
import sqlite3
import time

from tests.tui.harness import wait_until
from tui.app import make_app
from tui.cli import main
from tui.core.journal.connection import Journal
from tui.screens.dashboard import DashboardScreen

# local_id, server id, status, counts (processing, succeeded, errored, expired), intent, intent_error, age (s)
BATCHES = [
    (1, "msgbatch_done_00000001", "ended", (0, 5, 0, 0), "created", None, 3 * 3600 + 12 * 60 + 30),
    (2, "msgbatch_errs_00000002", "ended", (0, 3, 2, 0), "created", None, 2 * 86400 + 4 * 3600 + 30),
    (3, "msgbatch_expd_00000003", "ended", (0, 3, 0, 2), "created", None, 30 * 60 + 30),
    (4, "msgbatch_runs_00000004", "in_progress", (5, 0, 0, 0), "created", None, 42 * 60 + 30),
    (5, None, None, (0, 0, 0, 0), "failed", "HTTP 413 request_too_large", None),
    (6, None, None, (0, 0, 0, 0), "intent", "not sent yet: could not reach the server", None),
    (7, "msgbatch_miss_00000007", "ended", (0, 5, 0, 0), "created", None, 5 * 60 + 30),   # 2 results missing
]


async def _fill(path) -> None:
    await (await Journal.open(path)).close()
    now = time.time()
    db = sqlite3.connect(path)
    for lid, batch_id, status, (proc, ok, err, exp), intent, error, age in BATCHES:
        db.execute("INSERT INTO batches(local_id, id, label, processing_status, n_processing, n_succeeded, "
                   "n_errored, n_expired, created_at, ended_at, intent_state, intent_error, intent_request_count) "
                   "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,5)",
                   (lid, batch_id, f"b{lid}", status, proc, ok, err, exp, None if age is None else now - age,
                    now - 10 if status == "ended" else None, intent, error))
    db.execute("UPDATE batches SET results_compared = 1, results_missing = 2 WHERE local_id = 7")
    db.commit()
    db.close()


def test_list_and_the_dashboard_use_the_same_status_words_and_durations(journal_path, capsys):
    asyncio.run(_fill(journal_path))
    assert main(["list", "--journal", str(journal_path)]) == 0
    lines = capsys.readouterr().out.splitlines()
    header = lines[0]
    columns = {name: header.index(name) for name in ("STATUS", "REQUESTS", "AGE", "COST", "NAME")}
    cli = {}
    for line in lines[1:]:
        status = line[columns["STATUS"]:columns["REQUESTS"]].strip()
        age = line[columns["COST"] - 8:columns["COST"]].split()[-1]
        cli[line[columns["NAME"]:].strip()] = (status, age)
    tui = asyncio.run(_dashboard_words(journal_path))

    assert tui == cli
    assert {status for status, _ in cli.values()} == {"done", "errors", "expired", "running", "refused", "waiting",
                                                        "mismatch"}
    assert (cli["b1"][1], cli["b2"][1], cli["b5"][1]) == ("3h12m", "2d4h", "-")


async def _dashboard_words(journal_path) -> dict[str, tuple[str, str]]:
    """{name: (status word, age)} as the dashboard's cells show them."""
    app = make_app(journal_path=journal_path, api_key="k", base_url="http://127.0.0.1:9", poll=False)
    async with app.run_test(size=(200, 30)) as pilot:
        screen = app.screen
        assert isinstance(screen, DashboardScreen)
        await wait_until(pilot, lambda: screen.table.row_count == len(BATCHES), "the dashboard's rows", timeout=10)
        table = screen.table
        tui = {}
        for lid, *_ in BATCHES:
            status = table.get_cell(str(lid), "status").plain.split(" ", 1)[1]   # after the spinner/mark
            age = table.get_cell(str(lid), "age").plain.replace("—", "-")
            tui[f"b{lid}"] = (status, age)
    return tui
