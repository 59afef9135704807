"""The engine shared by the TUI and the CLI. Imports no Textual and no Rich (a test checks)."""
