"""Actions on batches, shared by the TUI's keys and the CLI's commands: cancel, retry, export, delete.
"""
