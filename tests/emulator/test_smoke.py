"""The fixtures other tests rely on: a started emulator, a factory with overrides, a real SDK client."""

from __future__ import annotations

from tests.builders import requests


async def test_fixture_batch_runs_to_results(emulator, client):
    batch = await client.messages.batches.create(requests=requests(1000))
    assert batch.processing_status == "in_progress"
    assert batch.request_counts.processing == 1000
    ended = await emulator.wait_until_ended(batch.id, timeout=30)
    assert ended["request_counts"]["succeeded"] == 1000
    seen = {line.custom_id async for line in await client.messages.batches.results(batch.id)}
    assert seen == {f"r{i}" for i in range(1000)}
    assert set(emulator.results_for(batch.id)) == seen
    assert emulator.stats["create"] == 1


async def test_factory_overrides(emulator_factory):
    async with emulator_factory(fail_requests=1.0, seed=7) as emu:
        assert emu.config.fail_requests == 1.0
        assert emu.config.seed == 7
        assert emu.base_url.startswith("http://127.0.0.1:")


def test_emulator_imports_nothing_from_core_or_ui():
    import subprocess
    import sys

    code = ("import sys, tui.emulator, tui.commands.emulator; "
            "bad = [m for m in sys.modules if m.startswith(('tui.core', 'textual', 'rich', 'tui.screens', "
            "'tui.widgets'))]; print(bad)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


def test_every_config_field_can_be_overridden_by_keyword():
    """`Emulator(config, **overrides)` is typed by `EmulatorOverrides`: it must name exactly the config's fields."""
    import dataclasses
    import typing

    from tui.emulator.config import EmulatorConfig, EmulatorOverrides

    fields = {f.name: f.type for f in dataclasses.fields(EmulatorConfig)}
    assert set(typing.get_type_hints(EmulatorOverrides)) == set(fields)
