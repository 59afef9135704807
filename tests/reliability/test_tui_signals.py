"""SIGTERM (`kill`, a service manager) and SIGHUP (an SSH connection dropped) end the real TUI cleanly: the
CLI's app in its own process on a pseudo-terminal leaves the alternate screen, shows the cursor again and turns
the mouse off, exits promptly and prints no traceback."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys

import pytest

from tests.reliability.test_tui_submit_kill import Terminal

RESTORE = (b"\x1b[?1049l",   # the alternate screen left
           b"\x1b[?25h",     # the cursor shown
           b"\x1b[?1000l")   # mouse reports off


async def _wait_exit(pid: int, timeout: float = 20.0) -> int:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return status
        if loop.time() > deadline:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            raise AssertionError(f"the TUI did not exit within {timeout:.0f} s of the signal")
        await asyncio.sleep(0.05)


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP], ids=["SIGTERM", "SIGHUP"])
async def test_a_signal_ends_the_tui_and_restores_the_terminal(signum, journal_path, emulator) -> None:
    env = {**os.environ, "TERM": "xterm-256color", "ANTHROPIC_API_KEY": "k"}
    app = Terminal([sys.executable, "-m", "tui", "--journal", str(journal_path), "--base-url", emulator.base_url],
                   env)
    try:
        await app.wait_for(b"last poll")                     # running: connected, the first sweep is done
        assert b"\x1b[?1049h" in app.screen                   # in the alternate screen
        mark = len(app.screen)
        os.kill(app.pid, signum)
        status = await _wait_exit(app.pid)
        app.pid = 0
        with contextlib.suppress(OSError):                    # what is still in the pty after the exit
            while chunk := os.read(app.fd, 65536):
                app.screen += chunk
    finally:
        asyncio.get_running_loop().remove_reader(app.fd)
        if app.pid:
            with contextlib.suppress(ProcessLookupError):
                os.kill(app.pid, signal.SIGKILL)
            os.waitpid(app.pid, 0)
        os.close(app.fd)
    after = bytes(app.screen[mark:])
    for sequence in RESTORE:
        assert sequence in after, f"{sequence!r} not written after {signum.name}: {after[-400:]!r}"
    assert b"Traceback" not in app.screen, app.screen.decode(errors="replace")[-2000:]
    assert os.WIFEXITED(status), f"killed by the signal instead of exiting: {status}"
    assert os.WEXITSTATUS(status) == 128 + signum
