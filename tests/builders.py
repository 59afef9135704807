"""Batch requests for the tests, made one way: the `{"custom_id": ..., "params": {...}}` lines a JSONL file holds.

- `params(text)` / `request(custom_id)`: one request's params, one request (haiku, 16 tokens, one user message);
- `requests(n)`: n of them, `custom_id`s from a pattern, plus `invalid` ones the server refuses (unknown model);
- `items(reqs)`: as `(custom_id, params bytes)` pairs, what `plan_from_requests` and `submit` take;
- `batch_items(prefix, n, invalid)`: the items of the batches the action and dashboard tests submit;
- `line(req)` / `write_jsonl(path, lines)`: the bytes of a line and a JSONL file; a `bytes` entry is written as
  it is, so a file can hold bad lines (not JSON, wrong types) between good ones;
- `write_requests(path, n)`: a JSONL file of `requests(n)`.

Keyword arguments beyond the named ones go into `params` as they are (`stream=True`, `messages=[]`, `tools=...`),
after the messages, or in place of a key already there.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import orjson

MODEL = "claude-haiku-4-5"
UNKNOWN_MODEL = "claude-no-such-model"   # a Claude-like name: the file checks out; the server refuses it
TRICKY = 'commas, "quotes",\nnewlines and 🎉'   # text a CSV, a JSON line or a terminal must escape (no braces)

Pattern = str | Callable[[int], str]   # a str.format pattern of the index `i` ("req-{i:02d}"), or a function of it


def params(text: Any = "hello", *, model: str = MODEL, max_tokens: Any = 16, system: Any = None,
           **extra: Any) -> dict[str, Any]:
    """One request's params: model, max_tokens, system (when given), one user message of `text`, then `extra`."""
    out: dict[str, Any] = {"model": model, "max_tokens": max_tokens}
    if system is not None:
        out["system"] = system
    out["messages"] = [{"role": "user", "content": text}]
    out.update(extra)
    return out


def request(custom_id: Any, text: Any = None, **params_kw: Any) -> dict[str, Any]:
    """One request; its message is `hello <custom_id>` unless `text` is given."""
    return {"custom_id": custom_id, "params": params(f"hello {custom_id}" if text is None else text, **params_kw)}


def invalid_request(custom_id: str) -> dict[str, Any]:
    """A request the file check lets through and the server refuses (invalid_request_error: unknown model)."""
    return request(custom_id, "x", model=UNKNOWN_MODEL, max_tokens=5)


def _at(pattern: Pattern, i: int) -> str:
    return pattern(i) if callable(pattern) else pattern.format(i=i)


def requests(n: int, *, ids: Pattern = "r{i}", text: Pattern | None = None, invalid: int = 0,
             invalid_ids: Pattern = "bad{i}", **params_kw: Any) -> list[dict[str, Any]]:
    """`n` requests with ids `ids` (a pattern of i = 0..n-1) and messages `text` (a pattern of i; default
    `hello <custom_id>`), then `invalid` requests the server refuses, with ids `invalid_ids`.
    A params value given as a function is called with i (`max_tokens=lambda i: 50 + i`)."""
    good = [request(_at(ids, i), None if text is None else _at(text, i),
                    **{k: v(i) if callable(v) else v for k, v in params_kw.items()}) for i in range(n)]
    return good + [invalid_request(_at(invalid_ids, i)) for i in range(invalid)]


def items(reqs: Iterable[dict[str, Any]]) -> list[tuple[str, bytes]]:
    """Requests as (custom_id, params JSON) pairs, the form `plan_from_requests` takes."""
    return [(r["custom_id"], orjson.dumps(r["params"])) for r in reqs]


def batch_items(prefix: str, n: int, invalid: int = 0) -> list[tuple[str, bytes]]:
    """`prefix-00`... whose text a CSV must escape, then `prefix-bad0`... the server refuses, as items."""
    return items(requests(n, ids=prefix + "-{i:02d}", text="About " + prefix + " {i}: " + TRICKY, max_tokens=100,
                          invalid=invalid, invalid_ids=prefix + "-bad{i}"))


def line(req: dict[str, Any] | bytes) -> bytes:
    """A request as a JSONL line (without its line ending); bytes pass through as they are."""
    return req if isinstance(req, bytes) else orjson.dumps(req)


def write_jsonl(path: Path, lines: Iterable[dict[str, Any] | bytes]) -> Path:
    """Write requests (dicts) and raw lines (bytes), one a line, each ending in a newline; return the path."""
    path.write_bytes(b"".join(line(item) + b"\n" for item in lines))
    return path


def write_requests(path: Path, n: int, **requests_kw: Any) -> Path:
    """A JSONL file of `requests(n, **requests_kw)`; return the path."""
    return write_jsonl(path, requests(n, **requests_kw))
