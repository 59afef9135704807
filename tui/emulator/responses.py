"""What a request would produce: its per-request validation and a deterministic, plausible Message.

At create time each request's params are reduced to a small `Summary` (the raw params are not kept). At
results time `result_for` turns a summary into the result object of a results line.
"""

from __future__ import annotations

import hashlib
import re
import sys
from typing import Any, NamedTuple

from tui.emulator import answers

_MODEL = re.compile(r"^claude-[a-z0-9.-]*(opus|sonnet|haiku|instant)|^claude-[23]([.-]|$)")
_SPACES = re.compile(r"\s+")

_SENTENCES = (
    "The short answer is that it depends on the details you give.",
    "Here are the main points to consider.",
    "First, look at the inputs and check what they have in common.",
    "Second, compare the options by cost, speed and risk.",
    "A simple approach usually works best at the start.",
    "If the data are noisy, smooth them before drawing conclusions.",
    "In practice, most people find the second option easier to maintain.",
    "Keep a record of each step so the result can be reproduced.",
    "That covers the essentials; ask again if you want more depth.",
    "One caveat: the numbers above are estimates, not guarantees.",
    "An example makes this clearer: start small, measure, then grow.",
    "To sum up, the idea holds as long as the assumptions do.",
)


class Summary(NamedTuple):
    """The compact form of one request: what results need and nothing more."""

    custom_id: str
    error: str | None  # an invalid_request_error message, found at processing time
    model: str
    max_tokens: int
    input_tokens: int  # all input, cached prefix included
    cache_tokens: int  # tokens of the prefix up to the last cache_control, 0 if none
    cache_key: bytes | None
    snippet: str
    digest: int
    features: dict | None = None  # thinking, tools, web search, 1h cache, echoed params: see answers.py


tokens = answers.tokens


def _text_of(block: Any) -> str:
    if isinstance(block, str):
        return block
    if isinstance(block, dict):
        if isinstance(block.get("text"), str):
            return block["text"]
        if block.get("type") in ("image", "document"):
            return "#" * 6000  # about 1,500 tokens, like a small image
        return repr(sorted(block))
    return ""


def _blocks(value: Any) -> list:
    if isinstance(value, str):
        return [value]
    return value if isinstance(value, list) else []


def _check(params: dict) -> str | None:
    model = params.get("model")
    if model is None:
        return "model: Field required"
    if not isinstance(model, str) or not _MODEL.match(model):
        return f"model: {str(model)[:100]}"
    max_tokens = params.get("max_tokens")
    if max_tokens is None:
        return "max_tokens: Field required"
    if isinstance(max_tokens, bool) or not isinstance(max_tokens, int) or max_tokens < 1:
        return f"max_tokens: Input should be greater than or equal to 1, got {str(max_tokens)[:40]}"
    messages = params.get("messages")
    if messages is None:
        return "messages: Field required"
    if not isinstance(messages, list) or not messages:
        return "messages: Input should be a non-empty list"
    for i, message in enumerate(messages):
        if not isinstance(message, dict) or message.get("role") not in ("user", "assistant"):
            return f"messages.{i}.role: Input should be 'user' or 'assistant'"
        if not isinstance(message.get("content"), (str, list)):
            return f"messages.{i}.content: Field required"
    if params.get("stream") is True:
        return "stream: Message Batches do not support streaming; remove `stream` or set it to false"
    return answers.check(params, max_tokens)


