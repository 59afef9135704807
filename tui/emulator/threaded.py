"""Run an emulator on its own event loop in a background thread, for synchronous code (sync SDK, CLI tests)."""

from __future__ import annotations

import asyncio
import threading
from typing import Unpack

from tui.emulator.config import EmulatorConfig, EmulatorOverrides
from tui.emulator.emulator import Emulator


class EmulatorThread:
    """`with EmulatorThread(EmulatorConfig(...)) as emu:` yields a started `Emulator` served from a thread."""

    def __init__(self, config: EmulatorConfig | None = None, **overrides: Unpack[EmulatorOverrides]) -> None:
        self.emulator = Emulator(config, **overrides)
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="emulator", daemon=True)

    def __enter__(self) -> Emulator:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self.emulator.start(), self._loop).result(timeout=30)
        return self.emulator

    def __exit__(self, *exc_info: object) -> None:
        try:
            asyncio.run_coroutine_threadsafe(self.emulator.stop(), self._loop).result(timeout=30)
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=30)
            self._loop.close()
