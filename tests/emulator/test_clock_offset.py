"""`clock_offset_s`: a server whose clock is off. Every time it hands out, and the `date` header of every answer
(a results stream and an error included), come from the emulated clock, so they agree with each other."""

from __future__ import annotations

import time
from email.utils import parsedate_to_datetime

import httpx2
import pytest

from tui.core.clock import parse_ts
from tui.emulator import EmulatorConfig

HEADERS = {"x-api-key": "k", "anthropic-version": "2023-06-01"}
BODY = {"requests": [{"custom_id": "a", "params": {"model": "claude-haiku-4-5", "max_tokens": 5,
                                                  "messages": [{"role": "user", "content": "hi"}]}}]}


def _date(response: httpx2.Response) -> float:
    return parsedate_to_datetime(response.headers["date"]).timestamp()


@pytest.mark.parametrize("offset", [600.0, -600.0])
async def test_every_time_and_the_date_header_are_shifted(emulator_factory, offset):
    async with emulator_factory(clock_offset_s=offset, request_ms=0.0) as emu:
        async with httpx2.AsyncClient(base_url=emu.base_url, headers=HEADERS) as http:
            created = await http.post("/v1/messages/batches", json=BODY)
            batch = created.json()
            await emu.wait_until_ended(batch["id"])
            answers = [created, await http.get(f"/v1/messages/batches/{batch['id']}"),
                       await http.get("/v1/messages/batches"), await http.get(f"/v1/messages/batches/{batch['id']}/results"),
                       await http.get("/v1/messages/batches/msgbatch_nope")]
            ended = (await http.get(f"/v1/messages/batches/{batch['id']}")).json()
    local = time.time()
    assert [a.status_code for a in answers] == [200, 200, 200, 200, 404]
    for answer in answers:   # whole seconds: the header's resolution
        assert abs(_date(answer) - (local + offset)) < 5
    assert abs(parse_ts(batch["created_at"]) - (local + offset)) < 5
    assert abs(parse_ts(ended["ended_at"]) - (local + offset)) < 5
    assert abs(parse_ts(batch["expires_at"]) - parse_ts(batch["created_at"]) - 24 * 3600) < 1e-3


async def test_the_date_header_follows_time_scale_and_advance(emulator_factory):
    async with emulator_factory(time_scale=3600.0, start_at=1_700_000_000.0) as emu:
        emu.advance(86_400)
        async with httpx2.AsyncClient(base_url=emu.base_url, headers=HEADERS) as http:
            answer = await http.get("/v1/messages/batches")
        assert abs(_date(answer) - emu.now()) < 3600 * 2   # an emulated hour a second: within two real seconds
        assert _date(answer) > 1_700_000_000.0 + 86_400


def test_a_non_finite_offset_is_refused():
    with pytest.raises(ValueError, match="clock_offset_s"):
        EmulatorConfig(clock_offset_s=float("nan"))
