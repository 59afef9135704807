"""The emulator's knobs: one frozen dataclass shared by the constructor and the command line."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TypedDict

MAX_BODY_BYTES = 256 * 1024 * 1024


@dataclass(frozen=True)
class EmulatorConfig:
    """How the emulator behaves.

    `request_ms` is the emulated time one request takes; requests of a batch run one after another, so a
    batch of N requests ends N * request_ms after it was created (1,000 requests: 10 s by default).
    `time_scale` multiplies the emulated clock (3600: an emulated hour per real second).
    The `fail_*`, `cut_results`, `*_results` (foreign, missing, duplicate lines), `latency_ms`,
    `ambiguous_creates` and `slow_create_answer_ms` knobs inject faults; all are off by default. Fault knobs are read on every request, so a test may swap
    `emulator.config` to change them.
    """

    host: str = "127.0.0.1"
    port: int = 0
    seed: int = 0
    time_scale: float = 1.0
    request_ms: float = 10.0
    api_key: str | None = None
    fail_http: float = 0.0  # share of HTTP answers that are 429 / 500 / 529
    fail_requests: float = 0.0  # share of requests that end errored (api_error / overloaded_error)
    cut_results: float = 0.0  # share of results streams cut off part-way
    # Results streams that do not match the batch (per line, seeded per batch: every download is the same):
    foreign_results: float = 0.0    # after that share of lines, a line for a custom_id never sent in the batch
    missing_results: float = 0.0    # that share of lines left out of the stream
    duplicate_results: float = 0.0  # that share of lines sent twice
    latency_ms: float = 0.0  # added to every answer
    rate_limit_rpm: float = 0.0  # requests per minute before 429s (token bucket, real time); 0 = no limit
    ambiguous_creates: float = 0.0  # share of creates carried out but answered 500 (a retry then duplicates)
    slow_create_answer_ms: float = 0.0  # a create is carried out at once, its answer waits this long (a client
    #                                     that dies meanwhile never learns the id: recovery must find it)
    max_body_bytes: int = MAX_BODY_BYTES
    start_at: float | None = None  # emulated unix time at start (default: the wall clock); it then moves on
    clock_offset_s: float = 0.0  # the server's clock is this far ahead (negative: behind) of start_at / the wall
    #                              clock: every time it hands out (created_at, ..., the `date` header) is shifted

    def __post_init__(self) -> None:
        for name in ("fail_http", "fail_requests", "cut_results", "ambiguous_creates", "foreign_results",
                     "missing_results", "duplicate_results"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{name} must be between 0 and 1, got {value}")
        if not math.isfinite(self.clock_offset_s):
            raise ValueError(f"clock_offset_s must be a finite number of seconds, got {self.clock_offset_s}")
        if self.time_scale <= 0:
            raise ValueError(f"time_scale must be positive, got {self.time_scale}")
        if min(self.request_ms, self.latency_ms, self.rate_limit_rpm, self.slow_create_answer_ms) < 0:
            raise ValueError("request_ms, latency_ms, rate_limit_rpm and slow_create_answer_ms must not be negative")


class EmulatorOverrides(TypedDict, total=False):
    """Keyword overrides of `EmulatorConfig` fields (`Emulator(config, fail_http=0.2)`): one key per field."""

    host: str
    port: int
    seed: int
    time_scale: float
    request_ms: float
    api_key: str | None
    fail_http: float
    fail_requests: float
    cut_results: float
    foreign_results: float
    missing_results: float
    duplicate_results: float
    latency_ms: float
    rate_limit_rpm: float
    ambiguous_creates: float
    slow_create_answer_ms: float
    max_body_bytes: int
    start_at: float | None
    clock_offset_s: float
