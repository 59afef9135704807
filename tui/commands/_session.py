"""What the headless action commands share: the journal, the SDK client, asking before acting."""

from __future__ import annotations

import argparse
import sys
from contextvars import ContextVar
from pathlib import Path
from typing import Any

from tui.core.safe_text import safe_text

PLACEHOLDER_KEY = "no-key-needed"  # for a --base-url server that accepts any key (the emulator)
JOURNAL_TROUBLE = 2                # the exit code when the journal cannot be opened, read or written

# the journals a command opened, so `finish` can name the file when SQLite reports damage or a full disk
_OPENED: ContextVar[list[Path]] = ContextVar("opened_journals")


class CommandError(Exception):
    """A refusal: one line for stderr, exit code 1 or 2."""

    def __init__(self, message: str, code: int = 1) -> None:
        super().__init__(message)
        self.code = code


async def open_journal(args: argparse.Namespace, clock: Any = None) -> Any:
    from tui.core.config import journal_path
    from tui.core.journal.connection import Journal, JournalError

    path = journal_path(getattr(args, "journal", None))
    opened = _OPENED.get(None)
    if opened is not None:
        opened.append(path)
    try:
        return await Journal.open(path, clock)
    except JournalError as exc:
        raise CommandError(str(exc), JOURNAL_TROUBLE) from None


def make_cli_client(args: argparse.Namespace, clock: Any = None) -> Any:
    """The client for a command; with `clock` (a `Clock`), the server's answers measure its clock against it."""
    from tui.core import config
    from tui.core.api.client import make_client

    base = config.base_url(getattr(args, "base_url", None))
    try:
        key = config.api_key()
    except config.ApiKeyError as exc:
        raise CommandError(str(exc), 2) from None
    if key is None and base is None:
        raise CommandError("set ANTHROPIC_API_KEY (or point --base-url at a local emulator); "
                           "this command talks to the API", 2)
    return make_client(key or PLACEHOLDER_KEY, base, clock=clock)


def say(text: str) -> None:
    print(safe_text(text), flush=True)


def warn(text: str) -> None:
    print(safe_text(text), file=sys.stderr, flush=True)


def confirm(question: str, *, yes: bool) -> bool:
    """True to go ahead. Without a terminal to ask on (and no --yes), refuse rather than guess."""
    if yes:
        return True
    if not sys.stdin.isatty():
        raise CommandError("not asking without a terminal: add --yes to go ahead", 2)
    try:
        answer = input(f"{question} [y/N] ")
    except EOFError:
        return False
    return answer.strip().lower() in ("y", "yes")


async def resolve_batches(journal: Any, keys: list[str], refusal: Any, verb: str) -> tuple[list[Any], int]:
    """The journal's batches for `keys` (ids or unique short ids) that `refusal(batch)` allows.

    Each refused key is warned about as `cannot VERB: why`; returns (allowed batches, refused count).
    """
    from tui.core.journal.batches import get_batch

    todo, refused = [], 0
    for key in keys:
        batch = await get_batch(journal, key)
        why = f"no batch matches {key!r} in the journal" if batch is None else refusal(batch)
        if why:
            warn(f"cannot {verb}: {why}")
            refused += 1
        else:
            todo.append(batch)
    return todo, refused


def add_yes(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("-y", "--yes", action="store_true", help="do not ask first (needed without a terminal)")


def finish(runner: Any) -> int:
    """Run an async command body; turn a CommandError into its message and exit code, and a journal that
    turns out damaged, or a disk that fills, into one line naming the file and what to do (exit 2)."""
    import asyncio

    from tui.core.journal.connection import JournalError, journal_problem

    opened: list[Path] = []
    token = _OPENED.set(opened)
    try:
        return asyncio.run(runner)
    except CommandError as exc:
        warn(f"claude-batch-tui: {exc}")
        return exc.code
    except Exception as exc:
        problem = exc if isinstance(exc, JournalError) else \
            journal_problem(exc, opened[-1]) if opened else None
        if problem is None:
            raise
        warn(f"claude-batch-tui: {problem}".replace("\n", " "))
        return JOURNAL_TROUBLE
    finally:
        _OPENED.reset(token)
