"""Keys are the user's: `keymap.toml` in the user config folder (or $CLAUDE_BATCH_TUI_KEYMAP) rebinds any key
by its binding id, in the app, its footer, the `?` help and the command palette."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tui import launch
from tui.app import make_app
from tui.cli import build_parser
from tui.core import config
from tui.screens.dashboard import DashboardScreen
from tui.screens.help import HelpScreen


def test_the_keymap_lives_in_the_user_config_folder_and_reads_toml(tmp_path, monkeypatch):
    assert config.keymap_path() == Path(os.environ["XDG_CONFIG_HOME"]) / "claude-batch-tui" / "keymap.toml"
    assert config.load_keymap(config.keymap_path()) == {}                  # no file: the app's own keys
    path = tmp_path / "keys.toml"
    path.write_text('"batches.sort" = "o"\n"app.help" = "f1, question_mark"\n')
    monkeypatch.setenv(config.KEYMAP_ENV, str(path))
    assert config.load_keymap(config.keymap_path()) == {"batches.sort": "o", "app.help": "f1,question_mark"}


@pytest.mark.parametrize(("text", "says"), [('"batches.sort" = \n', "not valid TOML"),
                                             ('"batches.sort" = 3\n', "'batches.sort' must be a string of keys")])
def test_a_broken_keymap_is_refused_with_where_and_why(tmp_path, monkeypatch, capsys, text, says):
    path = tmp_path / "keymap.toml"
    path.write_text(text)
    monkeypatch.setenv(config.KEYMAP_ENV, str(path))
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-test")
    assert launch.run(build_parser().parse_args([])) == 2
    err = capsys.readouterr().err
    assert str(path) in err and says in err and "Traceback" not in err


async def test_a_rebound_key_works_and_shows_everywhere(journal_path):
    app = make_app(journal_path=journal_path, api_key="k", base_url="http://127.0.0.1:9", poll=False,
                   keymap={"batches.sort": "o"})
    async with app.run_test(size=(120, 36)) as pilot:
        screen = app.screen
        assert isinstance(screen, DashboardScreen)
        await pilot.press("s")
        assert screen.sort_index == 0                    # the old key does nothing now
        await pilot.press("o")
        assert screen.sort_index == 1
        assert {key for key, active in screen.active_bindings.items()
                if active.binding.action == "cycle_sort"} == {"o"}      # what the footer and the palette show
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        assert ("Batches (the dashboard)", "o", "Sort") in app.screen.rows
        assert ("Batches (the dashboard)", "s", "Sort") not in app.screen.rows
