"""List: newest first, `limit` 1..1000, `after_id` / `before_id` cursors, and the SDK's auto-pagination."""

from __future__ import annotations

import anthropic
import pytest
from emulator_checks import make_requests


async def _make_batches(client, n: int) -> list[str]:
    ids = []
    for i in range(n):
        batch = await client.messages.batches.create(requests=make_requests(1, prefix=f"b{i}_"))
        ids.append(batch.id)
    return ids[::-1]  # newest first


async def test_list_pages_both_ways(emulator, checked_async, body_log):
    client = checked_async(emulator)
    empty = await client.messages.batches.list()
    assert empty.data == [] and empty.first_id is None and empty.last_id is None and not empty.has_more
    newest_first = await _make_batches(client, 7)
    assert emulator.batch_ids() == newest_first

    first = await client.messages.batches.list(limit=3)
    assert [b.id for b in first.data] == newest_first[:3]
    assert first.has_more and first.first_id == newest_first[0] and first.last_id == newest_first[2]
    second = await client.messages.batches.list(limit=3, after_id=first.last_id)
    assert [b.id for b in second.data] == newest_first[3:6] and second.has_more
    third = await client.messages.batches.list(limit=3, after_id=second.last_id)
    assert [b.id for b in third.data] == newest_first[6:] and not third.has_more

    back = await client.messages.batches.list(limit=2, before_id=newest_first[6])
    assert [b.id for b in back.data] == newest_first[4:6] and back.has_more
    back2 = await client.messages.batches.list(limit=10, before_id=newest_first[2])
    assert [b.id for b in back2.data] == newest_first[:2] and not back2.has_more

    walked = [b.id async for b in client.messages.batches.list(limit=2)]
    assert walked == newest_first
    walked_back = []
    async for page in (await client.messages.batches.list(limit=2, before_id=newest_first[-1])).iter_pages():
        walked_back = [b.id for b in page.data] + walked_back
    assert walked_back == newest_first[:-1]
    assert body_log.names().count("ListResponse_MessageBatch_") >= 8


async def test_list_cursor_survives_delete(emulator, checked_async):
    client = checked_async(emulator)
    newest_first = await _make_batches(client, 3)
    await emulator.wait_until_ended(newest_first[1])
    await client.messages.batches.delete(newest_first[1])
    page = await client.messages.batches.list(after_id=newest_first[1])
    assert [b.id for b in page.data] == [newest_first[2]]


@pytest.mark.parametrize("query, message", [
    ({"limit": 0}, "limit"), ({"limit": 1001}, "limit"), ({"limit": "x"}, "limit"),
    ({"after_id": "msgbatch_nope"}, "after_id"), ({"after_id": "a", "before_id": "b"}, "together"),
])
async def test_list_bad_queries_are_400(emulator, checked_async, query, message):
    client = checked_async(emulator)
    with pytest.raises(anthropic.BadRequestError, match=message):
        await client.get("/v1/messages/batches", options={"params": query}, cast_to=object)


async def test_list_limit_bounds(emulator, checked_async):
    client = checked_async(emulator)
    await _make_batches(client, 2)
    assert len((await client.messages.batches.list(limit=1)).data) == 1
    assert len((await client.messages.batches.list(limit=1000)).data) == 2
