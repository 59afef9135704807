"""A server that misbehaves: results lines and batch fields that break the protocol, over real HTTP through the
real SDK (a tiny server of our own: the faithful emulator cannot produce these). Ingest and the poller record
what they can, flag the rest, and never raise."""

from __future__ import annotations

import asyncio

import anthropic
import orjson
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.builders import items, request
from tests.reliability.hostile_server import HostileServer, ended_batch, record_batch, succeeded_line
from tui.core.poll.ingest import MAX_LINE_BYTES, READ_WHOLE, Coster, ingest, parse_line
from tui.core.poll.loop import Poller
from tui.core.journal.batches import get_batch

HUGE = 50 * 1024 * 1024
_COST = Coster()


def _huge_line() -> list[bytes]:
    """A 50 MB succeeded line, sent in 1 MB pieces (never built whole on the server side)."""
    head, tail = succeeded_line("huge", "@").split(b"@")
    return [head] + [b"x" * (1 << 20)] * (HUGE >> 20) + [tail]


# (line, custom_id recorded or None, flagged as malformed)
ODD_LINES: list[tuple[bytes, str | None, bool]] = [
    (succeeded_line("a1"), "a1", False),
    (orjson.dumps({"custom_id": "a2", "result": {"type": "errored", "error": {"type": "error", "error": {
        "type": "overloaded_error", "message": "busy"}, "request_id": None}}}) + b"\n", "a2", False),
    (b'{"custom_id":"m1"}\n', "m1", True),                                   # no result
    (b'{"custom_id":"m2","result":"oops"}\n', "m2", True),                   # result of the wrong type
    (succeeded_line("t1").replace(b'"input_tokens":5', b'"input_tokens":"5"'), "t1", True),   # tokens as text
    (b'{"custom_id":"x1","result":{"type":"exploded","shrapnel":[1,2]}}\n', "x1", True),   # unknown type
    (succeeded_line("u1", "@").replace(b"@", b"\xff\xfe bad utf-8"), "u1", True),
    (b"not json at all\n", None, True),
    (b"[1,2,3]\n", None, True),
    (b'{"result":{"type":"canceled"}}\n', None, True),                     # no custom_id
    (b'{"custom_id":7,"result":{"type":"canceled"}}\n', None, True),
    (b'{"custom_id":"e1","result":{"type":"errored","error":null}}\n', "e1", True),
    (b'{"custom_id":"c1","result":{"type":"canceled"}}\r\n', "c1", False),   # CRLF framing
    (b'{"custom_id":"n1","result":{"type":"succeeded","message":{"model":null,"usage":[],"content":"x"}}}\n',
     "n1", True),
]
AFTER = [succeeded_line(f"z{i}") for i in range(3)]


async def test_ingest_records_what_it_can_from_a_hostile_stream(journal):
    async with HostileServer() as server:
        expected = [cid for _, cid, _ in ODD_LINES if cid] + ["huge"] + [f"z{i}" for i in range(3)]
        batch = ended_batch("msgbatch_hostile", server.base_url, len(expected))
        server.batches[batch["id"]] = batch
        server.results[batch["id"]] = lambda: [line for line, _, _ in ODD_LINES] + _huge_line() + AFTER
        local_id = await record_batch(journal, batch)
        async with anthropic.AsyncAnthropic(api_key="k", base_url=server.base_url, max_retries=0) as client:
            report = await ingest(journal, client, local_id)
            again = await ingest(journal, client, local_id)   # a second pass is idempotent, and as calm

        async with journal.db.execute("SELECT custom_id, result_type FROM results WHERE batch_local_id = ?",
                                      (local_id,)) as cur:
            rows = dict(await cur.fetchall())
        assert HUGE > MAX_LINE_BYTES   # the huge line is over the limit: flagged, not held in memory
        recorded = set(expected) - {"huge"}
        assert set(rows) == recorded, "every line with a custom_id is recorded, the lines after the huge one too"
        assert rows["x1"] == "exploded" and rows["m1"] == "unknown" and rows["c1"] == "canceled"
        flagged = sum(1 for _, _, bad in ODD_LINES if bad) + 1
        for r in (report, again):
            assert r.malformed == flagged, r.problems
            assert not r.complete   # the huge line is missing: the journal says so
        row = await get_batch(journal, local_id)
        assert row.results_ingested == len(recorded)
        async with journal.db.execute("SELECT ingest_error FROM batches WHERE local_id = ?", (local_id,)) as cur:
            (error,) = await cur.fetchone()
        assert "malformed" in error and "line" in error



