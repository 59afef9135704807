"""The emulator answers what a request asks for, in the API's shapes: thinking (and sometimes redacted thinking)
before the text with its tokens in output_tokens, tool_use blocks whose inputs are valid for the tool's
input_schema, the web search server tool with cited text and its request count, 1-hour cache writes split out,
and the newer params accepted (effort, service_tier, inference_geo, top-level cache_control). Every results line
is validated against the vendored OpenAPI schemas by the `checked_async` client; answers are deterministic by
seed and request."""

from __future__ import annotations

import json

import jsonschema
import pytest
from emulator_checks import make_requests

MODEL = "claude-sonnet-4-5"
WEATHER = {"name": "get_weather", "description": "Weather for a city",
           "input_schema": {"type": "object", "properties": {
               "city": {"type": "string", "minLength": 2},
               "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
               "days": {"type": "integer", "minimum": 1, "maximum": 7},
               "detail": {"type": "boolean"}},
               "required": ["city", "unit", "days"]}}
NESTED = {"name": "book_trip", "input_schema": {
    "type": "object", "$defs": {"place": {"type": "object", "properties": {
        "code": {"type": "string", "pattern": "^[A-Z]{3}$", "minLength": 3, "maxLength": 3},
        "kind": {"const": "airport"}}, "required": ["code", "kind"]}},
    "properties": {"from": {"$ref": "#/$defs/place"}, "to": {"$ref": "#/$defs/place"},
                   "travellers": {"type": "array", "items": {"type": "string", "format": "email"}, "minItems": 2},
                   "budget": {"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 1},
                   "when": {"anyOf": [{"type": "null"}, {"type": "string", "format": "date"}]},
                   "flex": {"type": ["integer", "null"], "minimum": 3}},
    "required": ["from", "to", "travellers", "budget", "when", "flex"]}}
EMPTY = {"name": "ping", "input_schema": {"type": "object"}}
WEB_SEARCH = {"type": "web_search_20250305", "name": "web_search"}


async def run(emulator, checked_async, requests: list[dict]) -> dict[str, dict]:
    """Send a batch through a schema-checking SDK client, read every results line (each validated), and
    return the ground truth `{custom_id: line}`."""
    client = checked_async(emulator)
    batch = await client.messages.batches.create(requests=requests)
    await emulator.wait_until_ended(batch.id)
    seen = [line.custom_id async for line in await client.messages.batches.results(batch.id)]
    assert sorted(seen) == sorted(r["custom_id"] for r in requests)
    return emulator.results_for(batch.id)


def message(lines: dict[str, dict], custom_id: str) -> dict:
    result = lines[custom_id]["result"]
    assert result["type"] == "succeeded", result
    return result["message"]


def kinds(msg: dict) -> list[str]:
    return [b["type"] for b in msg["content"]]


def text_tokens(msg: dict) -> int:
    return sum(-(-len(b["text"]) // 4) for b in msg["content"] if b["type"] == "text")


async def test_thinking_comes_first_signed_and_is_billed_as_output(emulator, checked_async):
    requests = make_requests(30, max_tokens=6000, thinking={"type": "enabled", "budget_tokens": 3000})
    lines = await run(emulator, checked_async, requests)
    redacted = 0
    for r in requests:
        msg = message(lines, r["custom_id"])
        assert kinds(msg)[0] == "thinking" and kinds(msg)[-1] == "text", kinds(msg)
        assert set(kinds(msg)) <= {"thinking", "redacted_thinking", "text"}
        thinking = msg["content"][0]
        assert thinking["thinking"] and len(thinking["signature"]) > 100
        redacted += "redacted_thinking" in kinds(msg)
        assert msg["stop_reason"] == "end_turn"
        # thinking tokens are in output_tokens: far more than the text shown, never past the budget + text
        assert text_tokens(msg) + 64 <= msg["usage"]["output_tokens"] <= 3000 + text_tokens(msg)
    assert 0 < redacted < len(requests)   # sometimes, not always


async def test_thinking_leaves_the_rest_of_max_tokens_to_the_text(emulator, checked_async):
    requests = make_requests(10, max_tokens=1100, thinking={"type": "enabled", "budget_tokens": 1024})
    lines = await run(emulator, checked_async, requests)
    for r in requests:
        msg = message(lines, r["custom_id"])
        assert kinds(msg)[0] == "thinking"
        assert msg["usage"]["output_tokens"] <= 1100
        if msg["stop_reason"] == "max_tokens":
            assert msg["usage"]["output_tokens"] == 1100


@pytest.mark.parametrize("tool", [WEATHER, NESTED, EMPTY], ids=lambda t: t["name"])
async def test_tool_use_inputs_are_valid_for_the_tools_input_schema(emulator, checked_async, tool):
    requests = make_requests(12, tools=[tool], tool_choice={"type": "any"})
    lines = await run(emulator, checked_async, requests)
    for r in requests:
        msg = message(lines, r["custom_id"])
        assert msg["stop_reason"] == "tool_use"
        assert kinds(msg) == ["tool_use"], kinds(msg)   # a forced tool call has no text before it
        block = msg["content"][0]
        assert block["name"] == tool["name"] and block["id"].startswith("toolu_")
        jsonschema.Draft202012Validator(tool["input_schema"],
                                        format_checker=jsonschema.FormatChecker()).validate(block["input"])


async def test_tool_choice_is_respected(emulator, checked_async):
    tools = [WEATHER, EMPTY]
    requests = (make_requests(10, prefix="auto", tools=tools)
                + make_requests(10, prefix="none", tools=tools, tool_choice={"type": "none"})
                + make_requests(10, prefix="named", tools=tools, tool_choice={"type": "tool", "name": "ping"})
                + make_requests(10, prefix="single", tools=tools,
                                tool_choice={"type": "auto", "disable_parallel_tool_use": True}))
    lines = await run(emulator, checked_async, requests)
    auto = [message(lines, f"auto{i}") for i in range(10)]
    assert any(m["stop_reason"] == "tool_use" for m in auto) and any(m["stop_reason"] == "end_turn" for m in auto)
    for m in auto:
        if m["stop_reason"] == "tool_use":
            assert kinds(m)[0] == "text" and kinds(m)[-1] == "tool_use"   # auto: says what it does first
        else:
            assert kinds(m) == ["text"]
    assert any(kinds(m).count("tool_use") == 2 for m in auto)   # parallel tool use, sometimes
    for i in range(10):
        assert kinds(message(lines, f"none{i}")) == ["text"]
        named = message(lines, f"named{i}")
        assert kinds(named) == ["tool_use"] and named["content"][0]["name"] == "ping"
        assert named["content"][0]["input"] == {}
        assert kinds(message(lines, f"single{i}")).count("tool_use") <= 1


async def test_web_search_gives_results_cited_text_and_a_request_count(emulator, checked_async):
    requests = make_requests(40, tools=[{**WEB_SEARCH, "max_uses": 3}], max_tokens=1024)
    lines = await run(emulator, checked_async, requests)
    stops = set()
    for r in requests:
        msg = message(lines, r["custom_id"])
        stops.add(msg["stop_reason"])
        uses = [b for b in msg["content"] if b["type"] == "server_tool_use"]
        results = [b for b in msg["content"] if b["type"] == "web_search_tool_result"]
        assert uses and [u["id"] for u in uses] == [b["tool_use_id"] for b in results]
        assert all(u["name"] == "web_search" and u["input"]["query"] for u in uses)
        assert msg["usage"]["server_tool_use"]["web_search_requests"] == len(uses) <= 3
        urls = {item["url"] for b in results for item in b["content"]}
        cited = [c for b in msg["content"] if b["type"] == "text" for c in b["citations"] or []]
        if msg["stop_reason"] == "pause_turn":
            assert kinds(msg)[-1] == "web_search_tool_result" and not cited
        else:
            assert msg["stop_reason"] == "end_turn"
            assert cited and all(c["type"] == "web_search_result_location" and c["url"] in urls
                                 and c["title"] and c["cited_text"] for c in cited)
    assert stops == {"end_turn", "pause_turn"}   # sometimes the turn pauses


async def test_web_search_keeps_to_max_uses_and_allowed_domains(emulator, checked_async):
    tool = {**WEB_SEARCH, "max_uses": 1, "allowed_domains": ["docs.example.org"]}
    lines = await run(emulator, checked_async, make_requests(10, tools=[tool]))
    for i in range(10):
        msg = message(lines, f"r{i}")
        assert msg["usage"]["server_tool_use"] == {"web_search_requests": 1, "web_fetch_requests": 0}
        urls = [item["url"] for b in msg["content"] if b["type"] == "web_search_tool_result" for item in b["content"]]
        assert urls and all(u.startswith("https://docs.example.org/") for u in urls)


async def test_a_one_hour_cache_write_is_split_out(emulator, checked_async):
    hour = [{"type": "text", "text": "Long rules. " * 500, "cache_control": {"type": "ephemeral", "ttl": "1h"}},
            {"type": "text", "text": "More rules. " * 500, "cache_control": {"type": "ephemeral"}}]
    five = [{"type": "text", "text": "Other rules. " * 500, "cache_control": {"type": "ephemeral", "ttl": "5m"}}]
    requests = (make_requests(3, prefix="mixed", system=hour) + make_requests(3, prefix="five", system=five)
                + make_requests(3, prefix="top", cache_control={"type": "ephemeral", "ttl": "1h"},
                                system="Top-level caching " * 300))
    lines = await run(emulator, checked_async, requests)

    def writer(prefix: str) -> dict:
        usages = [message(lines, f"{prefix}{i}")["usage"] for i in range(3)]
        written = [u for u in usages if u["cache_creation_input_tokens"]]
        assert len(written) == 1 and sum(bool(u["cache_read_input_tokens"]) for u in usages) == 2
        return written[0]

    mixed = writer("mixed")
    split = mixed["cache_creation"]
    assert split["ephemeral_1h_input_tokens"] == 1500 and split["ephemeral_5m_input_tokens"] == 1500
    assert mixed["cache_creation_input_tokens"] == 3000
    assert writer("five")["cache_creation"] == {"ephemeral_5m_input_tokens": 1625, "ephemeral_1h_input_tokens": 0}
    # top-level cache_control puts the breakpoint on the last block (each request's own question): each
    # writes its whole prompt, here for an hour
    for i in range(3):
        top = message(lines, f"top{i}")["usage"]
        assert top["cache_creation"]["ephemeral_5m_input_tokens"] == 0 and top["cache_read_input_tokens"] == 0
        assert top["cache_creation"]["ephemeral_1h_input_tokens"] == top["cache_creation_input_tokens"] > 1300


async def test_newer_params_are_accepted_and_echoed(emulator, checked_async):
    requests = (make_requests(2, prefix="geo", inference_geo="us", service_tier="standard_only",
                              output_config={"effort": "low"})
                + make_requests(2, prefix="plain"))
    lines = await run(emulator, checked_async, requests)
    for i in range(2):
        usage = message(lines, f"geo{i}")["usage"]
        assert usage["inference_geo"] == "us" and usage["service_tier"] == "batch"
        assert message(lines, f"plain{i}")["usage"]["inference_geo"] is None


BAD = {
    "small-budget": ({"thinking": {"type": "enabled", "budget_tokens": 500}, "max_tokens": 4000},
                     "thinking.enabled.budget_tokens: Input should be greater than or equal to 1024"),
    "budget-over-max": ({"thinking": {"type": "enabled", "budget_tokens": 2048}, "max_tokens": 2048},
                        "`max_tokens` must be greater than `thinking.budget_tokens`"),
    "effort": ({"output_config": {"effort": "extreme"}}, "output_config.effort:"),
    "tier": ({"service_tier": "priority"}, "service_tier:"),
    "choice": ({"tools": [EMPTY], "tool_choice": {"type": "tool", "name": "nope"}}, "tool_choice.name:"),
    "forced-thinking": ({"tools": [EMPTY], "tool_choice": {"type": "any"}, "max_tokens": 4000,
                         "thinking": {"type": "enabled", "budget_tokens": 1024}}, "Thinking may not be enabled"),
    "schema-less": ({"tools": [{"name": "x"}]}, "tools.0.custom.input_schema: Field required"),
    "ttl": ({"cache_control": {"type": "ephemeral", "ttl": "2h"}}, "cache_control:"),
}


async def test_params_the_api_refuses_end_errored_naming_the_field(emulator, checked_async):
    requests = []
    for name, (params, _) in BAD.items():
        requests += make_requests(1, prefix=name, **{"max_tokens": 256, **params})
    lines = await run(emulator, checked_async, requests)
    for name, (_, start) in BAD.items():
        result = lines[f"{name}0"]["result"]
        assert result["type"] == "errored", (name, result)
        assert result["error"]["error"]["message"].startswith(start), (name, result)


async def test_answers_are_the_same_for_the_same_seed_and_request(emulator_factory, checked_async):
    requests = (make_requests(4, prefix="t", max_tokens=4000, thinking={"type": "enabled", "budget_tokens": 2000})
                + make_requests(4, prefix="u", tools=[WEATHER, NESTED])
                + make_requests(4, prefix="w", tools=[WEB_SEARCH]))
    answers = []
    for seed in (5, 5, 6):
        async with emulator_factory(seed=seed) as emu:
            lines = await run(emu, checked_async, requests)
            answers.append(json.dumps({k: v["result"]["message"]["content"] for k, v in sorted(lines.items())}))
    assert answers[0] == answers[1]
    assert answers[0] != answers[2]   # ids and signatures come from the seed


async def test_a_state_file_keeps_what_each_request_asked_for(emulator_factory, checked_async, tmp_path):
    from tui.emulator import state_file

    requests = (make_requests(3, prefix="t", max_tokens=4000, thinking={"type": "enabled", "budget_tokens": 2000})
                + make_requests(3, prefix="w", tools=[WEB_SEARCH, WEATHER]))
    async with emulator_factory(seed=3) as emu:
        lines = await run(emu, checked_async, requests)
        batch_id = emu.batch_ids()[0]
        state_file.save(emu, tmp_path / "state.json")
    async with emulator_factory(seed=3) as again:
        state_file.load(again, tmp_path / "state.json")
        assert again.results_for(batch_id) == lines
    shown = {b["type"] for line in lines.values() for b in line["result"]["message"]["content"]}
    assert {"thinking", "server_tool_use", "web_search_tool_result"} <= shown


async def test_a_hostile_input_schema_still_gets_a_small_answer(emulator, checked_async):
    loop = {"type": "object", "properties": {"next": {"$ref": "#/$defs/node"}}, "required": ["next"],
            "$defs": {"node": {"$ref": "#/$defs/node"}}}
    huge = {"type": "object", "properties": {"s": {"type": "string", "minLength": 10 ** 9},
                                             "a": {"type": "array", "minItems": 10 ** 9, "items": {"type": "integer"}}},
            "required": ["s", "a"]}
    tools = [{"name": "loop", "input_schema": loop}, {"name": "huge", "input_schema": huge}]
    requests = (make_requests(2, prefix="loop", tools=tools, tool_choice={"type": "tool", "name": "loop"})
                + make_requests(2, prefix="huge", tools=tools, tool_choice={"type": "tool", "name": "huge"}))
    lines = await run(emulator, checked_async, requests)
    for cid in lines:
        msg = message(lines, cid)
        assert kinds(msg) == ["tool_use"] or msg["stop_reason"] == "max_tokens"
        assert len(json.dumps(msg)) < 20_000
