"""The answer kinds a request asks for, beyond one text block: extended thinking, client tools, the web search
server tool, 1-hour cache writes, and the params the API echoes in `usage`.

At create time `features` reduces what a request asks for to a small JSON-able dict (None for a plain request,
so a plain batch costs no more memory than before); `check` finds what the API would refuse in those params.
At results time `build` turns the features into content blocks, a stop reason, output tokens and the usage
fields they change. Everything is a function of the request's digest and the message id (itself made from the
batch's seed), so a given seed and request always get the same answer.

Shapes follow the API's response schemas (tests/data/openapi_schemas.json, checked by tests/emulator/):
thinking (with a `signature`), redacted_thinking, tool_use / server_tool_use / web_search_tool_result (with
their `caller`), text with `web_search_result_location` citations, `usage.server_tool_use`.
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
import re
from typing import Any

THINKING_MIN_BUDGET = 1024
EFFORTS = ("low", "medium", "high", "max")
SERVICE_TIERS = ("auto", "standard_only")
CACHE_TTLS = ("5m", "1h")
MAX_EXAMPLE_SIZE = 1000  # a hostile schema's minLength/minItems/repeat cannot make the emulator build gigabytes
SEARCH_TOKENS = 700  # input tokens one search's results add to the prompt (the API counts them as input)
_DIRECT = {"type": "direct"}
_DOMAINS = ("en.wikipedia.org", "docs.python.org", "www.nature.com", "developer.mozilla.org", "www.bbc.co.uk")
_THOUGHTS = (
    "The user wants a clear answer, so I should start from what they actually asked.",
    "Let me consider the main options and what each one costs.",
    "I should check the assumptions before recommending anything.",
    "A short example would make the point easier to follow.",
    "There is a caveat worth mentioning about estimates.",
    "I'll structure the answer as a summary followed by details.",
)
_SEARCH_TITLES = ("Overview and background", "A practical guide", "Frequently asked questions",
                  "Recent developments", "Reference documentation")
_PAGE_AGES = ("April 30, 2025", None, "2 weeks ago", "January 12, 2026", None)


def tokens(chars: int) -> int:
    return max(1, math.ceil(chars / 4)) if chars else 0


def _bits(digest: int, shift: int, mod: int) -> int:
    return (digest >> shift) % mod


def _opaque(*parts: object, length: int = 88) -> str:
    """A deterministic base64 string standing for the API's encrypted/signed fields."""
    raw = b""
    counter = 0
    seed = ":".join(map(str, parts)).encode()
    while len(raw) * 4 // 3 < length:
        raw += hashlib.blake2b(seed + counter.to_bytes(4, "big"), digest_size=64).digest()
        counter += 1
    return base64.b64encode(raw).decode()[:length]


def _id(prefix: str, *parts: object) -> str:
    text = base64.b32encode(hashlib.blake2b(":".join(map(str, parts)).encode(), digest_size=15).digest()).decode()
    return f"{prefix}_01{text.lower().replace('=', '')}"


# -- tool inputs from an input_schema ------------------------------------------------------------------------

def _resolve(schema: Any, root: Any) -> Any:
    for _ in range(10):
        if not (isinstance(schema, dict) and isinstance(schema.get("$ref"), str)):
            return schema
        ref = schema["$ref"]
        if not ref.startswith("#/"):
            return {}
        node = root
        for part in ref[2:].split("/"):
            node = node.get(part.replace("~1", "/").replace("~0", "~")) if isinstance(node, dict) else None
        schema = node if isinstance(node, dict) else {}
    return {}