async def test_poller_stops_retrying_a_stream_read_whole_with_an_unusable_line(journal):
    async with HostileServer() as server:
        batch = ended_batch("msgbatch_nocid", server.base_url, 3)
        server.batches[batch["id"]] = batch
        server.results[batch["id"]] = succeeded_line("k0") + b'{"result":{"type":"canceled"}}\n' + succeeded_line("k2")
        local_id = await record_batch(journal, batch)
        reports = []
        async with anthropic.AsyncAnthropic(api_key="k", base_url=server.base_url, max_retries=0) as client:
            poller = Poller(journal, client, min_interval=0.0)
            for _ in range(3):   # retries are due at once (no backoff): only the journal can say "done"
                await poller._start_ingests(lambda report, row: reports.append(report))
                await asyncio.gather(*poller._ingesting.values())
        assert server.stats["results"] == 1, "a stream read to its end is not downloaded again"
        (report,) = reports
        assert report.stream_complete and report.skipped == 1 and report.written == 2
        row = await get_batch(journal, local_id)
        assert row.ingest_state == "partial" and row.results_ingested == 2
        assert row.ingest_error.startswith(READ_WHOLE) and "line 2" in row.ingest_error


def _hostile_batches(base: str) -> dict[str, dict | bytes]:
    ok = ended_batch("msgbatch_ok", base, 1)
    return {
        "msgbatch_ok": ok,
        "msgbatch_counts": {**ok, "id": "msgbatch_counts", "request_counts": {"processing": "lots"}},
        "msgbatch_time": {**ok, "id": "msgbatch_time", "created_at": 12345, "ended_at": "yesterday"},
        "msgbatch_status": {**ok, "id": "msgbatch_status", "processing_status": ["ended"]},
        "msgbatch_bare": {"id": "msgbatch_bare"},
        "msgbatch_notjson": b"<html>502 Bad Gateway</html>",
        "msgbatch_utf8": b'{"id":"msgbatch_utf8","processing_status":"\xff\xfe"}',
        "msgbatch_array": b"[1,2,3]",
    }


async def _poll_hostile(journal, *, list_threshold: int, adopt: bool) -> tuple[list, HostileServer]:
    async with HostileServer() as server:
        batches = _hostile_batches(server.base_url)
        for batch_id in batches:
            await record_batch(journal, {**ended_batch(batch_id, server.base_url, 1), "processing_status": "in_progress",
                                    "ended_at": None, "results_url": None})
        server.batches.update(batches)
        server.batches["msgbatch_foreign"] = {"id": None, "request_counts": 3, "created_at": "soon"}
        server.results["msgbatch_ok"] = succeeded_line("r0")
        async with anthropic.AsyncAnthropic(api_key="k", base_url=server.base_url) as client:
            poller = Poller(journal, client, list_threshold=list_threshold, adopt=adopt, min_interval=0.01)
            results = [await poller.sweep(force=True) for _ in range(2)]
            await ingest(journal, client, (await get_batch(journal, "msgbatch_ok")).local_id)
        return results, server


async def _check_after_hostile_poll(journal, results) -> None:
    ok = await get_batch(journal, "msgbatch_ok")
    assert ok.processing_status == "ended" and ok.ingest_state == "complete", "one bad batch stops no other"
    assert results[0].errors, "the unreadable batches are reported"
    async with journal.db.execute("SELECT id, processing_status, last_poll_error FROM batches "
                                  "WHERE id != 'msgbatch_ok' ORDER BY id") as cur:
        others = [tuple(r) for r in await cur.fetchall()]
    assert len(others) == len(_hostile_batches("")) - 1, "nothing bogus adopted, nothing lost"
    for batch_id, status, error in others:
        assert status in (None, "in_progress", "canceling", "ended"), (batch_id, status)
        if status != "ended":
            assert error, f"{batch_id}: still unfinished, so the row says why"


async def test_poller_by_retrieve_survives_hostile_batch_fields(journal):
    results, server = await _poll_hostile(journal, list_threshold=100, adopt=False)
    assert server.stats["retrieve"] >= 8
    await _check_after_hostile_poll(journal, results)


