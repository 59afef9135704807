"""Kept only for bench/ui.py, which imports `running_app` and `settle` from here by name (it puts tests/tui on
sys.path). The tests use tests/tui/harness.py; delete this file once bench/ui.py imports the harness."""

from __future__ import annotations

from tests.tui.harness import running_app
from tests.tui.harness import settle as _settle

__all__ = ["running_app", "settle"]


async def settle(app, pilot) -> None:
    await _settle(pilot)
