"""The footer on narrow terminals: every key that applies fits at 80 columns, the way out comes first, and only
a still narrower terminal loses the Sort, Mark and Rename hints (never help, quit or an action on the batch)."""

from __future__ import annotations

from drilldown_journal import add_batch, new_journal

from tests.tui.harness import running_app, screen_lines, settle


def _footer(app) -> str:
    return screen_lines(app)[-1].rstrip()


async def test_the_footer_fits_every_width_and_keeps_the_way_out_first(journal_path, emulator):
    await new_journal(journal_path)
    add_batch(journal_path, 1, 20)                         # an ended batch: Retry, Export and Delete apply
    async with running_app(journal_path, emulator, size=(130, 30)) as (app, pilot):
        wide = _footer(app)
        for words in ("? Help", "q Quit", "s Sort", "␣ Mark", "e Export", "D Delete", "palette"):
            assert words in wide, wide
        await pilot.resize_terminal(80, 24)
        await settle(pilot)
        narrow = _footer(app)                              # tight: each key against its word
        assert narrow.startswith("?Help qQuit") and narrow.endswith("DDelete") and len(narrow) <= 80, narrow
        assert "sSort" in narrow and "␣Mark" in narrow and "LRename" in narrow and "palette" not in narrow
        await pilot.resize_terminal(66, 24)
        await settle(pilot)
        tiny = _footer(app)                                # the last resort: two hints left to ? and the palette
        assert tiny.startswith("?Help qQuit") and tiny.endswith("DDelete") and len(tiny) <= 66, tiny
        assert "Sort" not in tiny and "Mark" not in tiny and "Rename" not in tiny
        await pilot.resize_terminal(130, 30)
        await settle(pilot)
        assert _footer(app) == wide


async def test_the_footer_is_rebuilt_only_when_what_it_shows_changes(journal_path, emulator):
    from tui.widgets.app_footer import AppFooter

    await new_journal(journal_path)
    add_batch(journal_path, 1, 20)
    async with running_app(journal_path, emulator, size=(130, 30)) as (app, pilot):
        footer = app.screen.query_one(AppFooter)
        builds: list[int] = []
        compose = footer.compose
        footer.compose = lambda: (builds.append(1), compose())[1]   # type: ignore[method-assign]
        for _ in range(3):                 # a screen saying its keys may have changed, as a change of focus does
            app.screen.refresh_bindings()
            await settle(pilot)
        assert builds == [], "the same keys: nothing to rebuild"
        await pilot.press("space")         # a mark: the keys that apply change (actions on the marked batches)
        await settle(pilot)
        shown = _footer(app)
        await pilot.resize_terminal(90, 30)
        await settle(pilot)
        assert len(builds) >= 1 and _footer(app) != shown
