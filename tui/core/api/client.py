"""The SDK client, made in one place. `anthropic` is imported lazily: it costs ~1 s at import."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from anthropic import AsyncAnthropic

DEFAULT_TIMEOUT = 60.0


def make_client(api_key: str, base_url: str | None = None, *, max_retries: int = 2,
                timeout: float = DEFAULT_TIMEOUT) -> AsyncAnthropic:
    """An `AsyncAnthropic` for the real API (base_url None) or any server that speaks it.

    Creates must use `client.with_options(max_retries=0)`: the SDK sends no idempotency key, so its
    own retry of a create can make a duplicate batch.
    """
    import anthropic

    return anthropic.AsyncAnthropic(api_key=api_key, base_url=base_url, max_retries=max_retries,
                                    timeout=timeout)


def preload_sdk() -> None:
    """Import the SDK now (~1 s): the TUI calls this in a thread after its first frame, so the first call
    that needs it does not stall the event loop."""
    import anthropic  # noqa: F401