def _from_pattern(pattern: str) -> str | None:
    """The shortest string a simple regular expression accepts (literals, classes, repeats, groups,
    alternations), or None when it cannot tell."""
    try:
        from re import _parser  # type: ignore[attr-defined]  # the stdlib's own regex parser
        tree = _parser.parse(pattern)
    except Exception:   # noqa: BLE001 - an unusable pattern: no example from it
        return None
    c = _parser

    def walk(items: Any, depth: int = 0) -> str:
        if depth > 20:
            raise ValueError("too deep")
        out = []
        for op, arg in items:
            if op is c.LITERAL:
                out.append(chr(arg))
            elif op is c.NOT_LITERAL:
                out.append("a" if chr(arg) != "a" else "b")
            elif op is c.ANY:
                out.append("a")
            elif op is c.IN:
                out.append(_class_char(arg, c))
            elif op in (c.MAX_REPEAT, c.MIN_REPEAT, getattr(c, "POSSESSIVE_REPEAT", None)):
                low, _high, sub = arg
                out.append(walk(sub, depth + 1) * min(low, MAX_EXAMPLE_SIZE))
            elif op is c.SUBPATTERN:
                out.append(walk(arg[-1], depth + 1))
            elif op is c.BRANCH:
                out.append(walk(arg[1][0], depth + 1))
            elif op is c.AT:
                continue
            elif op is c.CATEGORY:
                out.append(_CATEGORY_CHARS.get(str(arg), "a"))
            else:
                raise ValueError(f"unhandled {op}")
        return "".join(out)

    try:
        value = walk(tree)
    except (ValueError, TypeError, IndexError):
        return None
    return value if re.search(pattern, value) else None


_CATEGORY_CHARS = {"CATEGORY_DIGIT": "0", "CATEGORY_NOT_DIGIT": "a", "CATEGORY_WORD": "a", "CATEGORY_NOT_WORD": "-",
                   "CATEGORY_SPACE": " ", "CATEGORY_NOT_SPACE": "a"}


def _class_char(items: Any, c: Any) -> str:
    if items and items[0][0] is c.NEGATE:
        banned = set()
        for op, arg in items[1:]:
            if op is c.LITERAL:
                banned.add(chr(arg))
            elif op is c.RANGE:
                banned.update(chr(x) for x in range(arg[0], min(arg[1], 0x3000) + 1))
        return next(ch for ch in "aA0-_ zZ9" if ch not in banned)
    for op, arg in items:
        if op is c.LITERAL:
            return chr(arg)
        if op is c.RANGE:
            return chr(arg[0])
        if op is c.CATEGORY:
            return _CATEGORY_CHARS.get(str(arg), "a")
    raise ValueError("empty class")


def _string_for(schema: dict, name: str, hint: str) -> str:
    fmt = schema.get("format")
    value = {"date-time": "2026-01-15T09:30:00Z", "date": "2026-01-15", "time": "09:30:00",
             "email": "someone@example.com", "uri": "https://example.com/", "url": "https://example.com/",
             "uuid": "123e4567-e89b-12d3-a456-426614174000"}.get(fmt) if isinstance(fmt, str) else None
    if value is None:
        value = hint if hint and name.lower() in ("query", "q", "question", "text", "prompt", "topic", "search") \
            else f"example {name}" if name else "example"
    pattern = schema.get("pattern")
    if isinstance(pattern, str) and not re.search(pattern, value):
        value = _from_pattern(pattern) or value
    max_len = schema.get("maxLength")
    min_len = schema.get("minLength")
    if isinstance(max_len, int) and max_len >= 0:
        value = value[:max_len]
    if isinstance(min_len, int) and len(value) < min_len:
        value = value + "x" * (min(min_len, MAX_EXAMPLE_SIZE) - len(value))
    return value


def _number_for(schema: dict, integer: bool) -> int | float:
    low, high = schema.get("minimum"), schema.get("maximum")
    ex_low, ex_high = schema.get("exclusiveMinimum"), schema.get("exclusiveMaximum")
    value: int | float = 1
    if isinstance(low, (int, float)) and not isinstance(low, bool):
        value = low
    if isinstance(ex_low, (int, float)) and not isinstance(ex_low, bool) and value <= ex_low:
        value = ex_low + 1 if integer else ex_low + 0.5
    if isinstance(high, (int, float)) and not isinstance(high, bool) and value > high:
        value = high
    if isinstance(ex_high, (int, float)) and not isinstance(ex_high, bool) and value >= ex_high:
        value = ex_high - 1 if integer else (ex_high + (value if value < ex_high else ex_high - 1)) / 2
    if integer:
        value = math.ceil(value) if not isinstance(value, int) else value
    return value


