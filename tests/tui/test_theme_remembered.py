"""The theme chosen with the palette (ctrl+p → theme) is kept in `settings.toml` and comes back on the next start."""

from __future__ import annotations

import os
from pathlib import Path

from tests.tui.harness import running_app, screen_text, settle, type_text, wait_until


def settings_file() -> Path:
    """Where the app keeps what it remembers: settings.toml in the user's config folder (the tests' own HOME)."""
    return Path(os.environ["XDG_CONFIG_HOME"]) / "claude-batch-tui" / "settings.toml"


async def test_a_theme_chosen_in_the_palette_is_kept_across_runs(journal_path):
    async with running_app(journal_path) as (app, pilot):
        default = app.theme
        assert default != "nord"
        await pilot.press("ctrl+p")
        await type_text(pilot, "theme")
        await pilot.press("enter")                  # "Theme": the theme picker
        await settle(pilot)
        await type_text(pilot, "nord")
        await pilot.press("enter")
        await wait_until(pilot, lambda: app.theme == "nord", "the theme to change")
        await wait_until(pilot, lambda: settings_file().exists(), "the theme to be saved")
    async with running_app(journal_path) as (app, pilot):     # the same HOME: a new run of the app
        assert app.theme == "nord"
        assert "nord" in settings_file().read_text(encoding="utf-8")


async def test_an_unreadable_settings_file_is_said_and_the_default_theme_kept(journal_path):
    path = settings_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("theme = nord without quotes\n", encoding="utf-8")
    async with running_app(journal_path, notifications=True) as (app, pilot):
        assert app.theme == "textual-dark"
        assert "Settings not read" in screen_text(app)
        assert settings_file().read_text(encoding="utf-8") == "theme = nord without quotes\n"   # left as it was
