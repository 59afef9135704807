"""Shared fixtures. Tests never touch the user's real folders: HOME, XDG dirs and the journal path are
pointed into a temporary folder for every test, and no key from the environment is used."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

# Property tests are deterministic (CONTRIBUTING.md: the same examples on every run and machine) and never fail
# for being slow on a busy 2-core machine; run with HYPOTHESIS_PROFILE=explore to search new examples.
settings.register_profile("project", derandomize=True, deadline=None, print_blob=True,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("explore", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "project"))


@pytest.fixture(autouse=True)
def _isolated_environment(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    for var in ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME"):
        monkeypatch.setenv(var, str(home / var.lower()))
    monkeypatch.setenv("CLAUDE_BATCH_TUI_JOURNAL", str(home / "journal.sqlite"))
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    monkeypatch.delenv("ANTHROPIC_BASE_URL", raising=False)
    for var in ("CLAUDE_BATCH_TUI_KEYMAP", "CLAUDE_BATCH_TUI_PRICES"):
        monkeypatch.delenv(var, raising=False)


@pytest.fixture
def journal_path(tmp_path: Path) -> Path:
    return tmp_path / "journal" / "journal.sqlite"


@pytest.fixture
async def journal(journal_path: Path):
    from tui.core.journal.connection import Journal

    j = await Journal.open(journal_path)
    try:
        yield j
    finally:
        await j.close()


# -- the Batches API emulator (tui/emulator) -------------------------------------------------------------------------
# Fast defaults for tests: 1 ms of emulated time per request, so a 1,000-request batch ends in about 1 s.
EMULATOR_TEST_DEFAULTS = {"host": "127.0.0.1", "port": 0, "seed": 0, "request_ms": 1.0}


@pytest.fixture
def emulator_factory():
    """`async with emulator_factory(fail_http=0.2) as emu:` — a started emulator with test defaults + overrides."""
    import contextlib

    from tui.emulator import Emulator, EmulatorConfig

    @contextlib.asynccontextmanager
    async def factory(**overrides):
        config = EmulatorConfig(**{**EMULATOR_TEST_DEFAULTS, **overrides})
        async with Emulator(config) as emu:
            yield emu

    return factory


@pytest.fixture
async def emulator(emulator_factory):
    """A started emulator with the fast test defaults."""
    async with emulator_factory() as emu:
        yield emu


@pytest.fixture
async def client(emulator):
    """The real async SDK client, pointed at the `emulator` fixture."""
    import anthropic

    async with anthropic.AsyncAnthropic(api_key="test-key", base_url=emulator.base_url) as sdk_client:
        yield sdk_client


@pytest.fixture
def emulator_sync():
    """A started emulator (fast test defaults) served from a background thread, for synchronous code."""
    from tui.emulator import EmulatorConfig
    from tui.emulator.threaded import EmulatorThread

    with EmulatorThread(EmulatorConfig(**EMULATOR_TEST_DEFAULTS)) as emu:
        yield emu
