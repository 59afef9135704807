"""The theme chosen with the palette (ctrl+p → theme) is kept in `settings.toml` and comes back on the next start."""

from __future__ import annotations

from tests.tui.harness import running_app, screen_text, settle, type_text, wait_until
from tui.core import config


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
        await wait_until(pilot, lambda: config.settings_path().exists(), "the theme to be saved")
    async with running_app(journal_path) as (app, pilot):     # the same HOME: a new run of the app
        assert app.theme == "nord"
        assert "nord" in config.settings_path().read_text(encoding="utf-8")


async def test_an_unreadable_settings_file_is_said_and_the_default_theme_kept(journal_path):
    path = config.settings_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("theme = nord without quotes\n", encoding="utf-8")
    async with running_app(journal_path, notifications=True) as (app, pilot):
        assert app.theme == "textual-dark"
        assert "Settings not read" in screen_text(app)
        assert "default" not in config.settings_path().read_text(encoding="utf-8")   # left as it was
