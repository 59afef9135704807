"""What a request's params must look like before a batch is sent: the API checks them only when the batch has
run, one errored result per request. `params_fine` is the hot path's quick yes; `check_params` says what is
wrong, naming each field; `text_chars` counts the text a request sends (for the cost estimate).

The models a request may name come from the price table (`tui/core/money/pricing.py`: its families, aliases and
`normalize_model`), plus any `claude-...` name it does not know yet: `model_fine`.
"""

from __future__ import annotations

from typing import Any

import orjson

from tui.core.money.pricing import is_claude_model

# The most output tokens any Claude model takes in `max_tokens` (128k: Claude 3.7 Sonnet with the
# output-128k beta; the Claude 4 family allows 32k-64k). Raise it when a model allows more.
MAX_OUTPUT_TOKENS = 128_000
_ROLES = ("user", "assistant")
# Optional params the check knows, by their JSON type: (Python types, what the message says they must be).
_OPTIONAL: dict[str, tuple[tuple[type, ...], str]] = {
    "system": ((str, list), "a string or an array of content blocks"),
    "temperature": ((int, float), "a number"),
    "top_p": ((int, float), "a number"),
    "top_k": ((int,), "an integer"),
    "tools": ((list,), "an array"),
    "tool_choice": ((dict,), "an object"),
    "stop_sequences": ((list,), "an array"),
    "metadata": ((dict,), "an object"),
    "thinking": ((dict,), "an object"),
}
_CONTENT = (str, list)


def describe(value: Any) -> str:
    """A value as a message shows it: JSON (or a quoted string), cut at 40 characters."""
    text = orjson.dumps(value).decode() if not isinstance(value, str) else repr(value)
    return text if len(text) <= 40 else text[:39] + "…"


def type_name(value: Any) -> str:
    """A value's JSON type, as a message names it."""
    return {dict: "object", list: "array", str: "string", bool: "boolean", type(None): "null",
            int: "number", float: "number"}.get(type(value), type(value).__name__)


def _blocks_chars(blocks: Any) -> int:
    if type(blocks) is str:
        return len(blocks)
    total = 0
    if type(blocks) is list:
        for block in blocks:
            if type(block) is dict and type(text := block.get("text")) is str:
                total += len(text)
    return total


def text_chars(params: dict[str, Any]) -> int:
    """Characters of text in system and messages (hot: called once per request)."""
    messages = params["messages"]
    if len(messages) == 1 and "system" not in params:   # the common shape: one user turn
        message = messages[0]
        if type(message) is dict and type(content := message.get("content")) is str:
            return len(content)
    total = _blocks_chars(params["system"]) if "system" in params else 0
    for message in messages:
        if type(message) is dict:
            content = message.get("content")
            total += len(content) if type(content) is str else _blocks_chars(content)
    return total


def params_fine(params: dict[str, Any], messages: list[Any]) -> bool:
    """The fast path's look at the rest of a request (hot): every message an object with a known role and
    content, every known optional field of its type. False sends the line to `check_params` to say what."""
    for message in messages:
        if type(message) is not dict or message.get("role") not in _ROLES \
                or type(message.get("content")) not in _CONTENT:
            return False
    if len(params) > 3:   # more than model, max_tokens and messages
        for key, value in params.items():
            spec = _OPTIONAL.get(key)
            if spec is not None and type(value) not in spec[0]:
                return False
    return True


def model_fine(model: str) -> bool:
    """Whether `model` names a Claude model (see `is_claude_model`)."""
    return is_claude_model(model)


def _message_problems(messages: list[Any]) -> list[str]:
    problems = []
    for i, message in enumerate(messages):
        where = f"params.messages[{i}]"
        if type(message) is not dict:
            problems.append(f"{where} must be an object with role and content, got {type_name(message)}")
            continue
        if "role" not in message:
            problems.append(f"{where}.role is missing")
        elif message["role"] == "system":
            problems.append(f"{where}.role 'system' is not allowed; put it in params.system")
        elif message["role"] not in _ROLES or type(message["role"]) is not str:
            problems.append(f'{where}.role must be "user" or "assistant", got {describe(message["role"])}')
        if "content" not in message:
            problems.append(f"{where}.content is missing")
        elif type(message["content"]) not in _CONTENT:
            problems.append(f"{where}.content must be a string or an array of content blocks, got "
                            f"{type_name(message['content'])}")
        if len(problems) >= 3:
            break
    return problems


def check_params(params: Any) -> list[str]:
    """What is wrong with one request's params (empty when fine); each message names its field."""
    if not isinstance(params, dict):
        return [f"params must be an object, got {type_name(params)}"]
    problems = []
    model = params.get("model")
    if "model" not in params:
        problems.append("params.model is missing")
    elif not isinstance(model, str) or not model:
        problems.append(f"params.model must be a non-empty string, got {describe(model)}")
    elif not model_fine(model):
        problems.append(f"params.model {describe(model)} is not a Claude model")
    if "max_tokens" not in params:
        problems.append("params.max_tokens is missing")
    else:
        mt = params["max_tokens"]
        if not isinstance(mt, int) or isinstance(mt, bool):
            problems.append(f"params.max_tokens must be an integer, got {describe(mt)}")
        elif mt < 1:
            problems.append(f"params.max_tokens must be at least 1, got {mt}")
        elif mt > MAX_OUTPUT_TOKENS:
            problems.append(f"params.max_tokens must be at most {MAX_OUTPUT_TOKENS:,} (the most output any "
                            f"model allows), got {mt:,}")
    if "messages" not in params:
        problems.append("params.messages is missing")
    elif not isinstance(params["messages"], list):
        problems.append(f"params.messages must be an array, got {type_name(params['messages'])}")
    elif not params["messages"]:
        problems.append("params.messages is empty")
    else:
        problems += _message_problems(params["messages"])
    for key, (types, what) in _OPTIONAL.items():
        if key in params and type(params[key]) not in types:
            problems.append(f"params.{key} must be {what}, got {type_name(params[key])}")
    if params.get("stream") is True:
        problems.append("params.stream: true is not allowed in a batch")
    return problems
