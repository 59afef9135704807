"""`--demo`: the emulator and the story run on a thread of their own and the story plays through the real core
paths; the app sees it through the journal."""

from __future__ import annotations

import time

from tests.tui.harness import wait_until
from tui.app import make_app
from tui.core.journal.batches import list_batches


async def test_demo_story_plays_on_a_real_journal(journal_path):
    app = make_app(journal_path=journal_path, demo=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await app.ready.wait()
        assert app.demo_env is not None and app.base_url == app.demo_env.base_url
        assert app.base_url.startswith("http://127.0.0.1:")
        dash = app.screen

        def by_name() -> dict:
            return {r.job_name: r for r in dash.all_rows.values()}

        def story_told() -> bool:
            rows = by_name()
            big = rows.get("catalog-enrichment-20k.jsonl")
            legal = rows.get("legal-contracts-summary.jsonl")
            return bool(big and big.id and legal and legal.cancel_initiated_at
                        and any(r.parent_id for r in rows.values()))

        await wait_until(pilot, story_told, "the demo's story (a big batch sent, a cancel, a retry)", timeout=90,
                         step=0.1)
        rows = by_name()
        [expired] = [row for name, row in rows.items() if name.startswith("nightly-eval-")]
        assert abs(app.clock.now() - time.time()) < 600     # the story's day-long jump ends at today, not tomorrow
        assert expired.processing_status == "ended" and expired.counts.expired > 0
        triage = rows["support-tickets-triage.jsonl"]
        assert triage.processing_status == "ended" and triage.counts.errored > 0
        assert rows["catalog-enrichment-20k.jsonl"].total == 20_000
        assert rows["catalog-enrichment-20k.jsonl"].processing_status == "in_progress"
        assert rows["legal-contracts-summary.jsonl"].cancel_initiated_at is not None
        retry = next(r for r in rows.values() if r.parent_id)
        assert retry.parent_id == rows["product-descriptions.jsonl"].id
        assert retry.total == rows["product-descriptions.jsonl"].counts.errored
        # everything went through the journal (intents, requests' params) and the real server
        journal_rows = await list_batches(app.journal)
        assert {r.local_id for r in journal_rows} == set(dash.all_rows)
        async with app.journal.db.execute("SELECT COUNT(*) FROM requests") as cur:
            (stored,) = await cur.fetchone()
        assert stored >= 20_000 + 400 + 400
        async with app.journal.db.execute(
                "SELECT COUNT(*) FROM results WHERE error_type = 'invalid_request_error'") as cur:
            (invalid,) = await cur.fetchone()
        assert invalid > 0                              # the unknown-model lines
        assert set(app.demo_env.emulator.batch_ids()) == {r.id for r in journal_rows if r.id}
        # rows on screen for all of it, and it is still running and responsive
        assert dash.table.row_count == len(journal_rows)
        await pilot.press("question_mark")
        assert type(app.screen).__name__ == "HelpScreen"