def example_value(schema: Any, root: Any, digest: int, hint: str = "", name: str = "", depth: int = 0) -> Any:
    """A minimal value valid for a JSON schema: required properties only, the schema's own enum/const values,
    the lower bounds of numbers and lengths. `hint` (the question) fills a free-text field such as `query`."""
    schema = _resolve(schema, root)
    if not isinstance(schema, dict) or depth > 12:
        return None if depth > 12 else {}
    if "const" in schema:
        return schema["const"]
    enum = schema.get("enum")
    if isinstance(enum, list) and enum:
        return enum[digest % len(enum)]
    if "default" in schema:
        return schema["default"]
    for key in ("anyOf", "oneOf"):
        options = schema.get(key)
        if isinstance(options, list) and options:
            concrete = [o for o in options if not (isinstance(o, dict) and o.get("type") == "null")]
            return example_value((concrete or options)[0], root, digest, hint, name, depth + 1)
    all_of = schema.get("allOf")
    if isinstance(all_of, list) and all_of:
        merged: dict[str, Any] = {}
        for part in all_of:
            part = _resolve(part, root)
            if isinstance(part, dict):
                for k, v in part.items():
                    if k == "properties" and isinstance(v, dict):
                        merged.setdefault("properties", {}).update(v)
                    elif k == "required" and isinstance(v, list):
                        merged["required"] = list(merged.get("required", [])) + v
                    else:
                        merged.setdefault(k, v)
        rest = {k: v for k, v in schema.items() if k != "allOf"}
        return example_value({**merged, **rest}, root, digest, hint, name, depth + 1)
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), kind[0] if kind else None)
    if kind is None:
        kind = "object" if "properties" in schema or "required" in schema else \
            "array" if "items" in schema else "string" if "minLength" in schema or "format" in schema else None
    if kind == "object":
        given_props = schema.get("properties")
        props: dict = given_props if isinstance(given_props, dict) else {}
        given_required = schema.get("required")
        required = [r for r in given_required if isinstance(r, str)] if isinstance(given_required, list) else []
        out = {}
        for key in required:
            out[key] = example_value(props.get(key, {}), root, digest >> 3, hint, key, depth + 1)
        min_props = schema.get("minProperties")
        if isinstance(min_props, int):
            for key in props:
                if len(out) >= min_props:
                    break
                out.setdefault(key, example_value(props[key], root, digest >> 3, hint, key, depth + 1))
        return out
    if kind == "array":
        items = schema.get("items", {})
        min_items = schema.get("minItems")
        count: int = min(min_items, MAX_EXAMPLE_SIZE) if isinstance(min_items, int) else 0
        one = example_value(items, root, digest >> 2, hint, name, depth + 1)
        if schema.get("uniqueItems") and isinstance(one, str):
            return [one] + [f"{one}{i}" for i in range(1, count)] if count else []
        if schema.get("uniqueItems") and isinstance(one, int) and not isinstance(one, bool):
            return [one + i for i in range(count)]
        return [one] * count
    if kind == "string":
        return _string_for(schema, name, hint)
    if kind == "integer":
        return _number_for(schema, True)
    if kind == "number":
        return _number_for(schema, False)
    if kind == "boolean":
        return bool(digest & 1)
    if kind == "null":
        return None
    return {}


# -- what a request asks for ---------------------------------------------------------------------------------

