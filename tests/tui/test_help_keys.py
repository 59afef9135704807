"""The help over the real app: "Everywhere" lists only the `q` that applies on the screen it is shown over,
and `j`/`k` scroll it when it is taller than the terminal."""

from __future__ import annotations

import pytest
from drilldown_journal import add_batch, new_journal

from tests.tui.harness import open_screen, press, running_app, screen_text
from tui.screens.batch import BatchScreen
from tui.screens.help import EVERYWHERE, HelpScreen


@pytest.fixture
async def journal_file(journal_path):
    await new_journal(journal_path)
    add_batch(journal_path, 1, 20, label="support tickets")
    return journal_path


def everywhere(app) -> set[tuple[str, str]]:
    assert isinstance(app.screen, HelpScreen)
    return {(key, what) for title, key, what in app.screen.rows if title == EVERYWHERE}


async def test_the_dashboards_help_says_q_quits_and_a_sub_screens_says_q_goes_back(journal_file):
    async with running_app(journal_file) as (app, pilot):
        await press(pilot, "question_mark")
        keys = everywhere(app)
        assert ("q", "Quit") in keys and ("q", "Back") not in keys
        await press(pilot, "escape")
        await open_screen(pilot, BatchScreen(1))
        await press(pilot, "question_mark")
        keys = everywhere(app)
        assert ("q", "Back") in keys and ("q", "Quit") not in keys


async def test_j_and_k_scroll_the_help(journal_file):
    async with running_app(journal_file, size=(60, 14)) as (app, pilot):
        await open_screen(pilot, BatchScreen(1))
        await press(pilot, "question_mark")
        box = app.screen.query_one("VerticalScroll")
        assert box.max_scroll_y > 2, "the help must be taller than the terminal for this test"
        assert box.scroll_y == 0
        await press(pilot, "j", "j")
        assert box.scroll_y == 2
        await press(pilot, "k")
        assert box.scroll_y == 1
        assert isinstance(app.screen, HelpScreen)


async def test_the_help_is_laid_out_once_not_on_every_render_or_every_open(journal_file, monkeypatch):
    """Its tables flowed into columns are what `?` spent its time on: laid out once for a width, then replayed
    (Textual renders a widget to learn its height, then again to draw it), and kept for the next `?`."""
    from rich.columns import Columns

    from tui.screens import help as help_module

    layouts = []
    real = Columns.__rich_console__

    def counted(self, console, options):
        layouts.append(options.max_width)
        return real(self, console, options)

    monkeypatch.setattr(Columns, "__rich_console__", counted)
    if hasattr(help_module, "laid_out"):
        help_module.laid_out.cache_clear()      # an earlier test's help is not this one's
    async with running_app(journal_file) as (app, pilot):
        await press(pilot, "question_mark")
        assert EVERYWHERE in screen_text(app)
        await press(pilot, "escape")
        await press(pilot, "question_mark")
        assert isinstance(app.screen, HelpScreen)
    assert len(layouts) == 1, f"laid out {len(layouts)} times for widths {layouts}"
