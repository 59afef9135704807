"""The terminal goes away under the running app (an SSH connection dropped, a tmux session or a terminal window
closed): the kernel hangs up the session and sends its leader SIGHUP, then SIGCONT, once. The app ends on
its own, whatever it was drawing at that moment; no process is left behind, blocked writing to a terminal that
is gone. The real CLI on a pseudo-terminal, the demo busy playing its story; the hangup at a few moments."""

from __future__ import annotations

import asyncio
import os
import signal
import sys

import pytest

from tests.reliability.pty_screen import Terminal


def _ended(pid: int) -> int | None:
    """The exit status once the process has ended, else None."""
    done, status = os.waitpid(pid, os.WNOHANG)
    return os.waitstatus_to_exitcode(status) if done == pid else None


@pytest.mark.parametrize("after", [0.5, 2.0])
async def test_the_app_ends_when_its_terminal_is_hung_up(after, tmp_path):
    env = {**os.environ, "TERM": "xterm-256color", "TMPDIR": str(tmp_path), "HOME": str(tmp_path)}
    term = Terminal([sys.executable, "-m", "tui", "--demo"], env, size=(80, 24))
    try:
        assert await term.until(lambda: term.shows("demo emulator"), 60), term.screen.text()
        await asyncio.sleep(after)
        term.hang_up()         # the master side closed: the kernel hangs up the session (SIGHUP, SIGCONT)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 60
        while (code := _ended(term.pid)) is None:
            assert loop.time() < deadline, "the app is still running a minute after its terminal went away"
            await asyncio.sleep(0.1)
        assert code == 128 + signal.SIGHUP or code == -signal.SIGHUP, code
    finally:
        term.close()