def check(params: dict, max_tokens: int) -> str | None:
    """What the API refuses in the params this module reads, as its processing-time error says it."""
    thinking = params.get("thinking")
    if thinking is not None:
        if not isinstance(thinking, dict) or thinking.get("type") not in ("enabled", "disabled", "adaptive"):
            return "thinking.type: Input should be 'enabled', 'disabled' or 'adaptive'"
        if thinking["type"] == "enabled":
            budget = thinking.get("budget_tokens")
            if isinstance(budget, bool) or not isinstance(budget, int):
                return "thinking.enabled.budget_tokens: Field required"
            if budget < THINKING_MIN_BUDGET:
                return f"thinking.enabled.budget_tokens: Input should be greater than or equal to {THINKING_MIN_BUDGET}"
            if budget >= max_tokens:
                return "`max_tokens` must be greater than `thinking.budget_tokens`"
    output_config = params.get("output_config")
    if output_config is not None:
        if not isinstance(output_config, dict):
            return "output_config: Input should be an object"
        if "effort" in output_config and output_config["effort"] not in EFFORTS:
            return "output_config.effort: Input should be 'low', 'medium', 'high' or 'max'"
    if "service_tier" in params and params["service_tier"] not in SERVICE_TIERS:
        return "service_tier: Input should be 'auto' or 'standard_only'"
    if "inference_geo" in params and not isinstance(params["inference_geo"], (str, type(None))):
        return "inference_geo: Input should be a valid string"
    top_cache = params.get("cache_control")
    if top_cache is not None and (not isinstance(top_cache, dict) or top_cache.get("type") != "ephemeral"
                                  or top_cache.get("ttl", "5m") not in CACHE_TTLS):
        return "cache_control: Input should be {\"type\": \"ephemeral\"} with an optional ttl of '5m' or '1h'"
    tools = params.get("tools")
    if tools is not None and not isinstance(tools, list):
        return "tools: Input should be a valid list"
    names = set()
    for i, tool in enumerate(tools or []):
        if not isinstance(tool, dict) or not isinstance(tool.get("name"), str) or not tool["name"]:
            return f"tools.{i}.name: Field required"
        if tool["name"] in names:
            return f"tools: Tool names must be unique (`{tool['name'][:64]}` appears twice)"
        names.add(tool["name"])
        if _is_custom(tool) and not isinstance(tool.get("input_schema"), dict):
            return f"tools.{i}.custom.input_schema: Field required"
    choice = params.get("tool_choice")
    if choice is not None:
        if not isinstance(choice, dict) or choice.get("type") not in ("auto", "any", "tool", "none"):
            return "tool_choice.type: Input should be 'auto', 'any', 'tool' or 'none'"
        if choice["type"] == "tool" and choice.get("name") not in names:
            return f"tool_choice.name: Tool '{str(choice.get('name'))[:64]}' not found in tools"
        if choice["type"] in ("any", "tool") and isinstance(thinking, dict) \
                and thinking.get("type") in ("enabled", "adaptive"):
            return "Thinking may not be enabled when tool_choice forces tool use."
    return None


def _is_custom(tool: dict) -> bool:
    return tool.get("type") in (None, "custom")


def _is_web_search(tool: Any) -> bool:
    return isinstance(tool, dict) and isinstance(tool.get("type"), str) and tool["type"].startswith("web_search_")


