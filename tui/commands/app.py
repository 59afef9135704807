"""The default command: the full-screen TUI on the real API, on any --base-url, or on the --demo emulator."""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

from tui.core import config

NO_KEY = """\
claude-batch-tui needs an Anthropic API key to watch your batches.

  Set one for this shell:     export ANTHROPIC_API_KEY=sk-ant-...
  (create a key at https://console.anthropic.com/settings/keys)

  Or try it without a key:    claude-batch-tui --demo
  (a built-in emulator runs example batches on your machine; nothing is sent anywhere)
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The TUI's options (--demo, --journal, --base-url) live on the main parser."""


def run(args: argparse.Namespace) -> int:
    demo = bool(getattr(args, "demo", False))
    api_key = None if demo else config.api_key()
    base_url = None if demo else config.base_url(getattr(args, "base_url", None))
    if not demo and api_key is None:
        print(NO_KEY, file=sys.stderr, end="")
        return 2
    temp_dir = None
    if demo and not getattr(args, "journal", None):
        temp_dir = tempfile.mkdtemp(prefix="claude-batch-tui-demo-")
        journal_path = Path(temp_dir) / "journal.sqlite"
    else:
        journal_path = config.journal_path(getattr(args, "journal", None))

    from tui.app import make_app

    app = make_app(journal_path=journal_path, api_key=api_key, base_url=base_url, demo=demo)
    try:
        app.run()
    finally:
        if temp_dir is not None:
            shutil.rmtree(temp_dir, ignore_errors=True)
    return app.return_code or 0