def summarize(custom_id: str, params: dict) -> Summary:
    """Reduce one request's params to a `Summary`, validating them as the API does at processing time."""
    error = _check(params)
    hasher = hashlib.blake2b(digest_size=16)
    chars = 0
    cache_chars = 0
    cache_key = None
    cache_1h_chars = 0
    tools = params.get("tools")
    pieces: list[Any] = list(tools) if isinstance(tools, list) else []
    pieces.extend(_blocks(params.get("system")))
    given_messages = params.get("messages")
    messages = given_messages if isinstance(given_messages, list) else []
    last_user = ""
    for message in messages:
        content = message.get("content") if isinstance(message, dict) else None
        is_user = isinstance(message, dict) and message.get("role") == "user"
        for block in _blocks(content):
            pieces.append(block)
            if is_user and (isinstance(block, str) or (isinstance(block, dict) and "text" in block)):
                last_user = _text_of(block)
    for piece in pieces:
        text = _text_of(piece) if not (isinstance(piece, dict) and "name" in piece) else repr(piece)
        chars += len(text)
        hasher.update(text.encode("utf-8", "replace"))
        if isinstance(piece, dict) and piece.get("cache_control"):
            cache_chars = chars
            cache_key = hasher.copy().digest()
            if isinstance(piece["cache_control"], dict) and piece["cache_control"].get("ttl") == "1h":
                cache_1h_chars = chars
    top_cache = params.get("cache_control")
    if isinstance(top_cache, dict) and chars:   # automatic caching: a breakpoint on the last block
        cache_chars = chars
        cache_key = hasher.copy().digest()
        if top_cache.get("ttl") == "1h":
            cache_1h_chars = chars
    input_tokens = tokens(chars) + 4 * len(messages) + 3
    given_model, given_max = params.get("model"), params.get("max_tokens")
    model = given_model if isinstance(given_model, str) else ""
    max_tokens = given_max if isinstance(given_max, int) else 1
    snippet = _SPACES.sub(" ", last_user).strip()[:60]
    digest = int.from_bytes(hasher.digest()[:8])
    cache_tokens = min(tokens(cache_chars), input_tokens)
    features = None if error is not None else \
        answers.features(params, digest, snippet, max_tokens, min(tokens(cache_1h_chars), cache_tokens))
    return Summary(custom_id, error, sys.intern(model[:100]),
                   max_tokens, input_tokens, cache_tokens, cache_key, snippet, digest, features)


def _reply_text(summary: Summary) -> str:
    digest = summary.digest
    count = 1 + digest % 6
    effort = (summary.features or {}).get("effort")
    if effort in ("low", "medium"):
        count = min(count, 2 if effort == "low" else 4)
    start = (digest >> 8) % len(_SENTENCES)
    body = " ".join(_SENTENCES[(start + i) % len(_SENTENCES)] for i in range(count))
    subject = f"You asked: “{summary.snippet}”. " if summary.snippet else ""
    return subject + body


def message_for(summary: Summary, message_id: str, cache_role: int) -> dict:
    """The assistant Message of a succeeded request. cache_role: 0 none, 1 writes the cache, 2 reads it."""
    features = summary.features or {}
    text = _reply_text(summary)
    extra: dict = {}
    if features.get("thinking") or features.get("tool_use") or features.get("search"):
        answer = answers.build(features, text, summary.max_tokens, summary.digest, message_id, summary.snippet)
        content, stop_reason, output_tokens = answer["content"], answer["stop_reason"], answer["output_tokens"]
        extra = answer["usage"]
    else:
        limit = summary.max_tokens * 4
        if len(text) > limit:
            text, stop_reason, output_tokens = text[:limit], "max_tokens", summary.max_tokens
        else:
            stop_reason, output_tokens = "end_turn", tokens(len(text))
        content = [{"type": "text", "text": text, "citations": None}]
    cached = summary.cache_tokens if cache_role else 0
    created = cached if cache_role == 1 else 0
    created_1h = min(features.get("cache_1h", 0), created)
    return {
        "id": message_id,
        "type": "message",
        "role": "assistant",
        "model": summary.model,
        "content": content,
        "stop_reason": stop_reason,
        "stop_sequence": None,
        "stop_details": None,
        "container": None,
        "usage": {
            "input_tokens": summary.input_tokens - cached + extra.get("extra_input", 0),
            "output_tokens": output_tokens,
            "cache_creation_input_tokens": created,
            "cache_read_input_tokens": cached if cache_role == 2 else 0,
            "cache_creation": {"ephemeral_5m_input_tokens": created - created_1h,
                               "ephemeral_1h_input_tokens": created_1h},
            "server_tool_use": extra.get("server_tool_use"),
            "service_tier": "batch",
            "inference_geo": features.get("geo"),
        },
    }
