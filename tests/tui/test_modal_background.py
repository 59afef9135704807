"""The dimmed screen behind the help is redrawn whole when it opens and whenever anything under it changes: each
style is tinted once and kept, and what the terminal gets is byte for byte Textual's own."""

from __future__ import annotations

from drilldown_journal import add_batch, new_journal
from rich.segment import Segment
from textual.renderables.background_screen import BackgroundScreen
from textual.strip import Strip

from tests.tui.harness import press, running_app
from tui.screens.help import HelpScreen, TintedBackground


def terminal_text(app, renderable) -> str:
    width, height = app.size
    segments = app.console.render(renderable, app.console_options.update_dimensions(width, height))
    return "".join(Strip(line).render(app.console)
                   for line in Segment.split_and_crop_lines(segments, width, include_new_lines=False))


async def test_the_screen_behind_the_help_is_tinted_once_and_looks_as_before(journal_path, monkeypatch):
    drawn: list[TintedBackground] = []
    real = TintedBackground.__rich_console__

    def counted(self, console, options):
        drawn.append(self)
        return real(self, console, options)

    monkeypatch.setattr(TintedBackground, "__rich_console__", counted)
    await new_journal(journal_path)
    for local_id in range(1, 6):
        add_batch(journal_path, local_id, 20, label=f"batch {local_id}")
    async with running_app(journal_path) as (app, pilot):
        dashboard = app.screen
        for _ in range(2):     # the second time from the styles kept the first
            drawn.clear()
            await press(pilot, "question_mark")
            assert isinstance(app.screen, HelpScreen)
            await pilot.pause()
            assert drawn and all(d.screen is dashboard for d in drawn)   # what the help drew behind itself
            background = drawn[-1]
            textual_own = BackgroundScreen(dashboard, background.color)
            assert terminal_text(app, background) == terminal_text(app, textual_own)
            assert terminal_text(app, background) == terminal_text(app, background)   # from the kept styles
            await press(pilot, "escape")
            assert app.screen is dashboard
