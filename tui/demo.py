"""`--demo`: the emulator and a story a new user understands in ten seconds, on a thread of their own.

The emulator and the story run on their own event loop in a "demo" thread, with their own journal connection
and SDK client: a create of 20,000 requests (the story building and sending it, the emulator reading it) takes
a second of work that would otherwise hold the app's loop, and with it every key the user presses. The app
sees the story's batches as it sees batches made by another process: through the journal, when it polls (the
story wakes the poll loop after each step with `app.poll_now`, called on the app's loop).

Everything goes through the real paths: `plan_from_requests` + `submit` (journal first), the real SDK
over loopback HTTP, `cancel_batches`, `select_retry`/`send_retry`, the real poller and ingest. The story:
a batch that expired yesterday, one that ends with errors a few seconds in, a cancel, a retry of a
failed batch, a large batch of 20,000 requests, batches of several sizes running, and new ones arriving.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import functools
import random
import threading
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timezone
from typing import TYPE_CHECKING

import orjson

from tui.core.actions.cancel import cancel_batches
from tui.core.actions.retry import select_retry, send_retry
from tui.core.api.client import import_giving_way, make_client
from tui.core.clock import Clock
from tui.core.journal.batches import get_batch
from tui.core.journal.connection import Journal
from tui.core.safe_text import safe_text
from tui.core.submit.check import plan_from_requests
from tui.core.submit.send import submit
from tui.demo_answers import ANSWER_KINDS, answer_kinds_requests

if TYPE_CHECKING:
    from anthropic import AsyncAnthropic

    from tui.app import BatchApp
    from tui.emulator import Emulator

SEED = 7
DAY = 86_400.0
SKIPPED = DAY + 90.0   # emulated time the story jumps over (to show an expiry): the emulator starts that far back
MODELS = ("claude-sonnet-4-5", "claude-haiku-4-5", "claude-opus-4-5")
BAD_MODEL = "claude-unknown-model-1"   # no such model: the emulator answers invalid_request_error

_TOPICS = ("a late delivery", "a double charge", "a password reset", "a damaged parcel", "an upgrade",
           "a refund", "a broken link", "an invoice in the wrong currency", "a missing feature", "a thank-you")
_TASKS = ("Summarize this support ticket about {t} in two sentences.",
          "Write a short product description for {t}.",
          "Classify the sentiment of a customer message about {t}.",
          "Draft a polite reply to a customer writing about {t}.",
          "List three follow-up questions about {t}.")


class EmulatorClock(Clock):
    """The app's clock in demo mode follows the emulator's (which the story moves a day forward, to now)."""

    def __init__(self, emulator: Emulator) -> None:
        self.emulator = emulator

    def now(self) -> float:
        return self.emulator.now()


@dataclasses.dataclass(frozen=True)
class Story:
    name: str
    requests: int
    request_ms: float = 10.0
    bad_model_share: float = 0.0
    fail_share: float = 0.0
    model: str = MODELS[0]


def requests_for(story: Story, rng: random.Random) -> Iterator[tuple[str, bytes]]:
    """Plausible requests: (custom_id, params JSON) pairs, a share of them with an unknown model."""
    if story.name == ANSWER_KINDS:   # thinking, tools and web search: tui/demo_answers.py
        yield from answer_kinds_requests(story.requests, rng)
        return
    stem = story.name.split(".")[0][:40]
    for i in range(story.requests):
        topic = rng.choice(_TOPICS)
        model = BAD_MODEL if rng.random() < story.bad_model_share else story.model
        params = {"model": model, "max_tokens": rng.choice((256, 512, 1024)),
                  "messages": [{"role": "user", "content": rng.choice(_TASKS).format(t=topic)}]}
        yield f"{stem}-{i:05d}", orjson.dumps(params)


async def _start_emulator(give_way: Callable[[], None]) -> Emulator:
    """On the demo thread's loop: aiohttp and the emulator take a moment to import (giving way to the user's keys
    as it goes), then it serves from there."""
    import_giving_way("tui.emulator", give_way)
    from tui.emulator import Emulator, EmulatorConfig

    # it starts a day back, so that once the story has jumped a day ahead its clock shows today
    emulator = Emulator(EmulatorConfig(host="127.0.0.1", port=0, seed=SEED, start_at=time.time() - SKIPPED))
    return await emulator.start()


class DemoEnvironment:
    def __init__(self, emulator: Emulator, loop: asyncio.AbstractEventLoop, thread: threading.Thread,
                 app_loop: asyncio.AbstractEventLoop) -> None:
        self.emulator = emulator
        self.clock = EmulatorClock(emulator)
        self.rng = random.Random(SEED)
        self.local_ids: dict[str, int] = {}
        self.loop = loop              # the demo thread's loop: the emulator and the story
        self.thread = thread
        self.app_loop = app_loop      # the app's loop: everything that touches the app is called there
        self.journal: Journal | None = None        # the story's own connection and client
        self.client: AsyncAnthropic | None = None
        self._story: asyncio.Task[None] | None = None

    @classmethod
    async def start(cls, give_way: Callable[[], None]) -> DemoEnvironment:
        """The demo thread and its emulator. `give_way`, called in the thread, sleeps while the user types."""
        loop = asyncio.new_event_loop()
        thread = threading.Thread(target=loop.run_forever, name="demo", daemon=True)
        thread.start()
        try:
            emulator = await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(_start_emulator(give_way), loop))
        except BaseException:
            loop.call_soon_threadsafe(loop.stop)
            raise
        return cls(emulator, loop, thread, asyncio.get_running_loop())

    @property
    def base_url(self) -> str:
        return self.emulator.base_url

    async def stop(self) -> None:
        """End the story, close its journal and client, stop the emulator and the demo thread."""
        try:
            if not self.loop.is_closed():
                done = asyncio.run_coroutine_threadsafe(self._shutdown(), self.loop)
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(asyncio.wrap_future(done), 15)
        finally:
            with contextlib.suppress(RuntimeError):     # already stopped and closed
                self.loop.call_soon_threadsafe(self.loop.stop)
            await asyncio.to_thread(self.thread.join, 15)
            if not self.thread.is_alive():
                self.loop.close()

    async def _shutdown(self) -> None:
        if self._story is not None:
            self._story.cancel()
            with contextlib.suppress(BaseException):
                await self._story
        try:
            if self.client is not None:
                await self.client.close()
            if self.journal is not None:
                await self.journal.close()
        finally:
            await self.emulator.stop()

    def seed(self, app: BatchApp) -> None:
        """Play the story on the demo thread (the app's loop never waits for it)."""
        asyncio.run_coroutine_threadsafe(self._play(app), self.loop)

    def _on_app(self, call: Callable[[], object]) -> None:
        """Run `call` on the app's loop (where Textual and the app's journal live), without waiting for it."""
        with contextlib.suppress(RuntimeError):     # the app has ended
            self.app_loop.call_soon_threadsafe(call)

    def _poll(self, app: BatchApp) -> None:
        self._on_app(app.poll_now)

    def _connected(self) -> tuple[Journal, AsyncAnthropic]:
        assert self.journal is not None and self.client is not None, "the story opens both first"
        return self.journal, self.client

    async def _play(self, app: BatchApp) -> None:
        self._story = asyncio.current_task()
        try:
            self.journal = await Journal.open(app.journal_path, clock=self.clock)
            self.client = make_client("demo", self.base_url)
            await self.play(app)
        except asyncio.CancelledError:
            raise
        except Exception as exc:   # the story stops; the app goes on: said once, never a traceback
            text = safe_text(f"the demo story stopped: {type(exc).__name__}: {exc}", limit=300, single_line=True)
            self._on_app(functools.partial(app.notify, text, title="Demo", severity="warning", markup=False,
                                           timeout=10))

    async def _quiet(self, app: BatchApp) -> None:
        """Each step of the story waits while the user types: building and sending a batch, and the emulator
        reading it, take CPU (and the GIL) that the screen's answer to a key needs more."""
        while (wait := app.busy_for()) > 0:
            await asyncio.sleep(wait)

    async def submit(self, app: BatchApp, story: Story) -> int:
        """Submit one story batch through the core path, at its own pace on the emulator."""
        await self._quiet(app)
        # The emulator fixes a batch's pace and injected failures when it is created.
        self.emulator.config = dataclasses.replace(self.emulator.config, request_ms=story.request_ms,
                                                   fail_requests=story.fail_share)
        # 20,000 requests take a moment to build and check: in a thread, so the screen keeps moving
        plan = await asyncio.to_thread(
            lambda: plan_from_requests(list(requests_for(story, self.rng)), source=story.name))
        rows = await submit(*self._connected(), plan, again=True)
        self.local_ids[story.name] = rows[0].local_id
        self._poll(app)
        return rows[0].local_id

    async def play(self, app: BatchApp) -> None:
        # Yesterday's nightly run was too slow and expired (a day of emulated time passes at once).
        yesterday = datetime.fromtimestamp(self.emulator.now(), timezone.utc).strftime("%Y-%m-%d")
        await self.submit(app, Story(f"nightly-eval-{yesterday}.jsonl", 400, request_ms=300_000, model=MODELS[2]))
        # Started 40 minutes after it and just as slow: under an hour from expiry now (red countdown, a notice).
        self.emulator.advance(40 * 60)
        await self.submit(app, Story("research-eval-long.jsonl", 300, request_ms=300_000, model=MODELS[2]))
        self.emulator.advance(SKIPPED - 40 * 60)
        # Ends a few seconds from now: some lines name a model that does not exist, a few are overloaded.
        await self.submit(app, Story("support-tickets-triage.jsonl", 400, request_ms=10,
                                     bad_model_share=0.04, fail_share=0.03))
        # Ends at once with many overloaded errors: the retry of its failures follows below.
        product = await self.submit(app, Story("product-descriptions.jsonl", 150, request_ms=5, fail_share=0.2))
        # Slow requests: the cancel below stays `canceling` until the request in flight finishes.
        await self.submit(app, Story("legal-contracts-summary.jsonl", 300, request_ms=20_000, model=MODELS[2]))
        await self.submit(app, Story("weekly-report-drafts.jsonl", 1_200, request_ms=25))
        await self.submit(app, Story("customer-emails-fr.jsonl", 800, request_ms=60, model=MODELS[1]))
        await self.submit(app, Story(ANSWER_KINDS, 40, request_ms=100))
        await self.retry_when_ingested(app, product, request_ms=400)
        await self.submit(app, Story("catalog-enrichment-20k.jsonl", 20_000, request_ms=10, model=MODELS[1]))
        await asyncio.sleep(3)
        await self.cancel(app, self.local_ids["legal-contracts-summary.jsonl"])
        for hour in range(4):   # new work keeps arriving
            await asyncio.sleep(20)
            await self.submit(app, Story(f"hourly-digest-{hour + 10:02d}00.jsonl", 500, request_ms=40,
                                         bad_model_share=0.01))

    async def retry_when_ingested(self, app: BatchApp, local_id: int, *, request_ms: float) -> None:

        for _ in range(300):   # the poller notices the end and ingests the results: a few seconds
            batch = await get_batch(self._connected()[0], local_id)
            if batch is not None and batch.ingest_state == "complete":
                break
            await asyncio.sleep(0.1)
        else:
            return
        await self._quiet(app)
        selection = await select_retry(self._connected()[0], local_id)
        self.emulator.config = dataclasses.replace(self.emulator.config, request_ms=request_ms, fail_requests=0.0)
        await send_retry(*self._connected(), selection, actor="demo")
        self._poll(app)

    async def cancel(self, app: BatchApp, local_id: int) -> None:
        await self._quiet(app)
        for outcome in await cancel_batches(*self._connected(), [local_id], actor="demo"):
            if not outcome.ok:
                self._on_app(functools.partial(app.notify, outcome.message, markup=False, severity="warning"))
        self._poll(app)
