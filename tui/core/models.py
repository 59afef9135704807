"""Plain data the core hands to its callers (TUI, CLI). Built from journal rows; no I/O here."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any, Protocol

RESULT_TYPES = ("succeeded", "errored", "canceled", "expired")
UNFINISHED = ("in_progress", "canceling")


class Record(Protocol):
    """A row read by column name: a `sqlite3.Row` (a dict would do too)."""

    def keys(self) -> Collection[str]: ...

    def __getitem__(self, key: str, /) -> Any: ...


@dataclass(slots=True, frozen=True)
class RequestCounts:
    processing: int = 0
    succeeded: int = 0
    errored: int = 0
    canceled: int = 0
    expired: int = 0

    @property
    def total(self) -> int:
        return self.processing + self.succeeded + self.errored + self.canceled + self.expired

    @property
    def done(self) -> int:
        return self.total - self.processing

    @property
    def failed(self) -> int:
        return self.errored + self.canceled + self.expired


@dataclass(slots=True, frozen=True)
class BatchRow:
    """One batch as the journal knows it (server fields plus local bookkeeping). Times: unix seconds."""

    local_id: int
    id: str | None
    processing_status: str | None
    counts: RequestCounts
    created_at: float | None = None
    expires_at: float | None = None
    ended_at: float | None = None
    cancel_initiated_at: float | None = None
    archived_at: float | None = None
    results_url: str | None = None
    job_id: int | None = None
    job_name: str | None = None
    source_path: str | None = None
    chunk_index: int | None = None
    chunk_count: int | None = None    # how many batches its job was split into (None: not read with the row)
    parent_id: str | None = None
    label: str | None = None
    intent_state: str = "created"
    intent_request_count: int | None = None
    intent_error: str | None = None   # why a create failed, or why it is not confirmed yet
    adopted: bool = False
    gone: bool = False
    deleted_at: float | None = None
    last_polled_at: float | None = None
    last_poll_error: str | None = None
    ingest_state: str = "none"
    results_ingested: int = 0
    ingest_error: str | None = None   # why the results are not all in (cut stream, malformed lines, ...)
    cost_usd: float | None = None  # sum over ingested results; None until any is known
    # The results stream checked against what was sent (set once a read of the stream reached its end):
    # None: not read whole yet; True: compared with the requests this journal sent; False: nothing to compare
    # against (adopted: the requests were sent elsewhere).
    results_compared: bool | None = None
    results_missing: int = 0      # requests sent with no results line (retry resends them)
    results_unknown: int = 0      # custom_ids in the stream that were never sent in this batch (kept aside)
    results_duplicate: int = 0    # repeated lines for a custom_id (the first kept, the rest kept aside)

    @property
    def unfinished(self) -> bool:
        return self.processing_status in UNFINISHED and not self.gone

    @property
    def total(self) -> int:
        return self.counts.total or (self.intent_request_count or 0)

    @property
    def results_mismatch(self) -> bool:
        """The results do not match what was sent: some are missing, or lines came for ids never sent."""
        return bool(self.results_missing or self.results_unknown)

    @classmethod
    def from_row(cls, row: Record) -> BatchRow:
        keys = row.keys()

        def get(name: str, default: Any = None) -> Any:
            return row[name] if name in keys else default

        return cls(
            local_id=row["local_id"],
            id=row["id"],
            processing_status=row["processing_status"],
            counts=RequestCounts(row["n_processing"], row["n_succeeded"], row["n_errored"],
                                 row["n_canceled"], row["n_expired"]),
            created_at=row["created_at"],
            expires_at=row["expires_at"],
            ended_at=row["ended_at"],
            cancel_initiated_at=row["cancel_initiated_at"],
            archived_at=row["archived_at"],
            results_url=row["results_url"],
            job_id=row["job_id"],
            job_name=get("job_name"),
            source_path=get("source_path"),
            chunk_index=row["chunk_index"],
            chunk_count=get("chunk_count"),
            parent_id=row["parent_id"],
            label=row["label"],
            intent_state=row["intent_state"],
            intent_request_count=row["intent_request_count"],
            intent_error=get("intent_error"),
            adopted=bool(row["adopted"]),
            gone=bool(row["gone"]),
            deleted_at=row["deleted_at"],
            last_polled_at=row["last_polled_at"],
            last_poll_error=row["last_poll_error"],
            ingest_state=row["ingest_state"],
            results_ingested=row["results_ingested"],
            ingest_error=get("ingest_error"),
            cost_usd=get("cost_usd"),
            results_compared=None if get("results_compared") is None else bool(row["results_compared"]),
            results_missing=get("results_missing", 0) or 0,
            results_unknown=get("results_unknown", 0) or 0,
            results_duplicate=get("results_duplicate", 0) or 0,
        )


@dataclass(slots=True, frozen=True)
class ResultRow:
    """One request of a batch with its result, if any (result_type None = no result yet)."""

    batch_local_id: int
    custom_id: str
    result_type: str | None = None
    error_type: str | None = None
    error_message: str | None = None
    stop_reason: str | None = None
    model: str | None = None
    input_tokens: int | None = None
    output_tokens: int | None = None
    cache_creation_input_tokens: int | None = None
    cache_read_input_tokens: int | None = None
    cost_usd: float | None = None
    preview: str | None = None


@dataclass(slots=True)
class SweepResult:
    """What one poll sweep learned: for the TUI to update rows and notify."""

    changed: list[BatchRow] = field(default_factory=list)
    ended: list[BatchRow] = field(default_factory=list)
    adopted: list[BatchRow] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)   # short, human, one per failed call
    http_requests: int = 0
    next_delay: float = 5.0                            # seconds until the next sweep is due
    unreachable_since: float | None = None             # wall time of the first unanswered call of an outage
