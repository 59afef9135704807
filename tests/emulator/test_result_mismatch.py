"""The results-mismatch knobs: `foreign_results`, `missing_results`, `duplicate_results` make a batch's results
stream hold lines for custom_ids never sent, leave lines out, or repeat lines; the same on every download, and
`results_injected` says exactly which."""

from __future__ import annotations

from collections import Counter

import pytest
from emulator_checks import make_requests


async def _stream_ids(client, batch_id: str) -> list[str]:
    return [line.custom_id async for line in await client.messages.batches.results(batch_id)]


async def test_each_knob_changes_the_stream_as_results_injected_says(emulator_factory, checked_async):
    async with emulator_factory(foreign_results=0.1, missing_results=0.1, duplicate_results=0.1) as emu:
        client = checked_async(emu)
        batch = await client.messages.batches.create(requests=make_requests(200))
        await emu.wait_until_ended(batch.id)
        sent = set(emu.results_for(batch.id))
        injected = emu.results_injected(batch.id)
        assert injected["foreign"] and injected["missing"] and injected["duplicate"]   # 10% of 200: some of each
        assert not set(injected["foreign"]) & sent
        ids = await _stream_ids(client, batch.id)
        counts = Counter(ids)
        assert set(ids) == (sent - set(injected["missing"])) | set(injected["foreign"])
        assert sorted(cid for cid, n in counts.items() if n > 1) == sorted(injected["duplicate"])
        assert len(ids) == len(sent) - len(injected["missing"]) + len(injected["duplicate"]) + len(injected["foreign"])
        assert await _stream_ids(client, batch.id) == ids                    # every download is the same
        assert emu.stats["fault_missing_results"] == 2 * len(injected["missing"])
        assert emu.stats["fault_foreign_results"] == 2 * len(injected["foreign"])
        assert emu.stats["fault_duplicate_results"] == 2 * len(injected["duplicate"])
        truth = emu.get_batch(batch.id)["request_counts"]
        assert sum(truth.values()) == 200                                   # the counts still say what was sent


async def test_knobs_off_is_the_plain_stream(emulator, checked_async):
    client = checked_async(emulator)
    batch = await client.messages.batches.create(requests=make_requests(50))
    await emulator.wait_until_ended(batch.id)
    assert emulator.results_injected(batch.id) == {"foreign": [], "missing": [], "duplicate": []}
    assert sorted(await _stream_ids(client, batch.id)) == sorted(emulator.results_for(batch.id))


@pytest.mark.parametrize("name", ["foreign_results", "missing_results", "duplicate_results"])
def test_a_rate_outside_0_1_is_refused(name):
    from tui.emulator import EmulatorConfig

    with pytest.raises(ValueError, match=name):
        EmulatorConfig(**{name: 1.5})
