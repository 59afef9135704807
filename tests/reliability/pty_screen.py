"""A real terminal for tests and benches: the TUI in its own process on a pseudo-terminal, and what it shows.

`ScreenModel` keeps what a terminal would show from what the TUI writes (cursor positioning, CR/LF and text;
styles ignored: Textual draws with nothing else), so a test can ask whether a text is on the screen *now*,
not only whether it was ever written.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import os
import pty
import re
import signal
import struct
import termios
from collections.abc import Callable
from pathlib import Path

from rich.cells import get_character_cell_size

ROOT = Path(__file__).resolve().parents[2]

_CONTROL = re.compile(rb"\x1b\[[0-9;?<=>$ ]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]|[\r\n\b]")


class ScreenModel:
    """What a terminal shows, from what the TUI writes: cursor positioning, CR/LF and text (styles ignored)."""

    def __init__(self, width: int, height: int) -> None:
        self.width, self.height = width, height
        self.rows = [[" "] * width for _ in range(height)]
        self.x = self.y = 0
        self._pending = b""

    def feed(self, data: bytes) -> None:
        data = self._pending + data
        # keep an escape sequence cut at the end of this read for the next one
        cut = data.rfind(b"\x1b")
        if cut != -1 and not _CONTROL.match(data, cut):
            data, self._pending = data[:cut], data[cut:]
        else:
            self._pending = b""
        at = 0
        for match in _CONTROL.finditer(data):
            self._text(data[at:match.start()])
            self._control(match.group())
            at = match.end()
        self._text(data[at:])

    def _control(self, seq: bytes) -> None:
        if seq == b"\r":
            self.x = 0
        elif seq == b"\n":
            self.y = min(self.y + 1, self.height - 1)
        elif seq == b"\b":
            self.x = max(self.x - 1, 0)
        elif seq.startswith(b"\x1b[") and seq.endswith((b"H", b"f")) and b"?" not in seq:
            parts = [int(p) if p.isdigit() else 1 for p in seq[2:-1].split(b";")] + [1, 1]
            self.y, self.x = min(parts[0], self.height) - 1, min(parts[1], self.width) - 1
        elif seq in (b"\x1b[2J", b"\x1b[H\x1b[2J"):
            self.rows = [[" "] * self.width for _ in range(self.height)]

    def _text(self, raw: bytes) -> None:
        for char in raw.decode("utf-8", errors="replace"):
            size = get_character_cell_size(char)
            if size == 0 or self.x >= self.width:
                continue
            self.rows[self.y][self.x] = char
            if size == 2 and self.x + 1 < self.width:
                self.rows[self.y][self.x + 1] = ""
            self.x += size

    def text(self) -> str:
        return "\n".join("".join(row) for row in self.rows)


class Terminal:
    """The TUI in its own process on a pseudo-terminal; its output kept in a `ScreenModel`."""

    def __init__(self, argv: list[str], env: dict[str, str], size: tuple[int, int] = (120, 36),
                 cwd: Path = ROOT) -> None:
        self.screen = ScreenModel(*size)
        self.changed = asyncio.Event()
        self.pid, self.fd = pty.fork()
        if self.pid == 0:   # the child: becomes the app
            try:
                os.chdir(cwd)
                os.execvpe(argv[0], argv, env)
            finally:
                os._exit(127)
        fcntl.ioctl(self.fd, termios.TIOCSWINSZ, struct.pack("HHHH", size[1], size[0], 0, 0))
        os.set_blocking(self.fd, False)
        asyncio.get_running_loop().add_reader(self.fd, self._read)

    def _read(self) -> None:
        with contextlib.suppress(BlockingIOError, OSError):
            self.screen.feed(os.read(self.fd, 1 << 16))
            self.changed.set()

    def shows(self, text: str) -> bool:
        return text in self.screen.text()

    async def until(self, condition: Callable[[], bool], timeout: float) -> bool:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not condition():
            self.changed.clear()
            left = deadline - loop.time()
            if left <= 0:
                return False
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.changed.wait(), left)
        return True

    def shows_field(self, value: str) -> bool:
        """`value` shown as the whole content of a one-line input box: alone, or after the box's label."""
        pattern = re.compile(r"(^|\s)" + re.escape(value) + r"(\s+\S)?$")   # then maybe the box's right edge
        return any(pattern.search(line.rstrip()) for line in self.screen.text().splitlines())

    def write(self, text: str) -> None:
        os.write(self.fd, text.encode())

    def hang_up(self) -> None:
        """The terminal goes away (a window closed, SSH dropped): the kernel hangs up the app's session."""
        asyncio.get_running_loop().remove_reader(self.fd)
        os.close(self.fd)
        self.fd = -1

    def close(self) -> None:
        """The app killed if still running, and the terminal closed if still open."""
        with contextlib.suppress(ProcessLookupError, ChildProcessError):
            os.kill(self.pid, signal.SIGKILL)
            os.waitpid(self.pid, 0)
        if self.fd >= 0:
            self.hang_up()
