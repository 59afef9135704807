"""Checks shared by the emulator conformance tests: OpenAPI schema validation of every body the emulator sends.

The schemas come from tests/data/openapi_schemas.json (extracted from the official spec by extract_schemas.py).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from tests.builders import requests

SCHEMAS_FILE = Path(__file__).resolve().parents[1] / "data" / "openapi_schemas.json"
_DOC = json.loads(SCHEMAS_FILE.read_text(encoding="utf-8"))
_REGISTRY = Registry().with_resource("urn:openapi", Resource.from_contents(_DOC, default_specification=DRAFT202012))
_VALIDATORS = {
    name: jsonschema.Draft202012Validator({"$ref": f"urn:openapi#/components/schemas/{name}"}, registry=_REGISTRY)
    for name in _DOC["roots"]
}
RFC3339 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$")
_TIMESTAMPS = ("created_at", "expires_at", "ended_at", "cancel_initiated_at", "archived_at")
_BATCH_PATH = re.compile(r"^/v1/messages/batches(/(?P<id>[^/]+)(?P<tail>/cancel|/results)?)?$")


def validate(name: str, body: object) -> None:
    """Validate one JSON body against a named OpenAPI schema (plus RFC 3339 timestamps for batches).

    One documented gap in the spec: its ErrorResponse union lacks `request_too_large`, the type the API
    reference gives for HTTP 413. Such a body is checked with the same shape as every other error type.
    """
    if name == "ErrorResponse" and body.get("error", {}).get("type") == "request_too_large":
        body = {**body, "error": {**body["error"], "type": "invalid_request_error"}}
    _VALIDATORS[name].validate(body)
    batches = body.get("data", []) if name == "ListResponse_MessageBatch_" else [body] if name == "MessageBatch" else []
    for batch in batches:
        assert len(batch) == 10, sorted(batch)
        for key in _TIMESTAMPS:
            assert batch[key] is None or RFC3339.match(batch[key]), (key, batch[key])


def schema_for(method: str, path: str, status: int) -> str:
    if status != 200:
        return "ErrorResponse"
    match = _BATCH_PATH.match(path)
    assert match, f"unexpected path {path}"
    if match["tail"] == "/results":
        return "MessageBatchIndividualResponse"
    if match["id"] is None:
        return "MessageBatch" if method == "POST" else "ListResponse_MessageBatch_"
    return "DeleteMessageBatchResponse" if method == "DELETE" else "MessageBatch"


class BodyLog:
    """Every body checked so far, as (schema name, parsed body or list of lines)."""

    def __init__(self) -> None:
        self.checked: list[tuple[str, object]] = []

    def check(self, response) -> None:
        assert response.headers.get("request-id", "").startswith("req_"), response.headers
        name = schema_for(response.request.method, response.request.url.path, response.status_code)
        raw = response.content
        if name == "MessageBatchIndividualResponse":
            assert response.headers["content-type"].startswith("application/x-jsonl")
            text = raw.decode("utf-8")
            assert text.endswith("\n") and "\r" not in text
            lines = text[:-1].split("\n")
            assert all(lines), "blank line in results"
            parsed = [json.loads(line) for line in lines]
            for line in parsed:
                validate(name, line)
            self.checked.append((name, parsed))
            return
        assert response.headers["content-type"].startswith("application/json")
        body = json.loads(raw)
        validate(name, body)
        self.checked.append((name, body))

    def names(self) -> list[str]:
        return [name for name, _ in self.checked]


def make_requests(n: int, *, prefix: str = "r", max_tokens: int = 256, **params) -> list[dict]:
    """n valid requests with custom_ids `{prefix}{i}`, as the conformance tests size their answers: sonnet,
    256 tokens, a question the emulator's reply quotes (`tests/builders.py` makes them)."""
    return requests(n, ids=prefix + "{i}", text="Question number {i}: why is the sky blue?",
                    model="claude-sonnet-4-5", max_tokens=max_tokens, **params)
