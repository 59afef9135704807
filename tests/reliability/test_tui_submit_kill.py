"""kill -9 of the TUI while the batches of its `n` dialog are being created: the real app in its own process on
a pseudo-terminal, driven by keystrokes as a user would. The next run (`watch`) settles every intent, and the
server ends up with exactly the one batch of the file, known to the journal, all its results in."""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import os
import pty
import signal
import sqlite3
import struct
import sys
import termios

import pytest

from tests.builders import requests, write_jsonl

TUI = ("import sys; from tui.app import make_app; "
       "make_app(journal_path=sys.argv[1], api_key='k', base_url=sys.argv[2]).run()")


class Terminal:
    """A child process on a pseudo-terminal: what it draws is collected, keys are written to it."""

    def __init__(self, argv: list[str], env: dict[str, str], size: tuple[int, int] = (80, 24)) -> None:
        self.pid, self.fd = pty.fork()
        if self.pid == 0:   # the child: becomes the app
            os.execvpe(argv[0], argv, env)
        fcntl.ioctl(self.fd, termios.TIOCSWINSZ, struct.pack("HHHH", size[1], size[0], 0, 0))
        os.set_blocking(self.fd, False)
        self.screen = bytearray()
        asyncio.get_running_loop().add_reader(self.fd, self._read)

    def _read(self) -> None:
        try:
            self.screen += os.read(self.fd, 65536)
        except (BlockingIOError, OSError):
            pass

    async def wait_for(self, text: bytes, timeout: float = 20.0) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while text not in self.screen:
            assert loop.time() < deadline, f"{text!r} never appeared on the terminal"
            await asyncio.sleep(0.05)

    def type(self, text: str) -> None:
        os.write(self.fd, text.encode())

    def kill(self) -> int:
        asyncio.get_running_loop().remove_reader(self.fd)
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, signal.SIGKILL)
        _, status = os.waitpid(self.pid, 0)
        os.close(self.fd)
        return status


def _rows(journal_path) -> list[tuple]:
    db = sqlite3.connect(f"file:{journal_path}?mode=ro", uri=True, timeout=30)
    try:
        return db.execute("SELECT local_id, id, intent_state FROM batches ORDER BY local_id").fetchall()
    except sqlite3.OperationalError:   # not created yet
        return []
    finally:
        db.close()


@pytest.fixture
async def emu(emulator_factory):
    # a create is carried out at once but answered 3 s later: the kill lands after the server made the batch
    # and before the app learnt its id, the case where resending would make a duplicate
    async with emulator_factory(request_ms=1.0, slow_create_answer_ms=3000.0, seed=3) as emulator:
        yield emulator


async def test_kill_9_of_the_tui_mid_create_loses_nothing_and_sends_nothing_twice(journal_path, emu, tmp_path):
    source = write_jsonl(tmp_path / "kill-me.jsonl", requests(25, ids="k{i}"))
    env = {**os.environ, "TERM": "xterm-256color", "ANTHROPIC_API_KEY": "k"}
    journal_path.parent.mkdir(mode=0o700, exist_ok=True)
    app = Terminal([sys.executable, "-c", TUI, str(journal_path), emu.base_url], env)
    try:
        await app.wait_for(b"last poll")                    # connected: the first sweep is done
        app.type("n")
        await app.wait_for(b"New batch from a JSONL file")
        app.type(str(source) + "\r")                       # enter checks the file
        await app.wait_for(b"Submit (y)")
        app.type("y")
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 20
        while not emu.batch_ids():                          # the server has made it; its answer is on the way
            assert loop.time() < deadline, f"no create went out: {_rows(journal_path)}"
            await asyncio.sleep(0.02)
    finally:
        status = app.kill()
    assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL
    before = _rows(journal_path)
    assert [(batch_id, state) for _, batch_id, state in before] == [(None, "sending")], before

    watch = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tui", "watch", "--interval", "0.2", "--journal", str(journal_path),
        "--base-url", emu.base_url, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(watch.communicate(), 120)
    assert watch.returncode == 0, (out + err).decode()
    after = _rows(journal_path)
    [(_, batch_id, state)] = after
    assert state == "created" and emu.batch_ids() == [batch_id]      # the create in flight was found, not resent
    assert emu.stats["create"] == 1
    db = sqlite3.connect(journal_path)
    try:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert db.execute("SELECT COUNT(*) FROM results").fetchone()[0] == 25
    finally:
        db.close()
