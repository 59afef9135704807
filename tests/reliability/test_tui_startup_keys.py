"""Keys in the first seconds after start: `claude-batch-tui --demo` in its own process on a pseudo-terminal, a user
pressing `n` the moment the dashboard is drawn and typing a path at once (the emulator starting, the SDK being
imported, the story's batches being sent meanwhile). The submit dialog opens and holds every typed character."""

from __future__ import annotations

import os
import sys

from tests.reliability.pty_screen import Terminal

DIALOG = "New batch from a JSONL file"


async def test_n_at_the_first_frame_opens_the_dialog_and_keeps_every_typed_character(tmp_path):
    env = {**os.environ, "TERM": "xterm-256color", "HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path / "cfg"),
           "XDG_DATA_HOME": str(tmp_path / "data")}
    env.pop("ANTHROPIC_API_KEY", None)
    path = "zq-typed/while-starting/requests-42.jsonl"
    term = Terminal([sys.executable, "-m", "tui", "--demo"], env, size=(120, 36))
    try:
        # the first frame: the footer is drawn with it (a column header may come and go with the width names take)
        assert await term.until(lambda: term.shows("? Help"), 60), term.screen.text()
        term.write("n")
        for char in path:            # typed on, without waiting to see the dialog
            term.write(char)
        assert await term.until(lambda: term.shows(DIALOG) and term.shows_field(path), 60), term.screen.text()
        # and it is still the dialog's: more keys land in it
        term.write("/x")
        assert await term.until(lambda: term.shows_field(path + "/x"), 30), term.screen.text()
    finally:
        term.close()
