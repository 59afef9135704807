"""Conformance fixtures: real SDK clients whose every answer from the emulator is schema-checked.

`checked_async(emu)` / `checked_sync(emu)` build SDK clients (strict response validation) whose HTTP client has
a response hook: each body is read and validated against the OpenAPI schema of its route (ErrorResponse for any
non-200), must carry `request-id`, and results must be `\\n`-framed JSONL with every line a
MessageBatchIndividualResponse. What was checked is recorded in `body_log`.
"""

from __future__ import annotations

import anthropic
import pytest
from emulator_checks import BodyLog


@pytest.fixture
def body_log() -> BodyLog:
    return BodyLog()


@pytest.fixture
async def checked_async(body_log: BodyLog):
    """Build `anthropic.AsyncAnthropic` clients for an emulator, every answer schema-checked into `body_log`."""
    clients: list[anthropic.AsyncAnthropic] = []

    async def hook(response) -> None:
        await response.aread()
        body_log.check(response)

    def make(emu, *, api_key: str = "test-key", **kwargs) -> anthropic.AsyncAnthropic:
        http = anthropic.DefaultAsyncHttpxClient(event_hooks={"response": [hook]})
        client = anthropic.AsyncAnthropic(api_key=api_key, base_url=emu.base_url, http_client=http,
                                          _strict_response_validation=True, **kwargs)
        clients.append(client)
        return client

    yield make
    for client in clients:
        await client.close()


@pytest.fixture
def checked_sync(body_log: BodyLog):
    """Build sync `anthropic.Anthropic` clients for an emulator, every answer schema-checked into `body_log`."""
    clients: list[anthropic.Anthropic] = []

    def hook(response) -> None:
        response.read()
        body_log.check(response)

    def make(emu, *, api_key: str = "test-key", **kwargs) -> anthropic.Anthropic:
        http = anthropic.DefaultHttpxClient(event_hooks={"response": [hook]})
        client = anthropic.Anthropic(api_key=api_key, base_url=emu.base_url, http_client=http,
                                     _strict_response_validation=True, **kwargs)
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()
