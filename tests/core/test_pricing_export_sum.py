"""The CSV export's cost column sums to the batch cost the TUI shows, to the cent (real emulator, SDK, ingest)."""

from __future__ import annotations

import csv

import anthropic

from tests.builders import requests
from tui.core.actions.export import ExportOptions, export_results
from tui.core.poll.ingest import ingest
from tui.core.money.pricing import format_usd
from tui.core.money.spend import batch_spend
from tui.core.journal.batches import apply_server_state, get_batch, server_fields


def _requests(n: int) -> list[dict]:
    """Three models, a cached system prompt on every fourth request, messages of several lengths."""
    models = ("claude-sonnet-4-5-20250929", "claude-haiku-4-5", "claude-opus-4-1")
    system = [{"type": "text", "text": "You are terse. " * 300, "cache_control": {"type": "ephemeral"}}]
    return requests(n, ids="r{i:04d}", text=lambda i: f"Tell me about {i} " * (1 + i % 9),
                    model=lambda i: models[i % 3], max_tokens=lambda i: 50 + i,
                    system=lambda i: system if i % 4 == 0 else None)


async def test_csv_cost_column_sums_to_the_batch_cost(emulator_factory, journal, tmp_path) -> None:
    async with emulator_factory(fail_requests=0.1) as emu, \
            anthropic.AsyncAnthropic(api_key="k", base_url=emu.base_url) as client:
        batch = await client.messages.batches.create(requests=_requests(300))
        fields = server_fields(batch)
        async with journal.transaction() as db:
            cur = await db.execute(f"INSERT INTO batches({', '.join(fields)}) "
                                   f"VALUES ({', '.join('?' * len(fields))})", tuple(fields.values()))
            local_id = cur.lastrowid
        await emu.wait_until_ended(batch.id)
        async with journal.transaction():
            await apply_server_state(journal, local_id, await client.messages.batches.retrieve(batch.id))
        report = await ingest(journal, client, local_id)
        assert report.state == "complete"

    async with journal.db.execute("SELECT COUNT(*) FROM results WHERE cache_read_input_tokens > 0") as cur:
        assert (await cur.fetchone())[0] > 0        # cache tokens are part of what is priced
    row = await get_batch(journal, local_id)
    spend = (await batch_spend(journal, [local_id]))[local_id]
    outcome = await export_results(journal, local_id, tmp_path / "out.csv", ExportOptions(fmt="csv"))
    with open(outcome.path, newline="", encoding="utf-8") as f:
        costs = [r["cost_usd"] for r in csv.DictReader(f)]
    assert len(costs) == 300 and all(c != "" for c in costs)
    csv_sum = sum(float(c) for c in costs)
    assert row.cost_usd is not None and row.cost_usd > 0.01
    assert format_usd(csv_sum) == format_usd(row.cost_usd) == spend.text()
    assert round(csv_sum, 2) == round(row.cost_usd, 2) == round(spend.cost_usd, 2)
