"""Checking and submitting: a JSONL file checked line by line and split into chunks (`check`), then sent
journal first (`send`), so no batch is lost or created twice.
"""
