"""The SDK client, made in one place. `anthropic` is imported lazily: it costs ~1 s at import.

Every answer but a results stream is read with a size bound (`MAX_RESPONSE_BYTES`): a batch object or a
page of the list is a few kB to a MB, so a server (or a proxy) that sends hundreds of MB there is refused
once the bound is passed instead of being held in memory, several times over, while it is parsed. The
bound counts decoded bytes: these requests ask for no compression, and a gzip or deflate body sent anyway
is inflated here, within the bound. Results streams (`…/results`) are large by design and read as a
stream by ingest: they are not bounded.
"""

from __future__ import annotations

import functools
import importlib
import sys
import threading
import zlib
from collections.abc import AsyncIterator, Callable
from typing import TYPE_CHECKING, Any

from tui.core.clock import Clock
from tui.core.words import byte_size

if TYPE_CHECKING:
    from anthropic import AsyncAnthropic

DEFAULT_TIMEOUT = 60.0
MAX_RESPONSE_BYTES = 16_000_000   # a full list page (1000 batches) is under 1 MB
_INFLATE = {"gzip": 16 + zlib.MAX_WBITS, "deflate": zlib.MAX_WBITS, "x-gzip": 16 + zlib.MAX_WBITS}


def make_client(api_key: str, base_url: str | None = None, *, max_retries: int = 2,
                timeout: float = DEFAULT_TIMEOUT, max_response_bytes: int = MAX_RESPONSE_BYTES,
                clock: Clock | None = None) -> AsyncAnthropic:
    """An `AsyncAnthropic` for the real API (base_url None) or any server that speaks it, its answers
    (results streams aside) read within `max_response_bytes`. With `clock`, the `date` header of every
    answer measures the server's clock against it (`Clock.server_now`: what server dates are shown against).

    Creates must use `client.with_options(max_retries=0)`: the SDK sends no idempotency key, so its
    own retry of a create can make a duplicate batch.
    """
    import anthropic

    bound = _ResponseBound(max_response_bytes)
    on_response: list[Any] = [bound.on_response]
    if clock is not None:
        on_response.insert(0, _ServerDate(clock))
    http_client = anthropic.DefaultAsyncHttpxClient(   # the SDK's own defaults (timeouts, proxies, keep-alive)
        timeout=timeout, event_hooks={"request": [bound.on_request], "response": on_response})
    return anthropic.AsyncAnthropic(api_key=api_key, base_url=base_url, max_retries=max_retries,
                                    timeout=timeout, http_client=http_client)


@functools.cache
def response_refused() -> type[Exception]:
    """The error for an answer that is too large (or encoded as it was not asked): an `AnthropicError`, so the
    SDK raises it as it is (no retry, not "could not reach the server"). `status_code` is the HTTP status the
    server sent: it answered, so the poller backs off that batch instead of pausing everything."""
    import anthropic

    class ResponseRefused(anthropic.AnthropicError):
        def __init__(self, message: str, status_code: int) -> None:
            super().__init__(message)
            self.status_code = status_code

    return ResponseRefused


class _ServerDate:
    """httpx event hook: every answer's `date` header (errors and results streams too) goes to the clock."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock

    async def __call__(self, response: Any) -> None:
        self.clock.observe_server_date(response.headers.get("date"))


def _bounded(path: str) -> bool:
    return not path.rstrip("/").endswith("/results")


class _ResponseBound:
    """httpx event hooks: ask for no compression, refuse a declared size above the bound at once, and read
    the rest through a stream that stops at the bound."""

    def __init__(self, limit: int) -> None:
        self.limit = limit

    async def on_request(self, request: Any) -> None:
        if _bounded(request.url.path):
            request.headers["Accept-Encoding"] = "identity"

    async def on_response(self, response: Any) -> None:
        request = response.request
        if not _bounded(request.url.path):
            return
        what = f"the server's answer to {request.method} {request.url.path}"
        refused = response_refused()
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self.limit:
            raise refused(f"{what} is {byte_size(int(declared))}, more than the {byte_size(self.limit)} read for "
                          "a batch or a page of the list; not read", response.status_code)
        encoding = response.headers.get("content-encoding", "identity").strip().lower()
        if encoding not in ("", "identity") and encoding not in _INFLATE:
            raise refused(f"{what} came encoded as {encoding[:30]!r}, which was not asked for; not read",
                          response.status_code)
        wbits = _INFLATE.get(encoding)
        if wbits is not None:   # inflated here, within the bound; httpx must not inflate it again
            del response.headers["content-encoding"]
            response.headers.pop("content-length", None)
        stream_type = _bound_stream_type(_async_byte_stream(type(response.stream)))
        response.stream = stream_type(response.stream, self.limit, wbits, what, response.status_code)


def _async_byte_stream(cls: type) -> type:
    """The `AsyncByteStream` base of the SDK's HTTP library (httpx or its successor), found on the stream."""
    return next(c for c in cls.__mro__ if c.__name__ == "AsyncByteStream")


