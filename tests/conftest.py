"""Shared fixtures. Tests never touch the user's real folders: HOME, XDG dirs and the journal path are
pointed into a temporary folder for every test, and no key from the environment is used."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def _isolated_environment(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    for var in ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME"):
        monkeypatch.setenv(var, str(home / var.lower()))
    monkeypatch.setenv("CLAUDE_BATCH_TUI_JOURNAL", str(home / "journal.sqlite"))
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    monkeypatch.delenv("ANTHROPIC_BASE_URL", raising=False)


@pytest.fixture
def journal_path(tmp_path: Path) -> Path:
    return tmp_path / "journal" / "journal.sqlite"


@pytest.fixture
async def journal(journal_path: Path):
    from tui.core.journal import Journal

    j = await Journal.open(journal_path)
    try:
        yield j
    finally:
        await j.close()
