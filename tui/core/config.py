"""Where things live and how to reach the API: journal path, API key, base URL. No side effects on import."""

from __future__ import annotations

import os
from pathlib import Path

APP_NAME = "claude-batch-tui"
JOURNAL_ENV = "CLAUDE_BATCH_TUI_JOURNAL"


def journal_path(explicit: str | os.PathLike[str] | None = None) -> Path:
    """`--journal PATH`, else `$CLAUDE_BATCH_TUI_JOURNAL`, else the user data folder from platformdirs."""
    if explicit:
        return Path(explicit).expanduser()
    env = os.environ.get(JOURNAL_ENV)
    if env:
        return Path(env).expanduser()
    import platformdirs

    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)) / "journal.sqlite"


def base_url(explicit: str | None = None) -> str | None:
    """`--base-url URL`, else `$ANTHROPIC_BASE_URL`, else None (the SDK's production default)."""
    return explicit or os.environ.get("ANTHROPIC_BASE_URL") or None


class SecretKey(str):
    """The API key: a `str` for every use, but its repr is redacted, so a traceback that prints locals
    (Textual's crash report does), a debugger or a log of an object's fields never shows it."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "SecretKey('…redacted…')"


def api_key() -> str | None:
    """`$ANTHROPIC_API_KEY` without surrounding whitespace (a key read from a file often ends in a newline,
    which no HTTP header can carry)."""
    key = os.environ.get("ANTHROPIC_API_KEY", "").strip()
    return SecretKey(key) if key else None
