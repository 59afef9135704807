"""The journal and its reads: the SQLite connection, the schema and its migrations, batch rows, a batch's
requests and results page by page, and a job's family of batches (chunks and retries).
"""
