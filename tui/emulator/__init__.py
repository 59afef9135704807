"""A local server that speaks the Message Batches API, in-process or as a command.

What it serves, how to run it and every fault it can inject: tui/emulator/README.md.

It imports nothing from `tui.core` or the UI: the client must not be able to tell it from the real API.
"""

from tui.emulator.config import EmulatorConfig
from tui.emulator.emulator import Emulator

__all__ = ["Emulator", "EmulatorConfig"]
