"""One batch and its lifecycle, computed lazily from emulated time (no timers).

Requests run one after another in a shuffled order fixed at create: the request at position k of that order
finishes at `created_at + (k + 1) * step`. From that, the cancel time and `expires_at`, everything else
(status, counts, which request ended how) follows by arithmetic whenever it is asked for.
"""

from __future__ import annotations

import math
import random
from array import array
from collections.abc import Iterator

from tui.emulator.responses import Summary, message_for
from tui.emulator.wire import error_body, make_id, rfc3339

DAY = 86_400.0
EXPIRES_AFTER = 1 * DAY
ARCHIVED_AFTER = 29 * DAY
CANCELING_SECONDS = 1.0  # a cancel shows `canceling` at least this long (emulated)

_FAULTS = (None, "api_error", "overloaded_error")
_FAULT_MESSAGES = {"api_error": "Internal server error", "overloaded_error": "Overloaded"}


class Batch:
    def __init__(self, *, batch_id: str, seed: int, seq: int, created_at: float, step: float,
                 summaries: list[Summary], fail_requests: float = 0.0, faults: bytes | None = None) -> None:
        """`faults` (one byte per request: 0 none, 1 api_error, 2 overloaded_error) restores a saved batch;
        without it they are drawn from the seed with probability `fail_requests`."""
        self.id = batch_id
        self.seed = seed
        self.seq = seq
        self.created_at = created_at
        self.expires_at = created_at + EXPIRES_AFTER
        self.step = step
        self.summaries = summaries
        self.cancel_at: float | None = None
        n = len(summaries)
        order = list(range(n))
        rng = random.Random(f"{seed}:{seq}:order")
        rng.shuffle(order)
        self.order = array("I", order)
        self.faults = bytearray(faults) if faults is not None else bytearray(n)
        if faults is None and fail_requests > 0:
            rng = random.Random(f"{seed}:{seq}:faults")
            for i in range(n):
                if rng.random() < fail_requests:
                    self.faults[i] = 1 + (rng.random() < 0.5)
        self.cache_roles = bytearray(n)
        seen: set[bytes] = set()
        for i in self.order:
            key = summaries[i].cache_key
            if key is not None:
                self.cache_roles[i] = 2 if key in seen else 1
                seen.add(key)
        self._counts: tuple[int, dict] | None = None

    # -- the lifecycle ---------------------------------------------------------------------------------------------
    def _finished_by(self, t: float) -> int:
        """How many requests have finished by emulated time t."""
        n = len(self.summaries)
        if self.step <= 0:
            return n
        return max(0, min(n, math.floor((t - self.created_at) / self.step + 1e-9)))

    def end(self) -> tuple[float, int, str]:
        """(ended_at, requests finished, what the rest become: 'canceled' or 'expired')."""
        n = len(self.summaries)
        natural = self.created_at + n * self.step
        if self.cancel_at is not None:
            done = min(n, self._finished_by(self.cancel_at) + 1)  # the running one may still finish
            in_flight_end = self.created_at + done * self.step
            ended = max(self.cancel_at + CANCELING_SECONDS, min(in_flight_end, natural))
            return min(ended, self.expires_at), done, "canceled"
        if natural <= self.expires_at:
            return natural, n, "expired"
        return self.expires_at, self._finished_by(self.expires_at), "expired"

    def status(self, now: float) -> str:
        if now >= self.end()[0]:
            return "ended"
        return "canceling" if self.cancel_at is not None else "in_progress"

    def archived(self, now: float) -> bool:
        return now >= self.created_at + ARCHIVED_AFTER

    def counts(self) -> dict:
        """The final request_counts (valid once ended)."""
        _, done, rest = self.end()
        if self._counts is None or self._counts[0] != done:
            errored = sum(1 for k in range(done) if self._is_errored(self.order[k]))
            final = {"processing": 0, "succeeded": done - errored, "errored": errored, "canceled": 0, "expired": 0}
            final[rest] = len(self.summaries) - done
            self._counts = (done, final)
        return dict(self._counts[1])

    def _is_errored(self, index: int) -> bool:
        return self.summaries[index].error is not None or self.faults[index] != 0

    def to_json(self, now: float, base_url: str) -> dict:
        status = self.status(now)
        ended = status == "ended"
        n = len(self.summaries)
        counts = self.counts() if ended else {"processing": n, "succeeded": 0, "errored": 0, "canceled": 0,
                                              "expired": 0}
        return {
            "id": self.id,
            "type": "message_batch",
            "processing_status": status,
            "request_counts": counts,
            "created_at": rfc3339(self.created_at),
            "expires_at": rfc3339(self.expires_at),
            "ended_at": rfc3339(self.end()[0]) if ended else None,
            "cancel_initiated_at": rfc3339(self.cancel_at),
            "archived_at": rfc3339(self.created_at + ARCHIVED_AFTER) if self.archived(now) else None,
            "results_url": f"{base_url}/v1/messages/batches/{self.id}/results" if ended else None,
        }

    # -- results ---------------------------------------------------------------------------------------------------
    def stream(self, foreign: float = 0.0, missing: float = 0.0, duplicate: float = 0.0) -> Iterator[tuple[str, dict]]:
        """The results stream as served, with the mismatch faults: (kind, line) in order, kind `line` (a true
        line), `duplicate` (a true line sent again), `foreign` (a line for a custom_id never sent in this batch)
        or `missing` (a true line left out: not sent). Drawn from the batch's seed, so every download is alike."""
        if not (foreign or missing or duplicate):
            for line in self.result_lines():
                yield "line", line
            return
        rng = random.Random(f"{self.seed}:{self.seq}:stream")
        sent = {s.custom_id for s in self.summaries} if foreign else set()
        k = 0
        for line in self.result_lines():
            left_out, twice, stranger = rng.random() < missing, rng.random() < duplicate, rng.random() < foreign
            if left_out:
                yield "missing", line
                continue
            yield "line", line
            if twice:
                yield "duplicate", line
            if stranger:
                k += 1
                cid = f"not-sent-{self.seq}-{k}"
                while cid in sent:
                    cid += "x"
                yield "foreign", {"custom_id": cid, "result": line["result"]}

    def result_lines(self) -> Iterator[dict]:
        """Every results line, in processing order (not input order), generated on the fly."""
        _, done, rest = self.end()
        for k, index in enumerate(self.order):
            summary = self.summaries[index]
            yield {"custom_id": summary.custom_id, "result": self._result(index, summary, k < done, rest)}

    def _result(self, index: int, summary: Summary, finished: bool, rest: str) -> dict:
        if not finished:
            return {"type": rest}
        if summary.error is not None:
            return {"type": "errored", "error": error_body(400, summary.error, None)}
        fault = _FAULTS[self.faults[index]]
        if fault is not None:
            return {"type": "errored", "error": error_body(0, _FAULT_MESSAGES[fault], None, fault)}
        message_id = make_id("msg", self.seed, self.id, summary.custom_id)
        return {"type": "succeeded", "message": message_for(summary, message_id, self.cache_roles[index])}