@functools.cache
def _bound_stream_type(base: type) -> type:
    return type("BoundStream", (_BoundStream, base), {})


class _BoundStream:
    """The body as it arrives, inflated if it was compressed, ended with `ResponseRefused` past `limit`.
    (Mixed with the HTTP library's `AsyncByteStream`, which httpx requires of a response's stream.)"""

    def __init__(self, inner: Any, limit: int, wbits: int | None, what: str, status: int) -> None:
        self.inner, self.limit, self.what, self.status = inner, limit, what, status
        self.inflate = zlib.decompressobj(wbits) if wbits is not None else None
        self.read = 0

    def _count(self, chunk: bytes) -> bytes:
        self.read += len(chunk)
        if self.read > self.limit:
            raise response_refused()(f"{self.what} is more than the {byte_size(self.limit)} read for a batch or "
                                     "a page of the list; not read further", self.status)
        return chunk

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for raw in self.inner:
            if self.inflate is None:
                yield self._count(raw)
                continue
            try:
                chunk = self.inflate.decompress(raw, self.limit + 1 - self.read)
                yield self._count(chunk)
                while self.inflate.unconsumed_tail:
                    chunk = self.inflate.decompress(self.inflate.unconsumed_tail, self.limit + 1 - self.read)
                    yield self._count(chunk)
            except zlib.error as exc:
                raise response_refused()(f"{self.what} could not be inflated ({exc}); not read",
                                         self.status) from None
        if self.inflate is not None:
            yield self._count(self.inflate.flush())

    async def aclose(self) -> None:
        await self.inner.aclose()


def preload_sdk(pause: Callable[[], None] | None = None) -> None:
    """Import the SDK now (1-3 s of CPU): the TUI calls this in a thread after its first frame, so the first
    call that needs it does not stall the event loop. With `pause`, see `import_giving_way`."""
    if pause is None:
        import anthropic  # noqa: F401
        return
    import_giving_way("anthropic", pause)


def import_giving_way(module: str, pause: Callable[[], None]) -> None:
    """Import `module` in this thread, calling `pause` before each module the import loads; `pause` may sleep
    there (while the user types, say).

    A thread still holds the GIL in bursts: the SDK builds hundreds of pydantic models, each in one go. So an
    import in a thread gives way at once, within one module, to the thread that needs the CPU. `pause` must
    return in bounded time: another thread that imports one of the modules being loaded waits."""
    finder = _PausingFinder(pause, threading.get_ident())
    sys.meta_path.insert(0, finder)
    try:
        importlib.import_module(module)
    finally:
        sys.meta_path.remove(finder)


class _PausingFinder:
    """Finds each module `thread` imports as the other finders do, its loader wrapped in a `_PausingLoader`.

    The pause must not happen here: finders run under the interpreter's global import lock, and every other
    thread's imports would wait on it. A loader runs under the lock of its own module only."""

    def __init__(self, pause: Callable[[], None], thread: int) -> None:
        self.pause, self.thread = pause, thread

    def find_spec(self, name: str, path: Any = None, target: Any = None) -> Any:
        if threading.get_ident() != self.thread:
            return None
        for finder in sys.meta_path:
            find = getattr(finder, "find_spec", None) if finder is not self else None
            spec = find(name, path, target) if find is not None else None
            if spec is not None:
                if spec.loader is not None and hasattr(spec.loader, "exec_module"):
                    spec.loader = _PausingLoader(spec.loader, self.pause)
                return spec
        return None


class _PausingLoader:
    """A module's own loader, which first calls `pause` (in the importing thread, outside the global lock)."""

    def __init__(self, loader: Any, pause: Callable[[], None]) -> None:
        self.loader, self.pause = loader, pause

    def create_module(self, spec: Any) -> Any:
        return self.loader.create_module(spec)

    def exec_module(self, module: Any) -> None:
        self.pause()
        self.loader.exec_module(module)

    def __getattr__(self, name: str) -> Any:   # get_resource_reader, get_source, …: the real loader's
        return getattr(self.loader, name)
