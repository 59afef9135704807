"""Cost and time on the real dashboard (Pilot, a real journal, a fixed clock): countdown cells and their
colours, the header's spend/saving/throughput, the expiry notification given once across restarts."""

from __future__ import annotations

import sqlite3

from tests.tui.harness import record_notifications, wait_until
from tui.app import make_app
from tui.core.clock import FixedClock
from tui.core.journal.connection import Journal
from tui.screens.dashboard_overview import OverviewBar
from tui.screens.dashboard import DashboardScreen

T0 = 1_790_000_000.0
HOUR = 3600.0
DAY = 24 * HOUR


async def build_journal(path) -> None:
    journal = await Journal.open(path, FixedClock(T0))
    await journal.close()
    db = sqlite3.connect(path)
    batches = [  # local_id, label, status, created, ended, processing, succeeded, ingest
        (1, "nearly-expired", "in_progress", T0 - DAY + 30 * 60, None, 40, 0, "none"),
        (2, "four-hours-left", "in_progress", T0 - 20 * HOUR, None, 3, 0, "none"),
        (3, "young", "in_progress", T0 - HOUR, None, 100, 0, "none"),
        (4, "finished", "ended", T0 - 3 * HOUR, T0 - 2 * HOUR, 0, 100, "complete"),
        (5, "old-month", "ended", T0 - 30 * DAY, T0 - 30 * DAY + HOUR, 0, 20, "complete"),
    ]
    for lid, label, status, created, ended, proc, ok, ingest in batches:
        db.execute("INSERT INTO batches(local_id, id, label, processing_status, created_at, expires_at, ended_at, "
                   "n_processing, n_succeeded, ingest_state, results_ingested) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                   (lid, f"msgbatch_{lid:024d}", label, status, created, created + DAY, ended, proc, ok, ingest,
                    ok if ingest == "complete" else 0))
    db.executemany("INSERT INTO snapshots VALUES (?,?,?,?,0,0,0)", [
        (4, T0 - 3 * HOUR + 60, 100, 0), (4, T0 - 2 * HOUR, 0, 100),
        (3, T0 - 50 * 60, 100, 0), (3, T0 - 20 * 60, 100, 0)])
    db.executemany("INSERT INTO results(batch_local_id, custom_id, result_type, cost_usd, raw) "
                   "VALUES (?,?, 'succeeded', ?, x'7b7d')",
                   [(4, f"r{i}", 0.0125) for i in range(100)] + [(5, f"r{i}", 0.5) for i in range(20)])
    db.commit()
    db.close()


async def _run(journal_path):
    """The app (on a server that is not there, nothing polls, the clock at T0) and the notifications it gives."""
    app = make_app(journal_path=journal_path, api_key="test-key", base_url="http://127.0.0.1:9", poll=False,
                   clock=FixedClock(T0))
    return app, record_notifications(app)


async def test_countdowns_header_and_expiry_notice_once(journal_path) -> None:
    await build_journal(journal_path)
    app, notes = await _run(journal_path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        assert isinstance(screen, DashboardScreen)
        await wait_until(pilot, lambda: screen.table.overview.now == T0 and screen.table.row_count == 5)
        await pilot.pause()
        table = screen.table
        shown = [c.key for c in table.columns_shown]
        assert "expires" in shown and "eta" in shown               # both fit at 80 columns (the names are short)
        expires = {lid: table.get_cell(str(lid), "expires") for lid in (1, 2, 3, 4)}
        assert expires[1].plain == "30m" and "red" in str(expires[1].style)
        assert expires[2].plain == "4h00m" and "yellow" in str(expires[2].style)
        assert expires[3].plain == "23h00m" and str(expires[3].style) == ""
        assert expires[4].plain == "—"
        header = screen.query_one(OverviewBar).render()
        assert "saved $11.25 vs standard" in str(header) and "1 local only" in str(header)
        assert [n.message for n in notes if "expires in" in n.message] == [
            "nearly-expired expires in 30m with 40 requests still processing; "
            "unfinished requests will come back as expired."]
    app, notes = await _run(journal_path)                          # a restart: no second notice
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: app.screen.table.overview.now == T0 and app.screen.table.row_count == 5)
        await pilot.pause()
    assert not [n for n in notes if "expires in" in n.message]


async def test_wide_terminal_shows_cost_saving_and_eta(journal_path) -> None:
    await build_journal(journal_path)
    app, _ = await _run(journal_path)
    async with app.run_test(size=(160, 30)) as pilot:
        screen = app.screen
        await wait_until(pilot, lambda: screen.table.overview.now == T0 and screen.table.row_count == 5)
        await pilot.pause()
        table = screen.table
        assert table.get_cell("4", "cost").plain == "$1.25"
        assert table.get_cell("4", "saved").plain == "$1.25"
        assert table.get_cell("1", "cost").plain == "—"
        assert table.get_cell("4", "spark").plain == "▁▁▁▁▁▁▁█"
        # batch 3 (100 requests): batch 4 of the same size took 1 h, and batch 3 is 1 h old
        assert table.get_cell("3", "eta").plain == "soon"
        assert table.get_cell("2", "eta").plain == "no est."   # 3 requests: no ended batch of similar size


def test_snapshot_80x24(journal_path, snap_compare) -> None:
    """The dashboard at 80×24 with a fixed clock: countdowns (red, yellow, plain), activity sparklines,
    the saving and throughput header and the expiry notice."""
    import asyncio

    asyncio.run(build_journal(journal_path))
    app = make_app(journal_path=journal_path, api_key="test-key", base_url="http://127.0.0.1:9", poll=False,
                   clock=FixedClock(T0))

    async def loaded(pilot) -> None:
        await app.ready.wait()
        await wait_until(pilot, lambda: app.screen.table.overview.now == T0 and app.screen.table.row_count == 5)
        await pilot.pause(0.2)

    assert snap_compare(app, terminal_size=(80, 24), run_before=loaded)
