"""Fixtures of the CLI tests."""

from __future__ import annotations

import asyncio

import pytest

from tui.cli import main


@pytest.fixture
def dry_run(capsys, journal_path):
    """`submit PATH --dry-run` through the real entry point: (exit code, stdout + stderr)."""
    async def run(path) -> tuple[int, str]:
        capsys.readouterr()
        code = await asyncio.to_thread(main, ["submit", str(path), "--dry-run", "--journal", str(journal_path)])
        out, err = capsys.readouterr()
        return code, out + err

    return run
