"""A local server that speaks the Message Batches API (see API_NOTES.md), in-process or as a command.

It imports nothing from `tui.core` or the UI: the client must not be able to tell it from the real API.
"""

from tui.emulator.config import EmulatorConfig
from tui.emulator.emulator import Emulator

__all__ = ["Emulator", "EmulatorConfig"]
