"""Cost and time in the batch view: spend and saving, the ETA with how it was made, where results live."""

from __future__ import annotations

from tests.tui.harness import wait_until
from tests.tui.test_cost_time_dashboard import T0, _run, build_journal
from tui.screens.batch import BatchScreen
from tui.widgets.batch_facts import BatchFacts, fact_pairs


async def _facts_text(app, pilot, local_id: int) -> str:
    await app.push_screen(BatchScreen(local_id))
    facts = app.screen.query_one(BatchFacts)
    await wait_until(pilot, lambda: facts.facts is not None and facts.facts.cost_time is not None)
    await pilot.pause()
    return "\n".join(f"{label} {value.plain}" for label, value in fact_pairs(facts.facts, T0, True))


async def test_batch_view_cost_eta_and_results(journal_path) -> None:
    await build_journal(journal_path)
    app, _ = await _run(journal_path)
    async with app.run_test(size=(120, 36)) as pilot:
        await app.ready.wait()
        finished = await _facts_text(app, pilot, 4)
        assert "Cost $1.25 · saved $1.25" in finished
        assert "Retention local + server (28d21h left)" in finished
        assert "ETA" not in finished
        app.pop_screen()
        young = await _facts_text(app, pilot, 3)
        assert "ETA any moment  (1 similar batch took 1h00m (median); counts only move when a batch ends)" \
            in young
        assert "Cost —" in young and "Retention" not in young
        app.pop_screen()
        old = await _facts_text(app, pilot, 5)
        assert "Retention local only (the server deleted them)" in old


def test_request_view_cost_and_saving() -> None:
    from tui.core.models import ResultRow
    from tui.widgets.response_view import result_view

    raw = {"custom_id": "a", "result": {"type": "succeeded", "message": {
        "id": "m", "type": "message", "role": "assistant", "model": "claude-haiku-4-5",
        "content": [{"type": "text", "text": "hi"}], "stop_reason": "end_turn",
        "usage": {"input_tokens": 1000, "output_tokens": 2000, "cache_creation_input_tokens": 0,
                  "cache_read_input_tokens": 0}}}}
    row = ResultRow(1, "a", "succeeded", model="claude-haiku-4-5", input_tokens=1000, output_tokens=2000,
                    cost_usd=0.0055)
    text = result_view(raw, row, True).plain
    assert "cost $0.0055  at batch prices; $0.01 at standard, saved $0.0055" in text
    unknown = result_view(raw, ResultRow(1, "a", "succeeded", cost_usd=None), True).plain
    assert "price unknown" in unknown and "saved" not in unknown


def test_the_price_note_says_when_prices_were_checked_and_what_is_wrong(tmp_path, monkeypatch) -> None:
    from tui.core.money import pricing
    from tui.core.money.pricing import price_note as prices_note

    assert prices_note().startswith("Prices checked 2026-11-24; batch = 50% of standard.")
    bad = tmp_path / "prices.json"
    bad.write_text("{")
    monkeypatch.setenv(pricing.PRICES_ENV, str(bad))
    assert f"{bad}:1: not valid JSON" in prices_note()