async def test_poller_by_list_pages_survives_hostile_batch_fields_and_adopts_nothing_bogus(journal):
    results, server = await _poll_hostile(journal, list_threshold=1, adopt=True)
    assert server.stats["list"] >= 1
    await _check_after_hostile_poll(journal, results)


async def test_submit_is_not_hung_by_a_hostile_retry_after(journal):
    """429 answers to a create whose retry-after headers are not numbers a sleep can take (NaN, inf, negative):
    they are passed over (here for the plain `retry-after: 0` beside them), and the create goes through once."""
    import asyncio

    from tui.core.submit.check import plan_from_requests
    from tui.core.submit.send import submit

    async with HostileServer() as server:
        server.create_answers = [(429, {"retry-after-ms": "NaN", "retry-after": "0"}),
                                 (429, {"retry-after-ms": "inf", "retry-after": "0"}), (429, {"retry-after": "-3"})]
        reqs = items([request("a", "x", max_tokens=5)])
        async with anthropic.AsyncAnthropic(api_key="k", base_url=server.base_url) as client:
            rows = await asyncio.wait_for(submit(journal, client, plan_from_requests(reqs, source="nan")), 30)
    assert [r.id for r in rows] == server.created and len(server.created) == 1


async def test_a_created_batch_with_unreadable_fields_still_has_its_id_recorded(journal):
    """The create went through and answered an id, but with fields that cannot be read: the id is what must
    not be lost. Submit records it (and returns normally); the poller later reports the unreadable fields."""
    from tui.core.submit.check import plan_from_requests
    from tui.core.submit.send import submit

    async with HostileServer() as server:
        server.created_fields = {"created_at": "not a time", "request_counts": {"processing": "many"}}
        reqs = items([request("a", "x", max_tokens=5)])
        async with anthropic.AsyncAnthropic(api_key="k", base_url=server.base_url) as client:
            rows = await submit(journal, client, plan_from_requests(reqs, source="odd"))
            result = await Poller(journal, client, adopt=False).sweep(force=True)
    assert [r.id for r in rows] == server.created and rows[0].intent_state == "created"
    assert result.errors and "cannot be read" in result.errors[0]
    assert (await get_batch(journal, server.created[0])).last_poll_error


async def test_settling_an_ambiguous_create_passes_over_unreadable_batches_in_the_list(journal):
    """A 500 on create is settled by listing; a batch on the list with fields that cannot be read must not
    stop the settling (before: the row stayed `sending` for ever)."""
    from tui.core.submit.check import plan_from_requests
    from tui.core.submit.send import submit

    async with HostileServer() as server:
        server.batches["msgbatch_junk"] = {"id": "msgbatch_junk", "created_at": "yesterday-ish",
                                           "request_counts": {"processing": "lots"}}
        server.create_answers = [(500, {})]
        reqs = items([request("a", "x", max_tokens=5)])
        async with anthropic.AsyncAnthropic(api_key="k", base_url=server.base_url) as client:
            rows = await submit(journal, client, plan_from_requests(reqs, source="junk"), settle_after=0.3)
    assert [r.id for r in rows] == server.created and len(server.created) == 1
    assert server.stats["list"] >= 1


_TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=20)   # what orjson can encode
_JSON = st.recursive(st.none() | st.booleans() | st.integers(-2**63, 2**64 - 1) | st.floats(allow_nan=False,
                                                                                              allow_infinity=False)
                     | _TEXT, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_TEXT, inner, max_size=4),
                     max_leaves=20)
_KEYS = st.sampled_from(["custom_id", "result", "type", "message", "error", "usage", "model", "content", "text",
                         "input_tokens", "output_tokens", "stop_reason", "succeeded", "errored"])
# objects shaped like result lines, with any value anywhere
_LINE_LIKE = st.recursive(_JSON, lambda inner: st.dictionaries(_KEYS, inner, max_size=5), max_leaves=30)


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.binary(max_size=300), _LINE_LIKE.map(orjson.dumps),
                 st.tuples(_TEXT, _LINE_LIKE).map(
                     lambda t: orjson.dumps({"custom_id": t[0], "result": t[1]}))))
def test_parse_line_never_raises_on_any_line(line):
    row, problem = parse_line(1, line, _COST)
    assert row is None or (len(row) == 14 and row[13] == line and isinstance(row[1], str) and row[1])
    assert row is not None or problem
