"""`--demo` keeps its journal in a temporary folder: it is removed however the app ends. The real CLI in its own
process on a pseudo-terminal: the terminal closed under it (SIGHUP), `kill` (SIGTERM), `kill -9`."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys

import pytest

from tests.reliability.pty_screen import Terminal


async def _until(condition, what: str, timeout: float = 30.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        assert loop.time() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.05)


def _gone(pid: int) -> bool:
    with contextlib.suppress(ChildProcessError):
        done, _ = os.waitpid(pid, os.WNOHANG)
        return done == pid
    return True


def _catches(pid: int, signum: int) -> bool:
    """Whether the process has a handler for `signum` (the SigCgt mask in /proc; False once it has ended)."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            caught = next(int(line.split()[1], 16) for line in status if line.startswith("SigCgt:"))
    except (OSError, StopIteration):
        return False
    return bool(caught >> (signum - 1) & 1)


@pytest.mark.parametrize("how", ["terminal closed", "SIGTERM", "SIGKILL"])
async def test_the_demo_journal_folder_is_removed_however_the_app_ends(how, tmp_path):
    temp = tmp_path / "tmp"
    temp.mkdir()
    env = {**os.environ, "TERM": "xterm-256color", "TMPDIR": str(temp)}
    term = Terminal([sys.executable, "-m", "tui", "--demo"], env, size=(100, 30))
    try:
        # running, its story being played into the journal
        assert await term.until(lambda: term.shows("demo emulator"), 60), term.screen.text()
        [folder] = list(temp.glob("claude-batch-tui-demo-*"))
        assert (folder / "journal.sqlite").exists()
        if how == "terminal closed":
            term.hang_up()                     # the terminal window goes: the kernel hangs up its session,
            # the app ends on the hangup as on `q`: it stops catching SIGHUP, then cleans up. The shell passes the
            # hangup on to its jobs too: that second SIGHUP may come in between, and then ends the app at once.
            await _until(lambda: not _catches(term.pid, signal.SIGHUP), "the app to stop catching SIGHUP")
            with contextlib.suppress(ProcessLookupError):
                os.kill(term.pid, signal.SIGHUP)
        else:
            os.kill(term.pid, getattr(signal, how))
        await _until(lambda: _gone(term.pid), "the app to end")
        await _until(lambda: not folder.exists(), f"{folder} to be removed")
    finally:
        term.close()