def features(params: dict, digest: int, hint: str, max_tokens: int, cache_1h_tokens: int) -> dict | None:
    """What the answer to these (valid) params holds beyond plain text; None for a plain request."""
    out: dict[str, Any] = {}
    thinking = params.get("thinking")
    if isinstance(thinking, dict) and thinking.get("type") == "enabled":
        out["thinking"] = thinking["budget_tokens"]
    elif isinstance(thinking, dict) and thinking.get("type") == "adaptive":
        out["thinking"] = max(1, max_tokens // 2)
    output_config = params.get("output_config")
    if isinstance(output_config, dict) and output_config.get("effort") in EFFORTS:
        out["effort"] = output_config["effort"]
    if isinstance(params.get("inference_geo"), str):
        out["geo"] = params["inference_geo"][:64]
    if cache_1h_tokens:
        out["cache_1h"] = cache_1h_tokens
    tools = [t for t in params.get("tools") or [] if isinstance(t, dict)]
    custom = [t for t in tools if _is_custom(t)]
    search = next((t for t in tools if _is_web_search(t)), None)
    given_choice = params.get("tool_choice")
    choice: dict = given_choice if isinstance(given_choice, dict) else {"type": "auto"}
    mode = choice.get("type")
    if mode != "none" and (custom or search):
        calls: list[dict] = []
        if mode == "tool":
            calls = [t for t in custom if t["name"] == choice.get("name")]
        elif custom and (mode == "any" or _bits(digest, 28, 3) != 0):
            calls = [custom[_bits(digest, 32, len(custom))]]
            if len(custom) > 1 and not choice.get("disable_parallel_tool_use") and _bits(digest, 40, 3) == 0:
                calls.append(custom[(custom.index(calls[0]) + 1) % len(custom)])
        if calls:
            out["tool_use"] = [[t["name"], example_value(t["input_schema"], t["input_schema"], digest, hint)]
                               for t in calls]
            out["forced"] = mode in ("any", "tool")
        if search is not None and not (mode == "tool" and choice.get("name") != search.get("name")) \
                and not (mode == "any" and calls):
            max_uses = search.get("max_uses")
            count = 1 + _bits(digest, 12, 2)
            if isinstance(max_uses, int) and not isinstance(max_uses, bool) and max_uses >= 1:
                count = min(count, max_uses)
            allowed = [d for d in search.get("allowed_domains") or [] if isinstance(d, str) and d]
            blocked = {d for d in search.get("blocked_domains") or [] if isinstance(d, str)}
            domains = allowed or [d for d in _DOMAINS if d not in blocked] or ["example.com"]
            out["search"] = {"name": search["name"][:64], "count": count, "domains": domains[:5],
                             "pause": not calls and _bits(digest, 44, 6) == 0}
    return out or None


# -- the answer ----------------------------------------------------------------------------------------------

def _thinking_blocks(budget: int, digest: int, message_id: str, hint: str, effort: str | None) -> tuple[list, int]:
    share = 20 + _bits(digest, 16, 60)   # percent of the budget used
    if effort == "low":
        share //= 3
    used = max(64, min(budget, budget * share // 100))
    start = _bits(digest, 20, len(_THOUGHTS))
    lines = [f"The question is about “{hint}”." if hint else "There is no question text to quote."]
    lines += [_THOUGHTS[(start + i) % len(_THOUGHTS)] for i in range(2 + _bits(digest, 24, 3))]
    blocks: list[dict] = [{"type": "thinking", "thinking": " ".join(lines),
                           "signature": _opaque("signature", message_id, length=344)}]
    if _bits(digest, 48, 5) == 0:
        blocks.append({"type": "redacted_thinking", "data": _opaque("redacted", message_id, length=600)})
    return blocks, used


def _search_blocks(search: dict, digest: int, message_id: str, hint: str) -> tuple[list, list]:
    """server_tool_use + web_search_tool_result pairs, and the results found (for citations)."""
    blocks: list[dict] = []
    found: list[dict] = []
    query = hint or "the question asked"
    domains = search["domains"]
    for i in range(search["count"]):
        tool_id = _id("srvtoolu", message_id, i)
        blocks.append({"type": "server_tool_use", "id": tool_id, "name": "web_search",
                       "input": {"query": query if i == 0 else f"{query} details"}, "caller": dict(_DIRECT)})
        results = []
        for k in range(3):
            n = (i * 3 + k + _bits(digest, 52, 5))
            domain = domains[n % len(domains)]
            result = {"type": "web_search_result", "url": f"https://{domain}/wiki/result-{(digest >> 4) % 997}-{i}{k}",
                      "title": f"{_SEARCH_TITLES[n % len(_SEARCH_TITLES)]} ({domain})",
                      "encrypted_content": _opaque("content", message_id, i, k, length=120),
                      "page_age": _PAGE_AGES[n % len(_PAGE_AGES)]}
            results.append(result)
        found.extend(results)
        blocks.append({"type": "web_search_tool_result", "tool_use_id": tool_id, "content": results,
                       "caller": dict(_DIRECT)})
    return blocks, found


def _citation(result: dict, message_id: str, cited: str) -> dict:
    return {"type": "web_search_result_location", "url": result["url"], "title": result["title"][:512],
            "encrypted_index": _opaque("index", message_id, result["url"], length=48), "cited_text": cited[:150]}


def build(features: dict, text: str, max_tokens: int, digest: int, message_id: str, hint: str) -> dict:
    """Content blocks, stop_reason, output_tokens and the usage fields of an answer with features.

    Thinking tokens are billed in output_tokens (the whole thinking, not the summary shown), and come first:
    what is left of `max_tokens` bounds the rest, in order; a text block is cut where the budget ends, any
    other block is left out, and the answer stops on `max_tokens`."""
    planned: list[tuple[dict, int]] = []   # (block, output tokens it costs)
    budget = features.get("thinking")
    if budget:
        blocks, used = _thinking_blocks(budget, digest, message_id, hint, features.get("effort"))
        planned += [(blocks[0], used)] + [(b, 0) for b in blocks[1:]]
    search = features.get("search")
    calls = features.get("tool_use") or []
    stop = "end_turn"
    found: list[dict] = []
    if search:
        blocks, found = _search_blocks(search, digest, message_id, hint)
        planned.append(({"type": "text", "text": "I'll search the web for this.", "citations": None}, 0))
        planned += [(b, 20 if b["type"] == "server_tool_use" else 0) for b in blocks]
        if search["pause"]:
            stop = "pause_turn"
        else:
            sentences = [s for s in re.split(r"(?<=[.!?])\s+", text) if s]
            first = sentences[0] if sentences else text
            rest = " ".join(sentences[1:])
            planned.append(({"type": "text", "text": "Based on what I found: ", "citations": None}, 0))
            planned.append(({"type": "text", "text": first, "citations": [_citation(found[0], message_id, first)]},
                            0))
            if rest:
                cited = [_citation(found[j], message_id, rest) for j in range(1, min(3, len(found)))]
                planned.append(({"type": "text", "text": " " + rest, "citations": cited}, 0))
    elif calls and not features.get("forced"):
        planned.append(({"type": "text", "text": f"I'll use the {calls[0][0]} tool to answer this.",
                         "citations": None}, 0))
    elif not calls:
        planned.append(({"type": "text", "text": text, "citations": None}, 0))
    if calls and stop != "pause_turn":
        for k, (name, tool_input) in enumerate(calls):
            planned.append(({"type": "tool_use", "id": _id("toolu", message_id, k), "name": name,
                             "input": tool_input, "caller": dict(_DIRECT)}, tokens(len(json.dumps(tool_input))) + 10))
        stop = "tool_use"
    content: list[dict] = []
    spent = 0
    searches = 0
    for block, cost in planned:
        if block["type"] == "text":
            cost = tokens(len(block["text"]))
        if spent + cost > max_tokens:
            if block["type"] == "text":
                content.append({**block, "text": block["text"][:(max_tokens - spent) * 4]})
            elif block["type"] == "thinking":
                content.append(block)
            spent, stop = max_tokens, "max_tokens"
            break
        spent += cost
        content.append(block)
        searches += block["type"] == "server_tool_use"
    if content and content[-1]["type"] == "server_tool_use":   # a search is never left without its result
        content.pop()
        searches -= 1
    usage: dict[str, Any] = {}
    if search:
        usage["server_tool_use"] = {"web_search_requests": searches, "web_fetch_requests": 0}
        usage["extra_input"] = SEARCH_TOKENS * searches
    if not content:
        content.append({"type": "text", "text": "", "citations": None})
    return {"content": content, "stop_reason": stop, "output_tokens": max(1, spent), "usage": usage}
