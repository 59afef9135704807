"""Cancel against the emulator with the real SDK and a real journal."""

from __future__ import annotations

from action_helpers import create_tracked, events, refresh

from tests.builders import requests
from tui.core.actions.cancel import cancel_batches
from tui.core.journal.batches import get_batch


async def test_cancel_several_shows_canceling_at_once_then_ended(journal, emulator_factory):
    import anthropic

    async with emulator_factory(request_ms=60_000) as emu:
        async with anthropic.AsyncAnthropic(api_key="k", base_url=emu.base_url) as client:
            a = await create_tracked(journal, client, requests(5, ids="a-{i}"))
            b = await create_tracked(journal, client, requests(5, ids="b-{i}"))
            outcomes = await cancel_batches(journal, client, [a, b], actor="tui")
            assert [o.ok for o in outcomes] == [True, True]
            for o, local_id in zip(outcomes, (a, b)):
                row = await get_batch(journal, local_id)
                assert row.processing_status == "canceling" and row.cancel_initiated_at is not None
                assert o.batch == row and o.message.endswith("canceling")
            trail = await events(journal, "canceled")
            assert [(lid, d["by"]) for lid, d in trail] == [(a, "tui"), (b, "tui")]
            row_a = await get_batch(journal, a)
            emu.advance(60)
            ended = await emu.wait_until_ended(row_a.id)
            assert ended["request_counts"]["canceled"] >= 4
            await refresh(journal, client, a)
            row = await get_batch(journal, a)
            assert row.processing_status == "ended" and row.counts.canceled == ended["request_counts"]["canceled"]
            # an ended batch is refused without asking the server
            again = await cancel_batches(journal, client, [row.id])
            assert not again[0].ok and "already ended" in again[0].message


async def test_failed_cancel_says_why_and_leaves_the_row(journal, emulator_factory):
    import anthropic

    async with emulator_factory(request_ms=1) as emu:
        async with anthropic.AsyncAnthropic(api_key="k", base_url=emu.base_url, max_retries=0) as client:
            local_id = await create_tracked(journal, client, requests(2, ids="c-{i}"))
            before = await get_batch(journal, local_id)
            await emu.wait_until_ended(before.id)  # the server ended it; the journal still says in_progress
            [outcome] = await cancel_batches(journal, client, [before.id[-8:]])
            assert not outcome.ok
            assert outcome.message.startswith(f"could not cancel {before.id}: HTTP 400 invalid_request_error")
            assert await get_batch(journal, local_id) == before
            local_2 = await create_tracked(journal, client, requests(2, ids="d-{i}"))
            before_2 = await get_batch(journal, local_2)
            emu.fail_next(500)
            [outcome] = await cancel_batches(journal, client, [local_2])
            assert not outcome.ok and "HTTP 500" in outcome.message
            assert await get_batch(journal, local_2) == before_2
            assert [d["error"][:8] for _, d in await events(journal, "cancel_failed")] == ["HTTP 400", "HTTP 500"]


async def test_unknown_and_unsent_batches_are_refused(journal, client):
    async with journal.transaction():
        await journal.db.execute("INSERT INTO batches(id, intent_state) VALUES (NULL, 'intent')")
    outcomes = await cancel_batches(journal, client, ["msgbatch_nothing", 1])
    assert [o.ok for o in outcomes] == [False, False]
    assert "no batch matches 'msgbatch_nothing'" in outcomes[0].message
    assert "never created on the server" in outcomes[1].message
