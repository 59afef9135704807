"""The emulator object: start/stop inside any running event loop, plus ground truth for tests."""

from __future__ import annotations

import asyncio
import dataclasses
import random
import time
from collections import Counter, deque
from typing import Unpack

from aiohttp import web

from tui.emulator.batch import Batch
from tui.emulator.config import EmulatorConfig, EmulatorOverrides
from tui.emulator.responses import Summary
from tui.emulator.server import build_app
from tui.emulator.wire import make_id


class Emulator:
    """A local server speaking the Message Batches API.

    `async with Emulator(EmulatorConfig(...)) as emu:` (or `await emu.start()` / `await emu.stop()`), then
    point a client at `emu.base_url`. Keyword arguments override fields of the config.

    `stats` counts HTTP requests: `requests` (all), one key per route (`create`, `retrieve`, `list`,
    `cancel`, `delete`, `results`, `unknown`), one per injected fault (`fault_429`, `fault_500`, `fault_529`,
    `fault_403`, `fault_cut_results`, `fault_ambiguous_create`; and per results line served wrong,
    `fault_foreign_results`, `fault_missing_results`, `fault_duplicate_results`), `rate_limited`, and
    `results_abandoned` when a client stops reading a results stream early.
    """

    def __init__(self, config: EmulatorConfig | None = None, **overrides: Unpack[EmulatorOverrides]) -> None:
        self.config = dataclasses.replace(config or EmulatorConfig(), **overrides)
        self.stats: Counter[str] = Counter()
        self._batches: dict[str, Batch] = {}  # creation order, oldest first
        self._seqs: dict[str, int] = {}  # every id ever issued -> creation sequence (cursors survive deletes)
        self._next_seq = 0
        self._request_counter = 0
        self._fault_rng = random.Random(f"{self.config.seed}:http")
        self._cut_rng = random.Random(f"{self.config.seed}:cut")
        self._forced: deque[int | None] = deque()   # None: answer that one normally
        self._bucket = (time.monotonic(), self.config.rate_limit_rpm)  # (last refill, tokens)
        self._wall0 = ((time.time() if self.config.start_at is None else self.config.start_at)
                       + self.config.clock_offset_s)   # a server clock that is off
        self._mono0 = time.monotonic()
        self._offset = 0.0
        self._runner: web.AppRunner | None = None
        self._port: int | None = None

    # -- running -------------------------------------------------------------------------------------------------
    async def start(self) -> Emulator:
        if self._runner is not None:
            raise RuntimeError("emulator already started")
        runner = web.AppRunner(build_app(self), access_log=None, handle_signals=False, shutdown_timeout=2.0,
                               lingering_time=1.0)
        await runner.setup()
        site = web.TCPSite(runner, self.config.host, self.config.port)
        try:
            await site.start()
        except BaseException:
            await runner.cleanup()
            raise
        self._runner = runner
        self._port = runner.addresses[0][1]
        return self

    async def stop(self) -> None:
        if self._runner is not None:
            runner, self._runner = self._runner, None
            await runner.cleanup()

    async def __aenter__(self) -> Emulator:
        return await self.start()

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    @property
    def base_url(self) -> str:
        if self._port is None:
            raise RuntimeError("emulator not started")
        host = self.config.host
        if host in ("0.0.0.0", "", "::"):
            host = "127.0.0.1"
        if ":" in host:
            host = f"[{host}]"
        return f"http://{host}:{self._port}"

    # -- emulated time -------------------------------------------------------------------------------------------
    def now(self) -> float:
        """Emulated unix time: the wall clock at construction (+ `clock_offset_s`), plus scaled elapsed time, plus
        `advance`s. Every time the server hands out is this clock's, its `date` header included."""
        return self._wall0 + (time.monotonic() - self._mono0) * self.config.time_scale + self._offset

    def advance(self, seconds: float) -> None:
        """Jump emulated time forward (to reach expiry or archival without waiting)."""
        if seconds < 0:
            raise ValueError("emulated time only moves forward")
        self._offset += seconds

    # -- ground truth for tests ----------------------------------------------------------------------------------
    def batch_ids(self) -> list[str]:
        """All existing batch ids, newest first."""
        return list(reversed(self._batches))

    def get_batch(self, batch_id: str) -> dict:
        """The MessageBatch JSON as a retrieve would answer it now. KeyError if there is no such batch."""
        return self._batches[batch_id].to_json(self.now(), self.base_url)

    def results_for(self, batch_id: str) -> dict[str, dict]:
        """{custom_id: results line} of an ended batch. ValueError while it is still running."""
        batch = self._batches[batch_id]
        if batch.status(self.now()) != "ended":
            raise ValueError(f"batch {batch_id} has not ended")
        return {line["custom_id"]: line for line in batch.result_lines()}

    def results_injected(self, batch_id: str) -> dict[str, list[str]]:
        """What the results stream of an ended batch gets wrong under the current config: {"foreign": custom_ids
        never sent, "missing": custom_ids left out, "duplicate": custom_ids sent twice}. `results_for` stays the
        truth (every line the batch has); the stream is that, less `missing`, plus the others."""
        batch = self._batches[batch_id]
        if batch.status(self.now()) != "ended":
            raise ValueError(f"batch {batch_id} has not ended")
        found: dict[str, list[str]] = {"foreign": [], "missing": [], "duplicate": []}
        config = self.config
        for kind, line in batch.stream(config.foreign_results, config.missing_results, config.duplicate_results):
            if kind != "line":
                found[kind].append(line["custom_id"])
        return found

    async def wait_until_ended(self, batch_id: str, timeout: float = 30.0) -> dict:
        """Wait (real time) until the batch has ended; return its MessageBatch JSON. TimeoutError after timeout."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            batch = self._batches[batch_id]
            now = self.now()
            if batch.status(now) == "ended":
                return batch.to_json(now, self.base_url)
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError(f"batch {batch_id} still {batch.status(now)} after {timeout} s")
            wait = (batch.end()[0] - now) / self.config.time_scale
            await asyncio.sleep(min(max(wait, 0.001), remaining, 0.5))

    def fail_next(self, *statuses: int, after: int = 0) -> None:
        """Answer the next HTTP requests with these statuses (403, 429, 500 or 529), one each, doing nothing else;
        `after` requests are answered normally first."""
        self._forced.extend([None] * after)
        for status in statuses:
            if status not in (403, 429, 500, 529):
                raise ValueError(f"fail_next takes 403, 429, 500 or 529, not {status}")
            self._forced.append(status)

    # -- used by the server --------------------------------------------------------------------------------------
    def _next_request_id(self) -> str:
        self._request_counter += 1
        return make_id("req", self.config.seed, "request", self._request_counter)

    def _http_fault(self) -> int | None:
        if self._forced:
            return self._forced.popleft()
        if self.config.fail_http and self._fault_rng.random() < self.config.fail_http:
            return self._fault_rng.choice((429, 500, 529))
        return None

    def _rate_limit_wait(self) -> float | None:
        """None if this request fits the rate limit (and takes a token), else seconds until one is free."""
        rpm = self.config.rate_limit_rpm
        if not rpm:
            return None
        now = time.monotonic()
        last, tokens = self._bucket
        tokens = min(rpm, tokens + (now - last) * rpm / 60.0)
        if tokens >= 1.0:
            self._bucket = (now, tokens - 1.0)
            return None
        self._bucket = (now, tokens)
        return (1.0 - tokens) * 60.0 / rpm

    def _ambiguous_create(self) -> bool:
        """Whether this create, already carried out, is answered with a 500 anyway."""
        return bool(self.config.ambiguous_creates) and self._fault_rng.random() < self.config.ambiguous_creates

    def _results_cut_point(self, lines: int) -> int | None:
        """After how many lines this results stream breaks off, or None for a whole stream."""
        if self.config.cut_results and self._cut_rng.random() < self.config.cut_results:
            return max(0, lines // 2)
        return None

    def _add_batch(self, summaries: list[Summary]) -> Batch:
        seq = self._next_seq
        self._next_seq += 1
        batch_id = make_id("msgbatch", self.config.seed, "batch", seq)
        batch = Batch(batch_id=batch_id, seed=self.config.seed, seq=seq, created_at=self.now(),
                      step=self.config.request_ms / 1000.0, summaries=summaries,
                      fail_requests=self.config.fail_requests)
        self._batches[batch_id] = batch
        self._seqs[batch_id] = seq
        return batch
