"""Run `claude-batch-tui` as a real process, with a chosen key and umask, for the secrets and file-mode tests."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

CANARY_KEY = "sk-ant-api03-CANARY-k3y-d0-n0t-l34k-7c1f"


@dataclass
class Run:
    code: int
    out: str
    err: str

    @property
    def text(self) -> str:
        return self.out + self.err


def cli(*argv: str, journal: Path | None, key: str | None = CANARY_KEY, umask: int = 0, timeout: float = 60,
        env: dict[str, str] | None = None) -> Run:
    """`python -m tui ARGV --journal JOURNAL` with ANTHROPIC_API_KEY=key under `umask` (0: the worst case).
    With journal=None the default path applies (from HOME / XDG_DATA_HOME in the environment)."""
    environ = {k: v for k, v in os.environ.items() if k not in ("ANTHROPIC_API_KEY", "ANTHROPIC_BASE_URL")}
    environ.update(env or {})
    if key is not None:
        environ["ANTHROPIC_API_KEY"] = key
    where = ["--journal", str(journal)] if journal is not None else []
    done = subprocess.run([sys.executable, "-m", "tui", *argv, *where], env=environ,
                          capture_output=True, text=True, timeout=timeout, preexec_fn=lambda: os.umask(umask),
                          stdin=subprocess.DEVNULL)
    return Run(done.returncode, done.stdout, done.stderr)


def mode(path: Path) -> int:
    return path.stat().st_mode & 0o777


def files_holding(folder: Path, needle: bytes) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file() and needle in p.read_bytes()]
