"""One module per CLI command: `add_arguments(parser)` and `run(args) -> exit code`.

Modules import their heavy dependencies (SDK, Textual, aiohttp) inside `run`, never at import time.
"""
