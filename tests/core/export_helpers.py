"""Craft journal rows (job, batches, requests, results) with known values, for export tests."""

from __future__ import annotations

from typing import Any

import orjson

from tests.builders import params as request_params


def succeeded_line(cid: str, text: str, *, tokens=(10, 20, 3, 4), stop="end_turn", model="claude-haiku-4-5") -> dict:
    return {"custom_id": cid, "result": {"type": "succeeded", "message": {
        "id": f"msg_{cid}", "type": "message", "role": "assistant", "model": model,
        "content": [{"type": "text", "text": text}], "stop_reason": stop, "stop_sequence": None,
        "usage": {"input_tokens": tokens[0], "output_tokens": tokens[1],
                  "cache_creation_input_tokens": tokens[2], "cache_read_input_tokens": tokens[3]}}}}


def errored_line(cid: str, etype: str, message: str) -> dict:
    return {"custom_id": cid, "result": {"type": "errored", "error": {
        "type": "error", "error": {"type": etype, "message": message}, "request_id": None}}}


def plain_line(cid: str, kind: str) -> dict:
    return {"custom_id": cid, "result": {"type": kind}}


async def add_job(journal, name: str = "job.jsonl") -> int:
    async with journal.transaction():
        cur = await journal.db.execute("INSERT INTO jobs(name, created_at) VALUES (?, ?)", (name, 1.0))
        return cur.lastrowid


async def add_batch(journal, batch_id: str, *, job_id: int | None, created_at: float, parent_id: str | None = None,
                    lines: list[dict], params: dict[str, Any] | None = None, cost: float | None = 0.001,
                    status: str = "ended") -> int:
    """One batch with its results (and the params of each request, default a prompt naming the custom_id)."""
    async with journal.transaction():
        cur = await journal.db.execute(
            "INSERT INTO batches(id, job_id, parent_id, processing_status, created_at, ingest_state, "
            "results_ingested, n_succeeded) VALUES (?,?,?,?,?,?,?,?)",
            (batch_id, job_id, parent_id, status, created_at, "complete", len(lines),
             sum(1 for l in lines if l["result"]["type"] == "succeeded")))
        local_id = cur.lastrowid
        for line in lines:
            cid = line["custom_id"]
            p = (params or {}).get(cid) or request_params(f"say {cid}", max_tokens=50)
            await journal.db.execute("INSERT INTO requests VALUES (?,?,?)", (local_id, cid, orjson.dumps(p)))
            result = line["result"]
            msg = result.get("message") or {}
            usage = msg.get("usage") or {}
            err = (result.get("error") or {}).get("error") or {}
            await journal.db.execute(
                "INSERT INTO results VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (local_id, cid, result["type"], err.get("type"), err.get("message"), msg.get("stop_reason"),
                 msg.get("model"), usage.get("input_tokens"), usage.get("output_tokens"),
                 usage.get("cache_creation_input_tokens"), usage.get("cache_read_input_tokens"),
                 cost if result["type"] == "succeeded" else 0.0, None, orjson.dumps(line)))
    return local_id
