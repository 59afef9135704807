"""The journal's schema, as forward-only migrations. `PRAGMA user_version` = number of migrations applied.

Never edit a migration that has shipped: append a new one. Times are unix seconds (REAL, UTC).
Rows are keyed by `batches.local_id`, which exists from the moment an *intent* is recorded, before the
server has given the batch an id.
"""

MIGRATIONS: list[str] = [
    # 1: the first schema
    """
    CREATE TABLE jobs (
        id            INTEGER PRIMARY KEY,
        name          TEXT NOT NULL,             -- label, or the file name
        source_path   TEXT,                      -- the submitted file, as given
        source_sha256 TEXT,                      -- content hash: the same file twice needs --again
        request_count INTEGER NOT NULL DEFAULT 0,
        created_at    REAL NOT NULL
    );
    CREATE INDEX jobs_sha ON jobs(source_sha256);

    CREATE TABLE batches (
        local_id             INTEGER PRIMARY KEY,
        id                   TEXT UNIQUE,        -- msgbatch_...; NULL while only an intent
        job_id               INTEGER REFERENCES jobs(id),
        chunk_index          INTEGER,
        parent_id            TEXT,               -- the batch whose failures this one retries
        label                TEXT,
        -- submit bookkeeping: intent -> sending -> created | failed
        intent_state         TEXT NOT NULL DEFAULT 'created',
        intent_request_count INTEGER,
        intent_bytes         INTEGER,
        intent_sent_at       REAL,
        intent_error         TEXT,
        -- server fields (MessageBatch), NULL until known
        processing_status    TEXT,               -- in_progress | canceling | ended
        n_processing         INTEGER NOT NULL DEFAULT 0,
        n_succeeded          INTEGER NOT NULL DEFAULT 0,
        n_errored            INTEGER NOT NULL DEFAULT 0,
        n_canceled           INTEGER NOT NULL DEFAULT 0,
        n_expired            INTEGER NOT NULL DEFAULT 0,
        created_at           REAL,
        expires_at           REAL,
        ended_at             REAL,
        cancel_initiated_at  REAL,
        archived_at          REAL,
        results_url          TEXT,
        -- local facts
        adopted              INTEGER NOT NULL DEFAULT 0,   -- found on the account, not submitted here
        gone                 INTEGER NOT NULL DEFAULT 0,   -- the server answered 404
        deleted_at           REAL,                         -- deleted on the server by us
        last_polled_at       REAL,
        next_poll_at         REAL,
        poll_errors          INTEGER NOT NULL DEFAULT 0,
        last_poll_error      TEXT,
        ingest_state         TEXT NOT NULL DEFAULT 'none', -- none | partial | complete | unavailable
        results_ingested     INTEGER NOT NULL DEFAULT 0,
        ingest_error         TEXT
    );
    CREATE INDEX batches_job ON batches(job_id);
    CREATE INDEX batches_parent ON batches(parent_id);
    CREATE INDEX batches_status ON batches(processing_status);

    CREATE TABLE requests (
        batch_local_id INTEGER NOT NULL REFERENCES batches(local_id) ON DELETE CASCADE,
        custom_id      TEXT NOT NULL,
        params         BLOB NOT NULL,            -- the request's params, JSON bytes as submitted
        PRIMARY KEY (batch_local_id, custom_id)
    ) WITHOUT ROWID;

    CREATE TABLE results (
        batch_local_id INTEGER NOT NULL REFERENCES batches(local_id) ON DELETE CASCADE,
        custom_id      TEXT NOT NULL,
        result_type    TEXT NOT NULL,            -- succeeded | errored | canceled | expired | (unknown, as given)
        error_type     TEXT,                     -- result.error.error.type
        error_message  TEXT,
        stop_reason    TEXT,
        model          TEXT,
        input_tokens                INTEGER,
        output_tokens               INTEGER,
        cache_creation_input_tokens INTEGER,
        cache_read_input_tokens     INTEGER,
        cost_usd       REAL,                     -- at batch prices; NULL when the model's price is unknown
        preview        TEXT,                     -- first ~200 chars of the response text, or the error message
        raw            BLOB NOT NULL,            -- the result line exactly as received
        PRIMARY KEY (batch_local_id, custom_id)
    ) WITHOUT ROWID;
    CREATE INDEX results_type ON results(batch_local_id, result_type, custom_id);

    CREATE TABLE events (
        id        INTEGER PRIMARY KEY,
        at        REAL NOT NULL,
        kind      TEXT NOT NULL,                 -- submitted, created, canceled, retried, exported, ended, deleted, adopted, ...
        batch_local_id INTEGER REFERENCES batches(local_id) ON DELETE SET NULL,
        job_id    INTEGER REFERENCES jobs(id) ON DELETE SET NULL,
        detail    TEXT                           -- JSON
    );
    CREATE INDEX events_batch ON events(batch_local_id, at);

    CREATE TABLE snapshots (                      -- poll history, for throughput and sparklines
        batch_local_id INTEGER NOT NULL REFERENCES batches(local_id) ON DELETE CASCADE,
        at             REAL NOT NULL,
        n_processing   INTEGER NOT NULL,
        n_succeeded    INTEGER NOT NULL,
        n_errored      INTEGER NOT NULL,
        n_canceled     INTEGER NOT NULL,
        n_expired      INTEGER NOT NULL,
        PRIMARY KEY (batch_local_id, at)
    ) WITHOUT ROWID;
    """,
    # 2: results as a rowid table. WITHOUT ROWID keeps each ~1 KB row (raw line included) inside the primary-key
    # B-tree, and results arrive in random custom_id order: inserts ran at ~20,000 rows/s. As a rowid table with
    # the same primary key (now a small separate index) they run ~4x faster. Same columns, same names.
    """
    CREATE TABLE results_v2 (
        batch_local_id INTEGER NOT NULL REFERENCES batches(local_id) ON DELETE CASCADE,
        custom_id      TEXT NOT NULL,
        result_type    TEXT NOT NULL,
        error_type     TEXT,
        error_message  TEXT,
        stop_reason    TEXT,
        model          TEXT,
        input_tokens                INTEGER,
        output_tokens               INTEGER,
        cache_creation_input_tokens INTEGER,
        cache_read_input_tokens     INTEGER,
        cost_usd       REAL,
        preview        TEXT,
        raw            BLOB NOT NULL,
        PRIMARY KEY (batch_local_id, custom_id)
    );
    INSERT INTO results_v2 SELECT batch_local_id, custom_id, result_type, error_type, error_message, stop_reason,
        model, input_tokens, output_tokens, cache_creation_input_tokens, cache_read_input_tokens, cost_usd,
        preview, raw FROM results;
    DROP TABLE results;
    ALTER TABLE results_v2 RENAME TO results;
    CREATE INDEX results_type ON results(batch_local_id, result_type, custom_id);
    """,
    # 3: requests as a rowid table, for the reason of migration 2: in a WITHOUT ROWID table any row over about
    # 1 KB (most params) spills its tail into an overflow page of its own, so 100,000 requests took ~400 MB
    # of pages for ~100 MB of params, and every scan paid for it. Same columns, same primary key.
    """
    CREATE TABLE requests_v3 (
        batch_local_id INTEGER NOT NULL REFERENCES batches(local_id) ON DELETE CASCADE,
        custom_id      TEXT NOT NULL,
        params         BLOB NOT NULL,
        PRIMARY KEY (batch_local_id, custom_id)
    );
    INSERT INTO requests_v3 SELECT batch_local_id, custom_id, params FROM requests;
    DROP TABLE requests;
    ALTER TABLE requests_v3 RENAME TO requests;
    """,
    # 4: the result-type index keeps only the results that did not succeed. Nearly all results succeed, and as
    # they arrive in random custom_id order each ingest transaction rewrote most pages of this second index
    # (~10% of ingest time) for rows the primary key serves as well: they are the bulk of any scan. Reads that
    # need the index say `result_type != 'succeeded'` word for word, which is how SQLite knows it may use it.
    """
    DROP INDEX results_type;
    CREATE INDEX results_failed ON results(batch_local_id, result_type, custom_id)
        WHERE result_type != 'succeeded';
    """,
    # 5: results checked against what was sent. A results line whose custom_id was never sent in the batch, or a
    # second line for the same custom_id, is not a result: it is kept here, word for word, and counted on the
    # batch. `results_compared` is NULL until a read of the stream reached its end; then 1 when the batch's
    # requests are in this journal (so `results_missing` means something), 0 when there is nothing to compare
    # against (a batch adopted from the account).
    """
    CREATE TABLE result_anomalies (
        batch_local_id INTEGER NOT NULL REFERENCES batches(local_id) ON DELETE CASCADE,
        kind           TEXT NOT NULL,            -- unknown_id (never sent in this batch) | duplicate (a repeat)
        custom_id      TEXT NOT NULL,
        occurrence     INTEGER NOT NULL,         -- 0 for an unknown id; 1, 2, ... for the repeats of a custom_id
        line_no        INTEGER,                  -- its line in the results stream, when known
        raw            BLOB NOT NULL,            -- the line exactly as received
        PRIMARY KEY (batch_local_id, kind, custom_id, occurrence)
    );
    ALTER TABLE batches ADD COLUMN results_compared INTEGER;
    ALTER TABLE batches ADD COLUMN results_missing INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE batches ADD COLUMN results_unknown INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE batches ADD COLUMN results_duplicate INTEGER NOT NULL DEFAULT 0;
    """,
    # 6: the words of every request and every answer, for `/` search (`tui/core/journal/search.py`, which says what
    # a row's text is and keeps the index in step). Two FTS5 tables whose rowid is the rowid of the `requests` /
    # `results` row: `unicode61` words (diacritics folded) without positions (detail=none: a third of the size and
    # the quickest to write; a search is words and word prefixes, not phrases), and no per-row word counts
    # (columnsize=0: they only serve ranking, and cost a fifth of the writing). They keep their own copy of the
    # words, so a row is taken out by its rowid alone. No merging of index segments after each write (automerge 0:
    # half the cost of an ingest's indexing); SQLite still merges when 16 pile up at one level (crisismerge). The
    # rows already in the journal are indexed here, with the text `search.py` gives them: a request's `system`
    # strings and, under `messages`, every `content` string and every `text`; an answer's text blocks, or the
    # error's type and message.
    """
    CREATE VIRTUAL TABLE search_requests USING fts5(body, detail=none, columnsize=0,
        tokenize='unicode61 remove_diacritics 2');
    CREATE VIRTUAL TABLE search_results USING fts5(body, detail=none, columnsize=0,
        tokenize='unicode61 remove_diacritics 2');
    INSERT INTO search_requests(search_requests, rank) VALUES ('automerge', 0);
    INSERT INTO search_results(search_results, rank) VALUES ('automerge', 0);
    INSERT INTO search_requests(rowid, body) SELECT rowid, t FROM (SELECT rowid, (SELECT group_concat(j.value, ' ')
        FROM json_tree(CASE WHEN json_valid(CAST(params AS TEXT)) THEN CAST(params AS TEXT) ELSE '{}' END) j
        WHERE j.type = 'text' AND (j.fullkey = '$.system' OR (j.key = 'text' AND j.fullkey LIKE '$.system[%')
            OR ((j.key = 'text' OR j.key = 'content') AND j.fullkey LIKE '$.messages[%'))) AS t
        FROM requests) WHERE t IS NOT NULL;
    INSERT INTO search_results(rowid, body) SELECT rowid, t FROM (SELECT rowid, CASE
        WHEN result_type = 'succeeded' THEN (SELECT group_concat(j.value ->> '$.text', ' ')
            FROM json_each(CASE WHEN json_valid(CAST(raw AS TEXT)) THEN CAST(raw AS TEXT) ELSE '{}' END,
                           '$.result.message.content') j
            WHERE j.type = 'object' AND j.value ->> '$.type' = 'text')
        WHEN error_type IS NOT NULL OR error_message IS NOT NULL
            THEN COALESCE(error_type, '') || ' ' || COALESCE(error_message, '') END AS t
        FROM results) WHERE t IS NOT NULL;
    """,
]


SCHEMA_VERSION = len(MIGRATIONS)

# The condition of the `results_failed` index (migration 4): a query must contain it word for word to use it.
NOT_SUCCEEDED = "result_type != 'succeeded'"
