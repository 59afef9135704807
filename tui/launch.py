"""The default command: the full-screen TUI on the real API, on any --base-url, or on the --demo emulator."""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from tui.core import config
from tui.core.safe_text import safe_text

NO_KEY = """\
claude-batch-tui needs an Anthropic API key to watch your batches.

  Set one for this shell:     export ANTHROPIC_API_KEY=sk-ant-...
  (create a key at https://console.anthropic.com/settings/keys)

  Or try it without a key:    claude-batch-tui --demo
  (a built-in emulator runs example batches on your machine; nothing is sent anywhere)
"""


def run(args: argparse.Namespace) -> int:
    demo = bool(getattr(args, "demo", False))
    try:
        api_key = None if demo else config.api_key()
    except config.ApiKeyError as exc:
        print(f"claude-batch-tui: {exc}", file=sys.stderr)
        return 2
    base_url = None if demo else config.base_url(getattr(args, "base_url", None))
    if not demo and api_key is None:
        print(NO_KEY, file=sys.stderr, end="")
        return 2
    temp_dir = None
    if demo and not getattr(args, "journal", None):
        temp_dir = tempfile.mkdtemp(prefix="claude-batch-tui-demo-")
        _remove_when_gone(temp_dir)
        journal_path = Path(temp_dir) / "journal.sqlite"
    else:
        journal_path = config.journal_path(getattr(args, "journal", None))

    try:
        keymap = config.load_keymap(config.keymap_path())
    except config.KeymapError as exc:
        print(f"claude-batch-tui: {safe_text(exc)}", file=sys.stderr)
        return 2

    from tui.app import make_app

    app = make_app(journal_path=journal_path, api_key=api_key, base_url=base_url, demo=demo, keymap=keymap)
    try:
        app.run()
    finally:
        if temp_dir is not None:
            shutil.rmtree(temp_dir, ignore_errors=True)
    problem = getattr(app, "journal_problem", None)
    if problem is not None:   # the screen is gone: say it once more where it stays
        print(f"claude-batch-tui: {problem}", file=sys.stderr)
        return app.return_code or 2
    return app.return_code or 0


# Reads its stdin (a pipe only this process holds open) to its end, then removes the folder.
_REMOVER = "import shutil, sys; sys.stdin.buffer.read(); shutil.rmtree(sys.argv[1], ignore_errors=True)"


def _remove_when_gone(folder: str) -> None:
    """The demo's temporary folder is removed when this process has ended, however it ends: `q`, a signal, the
    terminal closed (the shell sends SIGHUP again while the app is exiting), `kill -9`. A small process of its
    own session (the terminal's hangup does not reach it) waits for the end of a pipe that only this process
    holds: the kernel closes it whenever and however this process ends. The app's own clean-up on exit stays
    the usual way; this one is the net under it."""
    read_end, write_end = os.pipe()
    try:
        subprocess.Popen([sys.executable, "-I", "-S", "-c", _REMOVER, folder], stdin=read_end,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
                         close_fds=True)
    except OSError:   # no process to spare: the clean-up on exit still runs
        os.close(write_end)
    finally:
        os.close(read_end)
    # write_end stays open, unwritten, for the life of this process (not inherited by any other: os.pipe
    # makes it non-inheritable)
