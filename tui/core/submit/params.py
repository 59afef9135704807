"""What a request's params must look like before a batch is sent: the API checks them only when the batch has
run, one errored result per request. `params_fine` is the hot path's quick yes; `check_params` says what is
wrong, naming each field; `text_chars` counts the text a request sends (for the cost estimate).

The models a request may name come from the price table (`tui/core/money/pricing.py`: its families, aliases and
`normalize_model`), plus any `claude-...` name it does not know yet: `model_fine`. `max_output_tokens` is the
most a known model writes (`OUTPUT_LIMITS`, from Anthropic's models overview); a model it does not know gets
`MAX_OUTPUT_TOKENS`.

Beyond the types: the kinds of content blocks a message may hold, `system` as text blocks, `temperature` and
`top_p` in 0..1, `tools` (a client tool's name and `input_schema`, a server tool by its versioned type, names
unique), `tool_choice` (its type, the tool it names), `thinking` (`budget_tokens` at least 1,024 and below
`max_tokens`; no forced tool and no temperature but 1 with it), `output_config.effort` and `service_tier`.
"""

from __future__ import annotations

from typing import Any

import re
from functools import lru_cache

import orjson

from tui.core.money.pricing import is_claude_model, normalize_model

# The most output tokens any Claude model takes in `max_tokens` (128k: Claude 3.7 Sonnet with the
# output-128k beta; the Claude 4 family allows 32k-64k). Raise it when a model allows more.
MAX_OUTPUT_TOKENS = 128_000
# The output limit of each model the models overview lists, by normalized name (`normalize_model`: no date,
# no Bedrock/Vertex decoration). Claude 3.7 Sonnet: 64k, 128k with the output-128k beta (a header the check
# does not see, so the larger). A model not here (a new one) gets MAX_OUTPUT_TOKENS.
OUTPUT_LIMITS: dict[str, int] = {
    "claude-opus-4-6": 128_000, "claude-sonnet-4-6": 64_000,
    "claude-opus-4-5": 64_000, "claude-sonnet-4-5": 64_000, "claude-haiku-4-5": 64_000,
    "claude-opus-4-1": 32_000, "claude-opus-4": 32_000, "claude-opus-4-0": 32_000,
    "claude-sonnet-4": 64_000, "claude-sonnet-4-0": 64_000,
    "claude-3-7-sonnet": 128_000, "claude-3-5-sonnet": 8_192, "claude-3-5-haiku": 8_192,
    "claude-3-opus": 4_096, "claude-3-sonnet": 4_096, "claude-3-haiku": 4_096,
}
THINKING_MIN_BUDGET = 1024
# What a message's content may hold (the API's input block kinds); anything else is a mistake to name.
BLOCK_KINDS = frozenset((
    "text", "image", "document", "search_result", "tool_use", "tool_result", "thinking", "redacted_thinking",
    "server_tool_use", "web_search_tool_result", "web_fetch_tool_result", "code_execution_tool_result",
    "bash_code_execution_tool_result", "text_editor_code_execution_tool_result", "tool_search_tool_result",
    "mcp_tool_use", "mcp_tool_result", "container_upload", "tool_reference",
))
# A block kind's required fields and their JSON type, as the API checks them.
_BLOCK_FIELDS: dict[str, tuple[tuple[str, type, str], ...]] = {
    "text": (("text", str, "a string"),),
    "image": (("source", dict, "an object"),),
    "document": (("source", dict, "an object"),),
    "tool_use": (("id", str, "a string"), ("name", str, "a string"), ("input", dict, "an object")),
    "tool_result": (("tool_use_id", str, "a string"),),
    "thinking": (("thinking", str, "a string"), ("signature", str, "a string")),
    "redacted_thinking": (("data", str, "a string"),),
}
TOOL_CHOICES = ("auto", "any", "tool", "none")
EFFORTS = ("low", "medium", "high", "max")
SERVICE_TIERS = ("auto", "standard_only")
_TOOL_NAME = re.compile(r"[a-zA-Z0-9_-]{1,128}")
_SERVER_TOOL_TYPE = re.compile(r"[a-z][a-z0-9_]*_\d{8}")   # versioned: web_search_20250305, bash_20250124, ...
_UNVERSIONED_TOOL_TYPES = frozenset(("mcp_toolset",))
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
    "output_config": ((dict,), "an object"),
}
# Optional params whose content is checked beyond their type (`_param_problems`): the fast path sends a line
# holding any of them to `check_params`.
_DEEP = frozenset(("system", "temperature", "top_p", "tools", "tool_choice", "thinking", "output_config",
                   "service_tier"))
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
    content (blocks of known kinds), every known optional field of its type, and the params checked in depth
    (`_DEEP`) without a problem. False sends the line to `check_params` to say what."""
    for message in messages:
        if type(message) is not dict or message.get("role") not in _ROLES:
            return False
        content = message.get("content")
        if type(content) is list:
            for block in content:
                if type(block) is not dict or (kind := block.get("type")) not in BLOCK_KINDS:
                    return False
                for name, field_type, _ in _BLOCK_FIELDS.get(kind, ()):
                    if type(block.get(name)) is not field_type:
                        return False
        elif type(content) is not str:
            return False
    if len(params) > 3:   # more than model, max_tokens and messages
        deep = False
        for key, value in params.items():
            spec = _OPTIONAL.get(key)
            if spec is not None and type(value) not in spec[0]:
                return False
            deep = deep or key in _DEEP
        if deep and _param_problems(params):
            return False
    return True


@lru_cache(maxsize=1024)
def max_output_tokens(model: str) -> int:
    """The most output `model` may be asked for in `max_tokens`: its known limit, or MAX_OUTPUT_TOKENS."""
    return OUTPUT_LIMITS.get(normalize_model(model), MAX_OUTPUT_TOKENS)


def known_output_limit(model: Any) -> int | None:
    """The known output limit of a model, or None when the check does not know the model."""
    return OUTPUT_LIMITS.get(normalize_model(model)) if isinstance(model, str) and model else None


def model_fine(model: str) -> bool:
    """Whether `model` names a Claude model (see `is_claude_model`)."""
    return is_claude_model(model)


def _block_problems(blocks: list[Any], where: str) -> list[str]:
    """What is wrong with a list of content blocks (the first few problems)."""
    problems = []
    for j, block in enumerate(blocks):
        at = f"{where}[{j}]"
        if type(block) is not dict:
            problems.append(f"{at} must be a content block object, got {type_name(block)}")
        elif "type" not in block:
            problems.append(f"{at}.type is missing")
        elif block["type"] not in BLOCK_KINDS:
            problems.append(f"{at}.type {describe(block['type'])} is not a content block kind the API takes")
        else:
            for name, kind, what in _BLOCK_FIELDS.get(block["type"], ()):
                if name not in block:
                    problems.append(f"{at}.{name} is missing (a {block['type']} block needs it)")
                elif type(block[name]) is not kind:
                    problems.append(f"{at}.{name} must be {what}, got {type_name(block[name])}")
        if len(problems) >= 3:
            break
    return problems


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
        elif type(message["content"]) is list:
            problems += _block_problems(message["content"], f"{where}.content")
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
        elif (limit := known_output_limit(model)) is not None and mt > limit:
            problems.append(f"params.max_tokens must be at most {limit:,} for {describe(model)} (its output "
                            f"limit), got {mt:,}")
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
    problems += _param_problems(params)
    if params.get("stream") is True:
        problems.append("params.stream: true is not allowed in a batch")
    return problems


def _number(value: Any) -> bool:
    return type(value) in (int, float)


def _tool_problems(tools: list[Any]) -> tuple[list[str], set[str]]:
    problems: list[str] = []
    names: set[str] = set()
    for i, tool in enumerate(tools):
        at = f"params.tools[{i}]"
        if type(tool) is not dict:
            problems.append(f"{at} must be an object, got {type_name(tool)}")
            continue
        kind = tool.get("type")
        name = tool.get("name")
        if "name" not in tool:
            problems.append(f"{at}.name is missing")
        elif type(name) is not str or not _TOOL_NAME.fullmatch(name):
            problems.append(f"{at}.name {describe(name)} must match ^[a-zA-Z0-9_-]{{1,128}}$")
        elif name in names:
            problems.append(f"{at}.name {describe(name)} is a duplicate (tool names must be unique)")
        else:
            names.add(name)
        if kind is None or kind == "custom":
            schema = tool.get("input_schema")
            if "input_schema" not in tool:
                problems.append(f"{at}.input_schema is missing (a JSON schema object; for a server tool give "
                                f"its type, e.g. \"web_search_20250305\")")
            elif type(schema) is not dict:
                problems.append(f"{at}.input_schema must be an object (a JSON schema), got {type_name(schema)}")
            elif schema.get("type") != "object":
                problems.append(f"{at}.input_schema.type must be \"object\", got {describe(schema.get('type'))}")
        elif type(kind) is not str or not (_SERVER_TOOL_TYPE.fullmatch(kind) or kind in _UNVERSIONED_TOOL_TYPES):
            problems.append(f"{at}.type {describe(kind)} is not a server tool type (a versioned name such as "
                            f"\"web_search_20250305\"; leave it out for your own tool)")
        if len(problems) >= 3:
            break
    return problems, names


def _param_problems(params: dict[str, Any]) -> list[str]:
    """What is wrong inside the optional params checked in depth (their types are checked by the caller)."""
    problems: list[str] = []
    system = params.get("system")
    if type(system) is list:
        problems += _block_problems(system, "params.system")
        for j, block in enumerate(system):
            if type(block) is dict and block.get("type") not in ("text", None) and block.get("type") in BLOCK_KINDS:
                problems.append(f"params.system[{j}].type must be \"text\" (system takes text blocks), got "
                                f"{describe(block['type'])}")
                break
    for key in ("temperature", "top_p"):
        value = params.get(key)
        if isinstance(value, (int, float)) and not isinstance(value, bool) and not 0 <= value <= 1:
            problems.append(f"params.{key} must be between 0 and 1, got {describe(value)}")
    names: set[str] = set()
    tools = params.get("tools")
    if type(tools) is list:
        tool_problems, names = _tool_problems(tools)
        problems += tool_problems
    choice = params.get("tool_choice")
    if type(choice) is dict:
        kind = choice.get("type")
        if "type" not in choice:
            problems.append("params.tool_choice.type is missing (\"auto\", \"any\", \"tool\" or \"none\")")
        elif kind not in TOOL_CHOICES:
            problems.append(f"params.tool_choice.type must be \"auto\", \"any\", \"tool\" or \"none\", got "
                            f"{describe(kind)}")
        elif kind == "tool":
            name = choice.get("name")
            if "name" not in choice:
                problems.append("params.tool_choice.name is missing (type \"tool\" names the tool to use)")
            elif type(tools) is list and name not in names:
                problems.append(f"params.tool_choice.name {describe(name)} is not one of params.tools")
        if kind in ("auto", "any", "tool") and "disable_parallel_tool_use" in choice \
                and type(choice["disable_parallel_tool_use"]) is not bool:
            problems.append("params.tool_choice.disable_parallel_tool_use must be true or false, got "
                            f"{describe(choice['disable_parallel_tool_use'])}")
        if kind in ("any", "tool") and "tools" not in params:
            problems.append(f"params.tool_choice.type {describe(kind)} needs params.tools")
    thinking = params.get("thinking")
    if type(thinking) is dict:
        kind = thinking.get("type")
        if kind not in ("enabled", "disabled", "adaptive"):
            problems.append(f"params.thinking.type must be \"enabled\", \"disabled\" or \"adaptive\", got "
                            f"{describe(kind)}")
        elif kind == "enabled":
            budget = thinking.get("budget_tokens")
            max_tokens = params.get("max_tokens")
            if "budget_tokens" not in thinking:
                problems.append("params.thinking.budget_tokens is missing (at least 1,024, below max_tokens)")
            elif type(budget) is not int:
                problems.append(f"params.thinking.budget_tokens must be an integer, got {describe(budget)}")
            elif budget < THINKING_MIN_BUDGET:
                problems.append(f"params.thinking.budget_tokens must be at least {THINKING_MIN_BUDGET:,}, "
                                f"got {budget:,}")
            elif type(max_tokens) is int and budget >= max_tokens:
                problems.append(f"params.thinking.budget_tokens ({budget:,}) must be less than params.max_tokens "
                                f"({max_tokens:,})")
        if kind in ("enabled", "adaptive"):
            if type(choice) is dict and choice.get("type") in ("any", "tool"):
                problems.append(f"params.tool_choice.type {describe(choice['type'])} cannot be used with thinking "
                                "(only \"auto\" or \"none\")")
            temperature = params.get("temperature")
            if _number(temperature) and temperature != 1:
                problems.append(f"params.temperature must be 1 (or left out) with thinking, got "
                                f"{describe(temperature)}")
    output_config = params.get("output_config")
    if type(output_config) is dict and "effort" in output_config and output_config["effort"] not in EFFORTS:
        problems.append(f"params.output_config.effort must be \"low\", \"medium\", \"high\" or \"max\", got "
                        f"{describe(output_config['effort'])}")
    if "service_tier" in params and params["service_tier"] not in SERVICE_TIERS:
        problems.append(f"params.service_tier must be \"auto\" or \"standard_only\", got "
                        f"{describe(params['service_tier'])}")
    return problems
