"""Where things live and how to reach the API: journal path, API key, base URL, the user's keymap, the settings the
app remembers (the theme). No side effects on import."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import Any

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


class ApiKeyError(ValueError):
    """`$ANTHROPIC_API_KEY` cannot be sent: it holds a line break or another control character. Said as such,
    rather than failing every request as "could not reach the server". The message never holds the key."""


def api_key() -> str | None:
    """`$ANTHROPIC_API_KEY` without surrounding whitespace (a key read from a file often ends in a newline,
    which no HTTP header can carry); `ApiKeyError` when what is left still cannot go in a header."""
    key = os.environ.get("ANTHROPIC_API_KEY", "").strip()
    for at, char in enumerate(key, 1):
        if char in "\r\n":
            raise ApiKeyError(f"ANTHROPIC_API_KEY contains a line break (character {at}); "
                              "set it to the key alone, on one line")
        if ord(char) < 0x20 or ord(char) == 0x7F:
            raise ApiKeyError(f"ANTHROPIC_API_KEY contains a control character (character {at}); "
                              "set it to the key alone")
    return SecretKey(key) if key else None


KEYMAP_ENV = "CLAUDE_BATCH_TUI_KEYMAP"


class KeymapError(ValueError):
    """A keymap file that cannot be used; the message names the file, the line or the entry."""


def user_config_dir() -> Path:
    import platformdirs

    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False))


def keymap_path() -> Path:
    """`$CLAUDE_BATCH_TUI_KEYMAP`, else `keymap.toml` in the user config folder."""
    env = os.environ.get(KEYMAP_ENV)
    return Path(env).expanduser() if env else user_config_dir() / "keymap.toml"


def load_keymap(path: Path) -> dict[str, str]:
    """{binding id: keys} from a TOML file of `"batches.cancel" = "x"` lines (keys comma-separated, in
    Textual's names: "ctrl+k", "space"); {} when the file does not exist."""
    data = _read_toml(path, KeymapError)
    keymap: dict[str, str] = {}
    for binding_id, keys in data.items():
        if not isinstance(keys, str) or not keys.strip():
            raise KeymapError(f"{path}: {binding_id!r} must be a string of keys, like \"x\" or \"ctrl+k,f2\"")
        keymap[binding_id] = keys.replace(" ", "")
    return keymap


def _read_toml(path: Path, error: type[ValueError]) -> dict[str, Any]:
    """The TOML table in `path`; {} when the file does not exist; `error` naming the file when it cannot be
    read or parsed."""
    import tomllib

    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError) as exc:
        raise error(f"{path}: cannot read: {exc}") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise error(f"{path}: not valid TOML: {exc}") from None


SETTINGS_FILE = "settings.toml"


class SettingsError(ValueError):
    """The settings file cannot be read or written; the message names the file and what is wrong."""


def settings_path() -> Path:
    """`settings.toml` in the user config folder (beside `keymap.toml`): what the app remembers, such as the theme."""
    return user_config_dir() / SETTINGS_FILE


def load_settings(path: Path) -> dict[str, str]:
    """{name: value} of the string settings in `path`; {} when the file does not exist."""
    data = _read_toml(path, SettingsError)
    return {name: value for name, value in data.items() if isinstance(value, str)}


def save_setting(path: Path, name: str, value: str) -> None:
    """Set one setting, keeping the others. Written whole to a temporary file and renamed over the old one:
    never half-written. A file that cannot be read is replaced."""
    import json

    try:
        settings = load_settings(path)
    except SettingsError:
        settings = {}
    settings[name] = value
    # TOML basic strings take JSON's escapes (\" \\ \n \uXXXX); keys are bare words of this program
    text = "".join(f"{key} = {json.dumps(val)}\n" for key, val in sorted(settings.items()))
    temp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temp.write_text(text, encoding="utf-8")
        os.replace(temp, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            temp.unlink()
        raise SettingsError(f"{path}: cannot write: {exc.strerror or exc}") from None
