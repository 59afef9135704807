"""Polling and ingest: the one poll loop (`loop`), what a sweep is about (`sweep_plan`) and how it is written
(`sweep_write`), and the streaming of an ended batch's results into the journal (`ingest`, `result_lines`).
"""
