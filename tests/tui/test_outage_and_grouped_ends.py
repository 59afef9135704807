"""Issue 11, points 6 and 8: the status line tells an outage at once; the batches ending in one sweep make one
notification and one bell; toasts stay off the help."""

from __future__ import annotations

import dataclasses
import re

from tests.builders import batch_items
from tests.tui.harness import record_notifications, running_app, settle, wait_until
from tests.tui.test_dashboard import submit_to
from tui.screens.dashboard import DashboardScreen
from tui.screens.help import HelpScreen


async def test_a_server_that_stops_answering_shows_as_unreachable_within_one_sweep(journal_path, client, emulator):
    await submit_to(journal_path, client, emulator, "long", batch_items("l", 1), request_ms=600_000)
    async with running_app(journal_path, emulator, poll=True, size=(80, 24)) as (app, pilot):
        await wait_until(pilot, lambda: app.status[0].startswith("last poll"), "a first good sweep")
        await emulator.stop()                                   # the server goes away
        app.poll_now()                                          # the next sweep (R)
        await wait_until(pilot, lambda: app.status[1], "one sweep after the server went away")
        text, error = app.status
        assert error, text
        assert re.search(r"server unreachable since \d\d:\d\d:\d\d UTC, retrying in \d+(s|m\d\ds)", text), text
        assert "last poll" not in text
        # a sweep that makes no call while the poller waits out its backoff still says so
        app.on_sweep(await app.poller.sweep())
        assert app.status[0].startswith("server unreachable since"), app.status


async def test_batches_ending_in_one_sweep_make_one_notification_and_one_bell(journal_path, client, emulator):
    ids = []
    for i in range(5):   # the first one's requests all end errored
        emulator.config = dataclasses.replace(emulator.config, fail_requests=1.0 if i == 0 else 0.0)
        ids.append(await submit_to(journal_path, client, emulator, f"job-{i}", batch_items(f"j{i}", 2)))
        await emulator.wait_until_ended(emulator.batch_ids()[0])
    async with running_app(journal_path, emulator, size=(80, 24)) as (app, pilot):
        notes = record_notifications(app, show=False)
        bells: list[int] = []
        app.bell = lambda: bells.append(1)
        app.on_sweep(await app.poller.sweep(force=True))
        await settle(pilot)
        ended = [n for n in notes if "ended" in (n.title + n.message)]
        assert len(ended) == 1, notes
        assert "5 batches ended: 4 ok, 1 with errors" in ended[0].message, ended[0]
        assert bells == [1]
        assert "5 batches ended" in app.status[0]                # the status line carries the newest
    assert len(ids) == 5


async def test_one_or_two_batches_ending_are_named(journal_path, client, emulator):
    for i in range(2):
        await submit_to(journal_path, client, emulator, f"named-{i}", batch_items(f"n{i}", 1), request_ms=1)
    for batch_id in emulator.batch_ids():
        await emulator.wait_until_ended(batch_id)
    async with running_app(journal_path, emulator, size=(80, 24)) as (app, pilot):
        notes = record_notifications(app, show=False)
        app.bell = lambda: None
        app.on_sweep(await app.poller.sweep(force=True))
        await settle(pilot)
        assert len(notes) == 1 and "named-0" in notes[0].message and "named-1" in notes[0].message, notes


async def test_toasts_do_not_cover_the_help(journal_path, emulator):
    async with running_app(journal_path, emulator, size=(80, 24), notifications=True) as (app, pilot):
        assert isinstance(app.screen, DashboardScreen)
        await pilot.press("question_mark")
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)
        app.notify("3 batches ended: 3 ok", title="Batches ended", timeout=30)
        await settle(pilot)
        assert app.screen.query("Toast") and not [t for t in app.screen.query("Toast") if t.visible]


async def test_a_cut_results_download_says_what_it_does_and_when_it_tries_again(journal_path, client, emulator):
    emulator.config = dataclasses.replace(emulator.config, cut_results=1.0)    # every results stream cut part-way
    await submit_to(journal_path, client, emulator, "cut", batch_items("c", 40))
    await emulator.wait_until_ended(emulator.batch_ids()[0])
    async with running_app(journal_path, emulator, poll=True, size=(80, 24)) as (app, pilot):
        await wait_until(pilot, lambda: "results of cut" in app.status[0], "the cut download on the status line")
        text = app.status[0]
        assert re.search(r"^results of cut: download stopped at \d+/40, resuming from there in \d+s — .+", text), text
        app.on_sweep(await app.poller.sweep(force=True))        # a sweep meanwhile keeps saying it
        assert "results of cut: download stopped" in app.status[0] and "resuming" in app.status[0], app.status
