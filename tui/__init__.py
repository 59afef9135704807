"""claude-batch-tui: run Claude Message Batches from a terminal."""

__version__ = "0.1.0"
