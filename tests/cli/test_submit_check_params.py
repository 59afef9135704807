"""The pre-submit check knows the current params: content block kinds, system blocks, temperature, tools (client
and server), tool_choice, thinking, output_config, service_tier and each known model's output limit. Each
mistake is named with the file's line and the field, before anything is sent; the current API's good shapes
pass."""

from __future__ import annotations

from tests.builders import request, write_jsonl

WEATHER = {"name": "get_weather", "description": "Weather", "input_schema": {
    "type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}
WEB_SEARCH = {"type": "web_search_20250305", "name": "web_search", "max_uses": 3,
              "allowed_domains": ["example.org"]}
THINK = {"type": "enabled", "budget_tokens": 2048}


def turns(*content) -> list[dict]:
    return [{"role": "user", "content": list(content)}]


GOOD = [
    request("think", max_tokens=4096, thinking=THINK, temperature=1),
    request("adaptive", max_tokens=4096, thinking={"type": "adaptive"}, output_config={"effort": "low"}),
    request("tools", tools=[WEATHER, WEB_SEARCH], tool_choice={"type": "tool", "name": "get_weather"}),
    request("auto", tools=[WEATHER], tool_choice={"type": "auto", "disable_parallel_tool_use": True},
            temperature=0.3, top_p=0.9),
    request("search", tools=[WEB_SEARCH], service_tier="standard_only", inference_geo="us",
            cache_control={"type": "ephemeral", "ttl": "1h"}),
    request("system", system=[{"type": "text", "text": "Be brief.", "cache_control": {"type": "ephemeral"}}]),
    request("blocks", messages=[
        {"role": "user", "content": [{"type": "text", "text": "Look:"},
                                     {"type": "image", "source": {"type": "url", "url": "https://x.test/a.png"}},
                                     {"type": "document", "source": {"type": "text", "media_type": "text/plain",
                                                                     "data": "doc"}}]},
        {"role": "assistant", "content": [
            {"type": "thinking", "thinking": "hmm", "signature": "sig"},
            {"type": "redacted_thinking", "data": "abc"},
            {"type": "tool_use", "id": "toolu_1", "name": "get_weather", "input": {"city": "Lyon"}}]},
        {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_1", "content": "sunny"}]}],
        tools=[WEATHER]),
    request("limit", model="claude-3-5-haiku-20241022", max_tokens=8192),
    request("big", model="claude-opus-4-6", max_tokens=128_000),
]


async def test_the_current_apis_params_pass(dry_run, tmp_path):
    path = write_jsonl(tmp_path / "good.jsonl", GOOD)
    code, text = await dry_run(path)
    assert code == 0, text
    assert f"{path}: {len(GOOD)} requests in 1 batch" in text


MISTAKES = [
    (request("kind", messages=turns({"type": "txt", "text": "hi"})),
     "params.messages[0].content[0].type 'txt' is not a content block kind the API takes"),
    (request("field", messages=turns({"type": "text", "txt": "hi"})),
     "params.messages[0].content[0].text is missing (a text block needs it)"),
    (request("tu", messages=[{"role": "assistant", "content": [{"type": "tool_use", "id": "t", "name": "x",
                                                                 "input": "{}"}]}]),
     "params.messages[0].content[0].input must be an object, got string"),
    (request("plain", messages=turns("hi")), "params.messages[0].content[0] must be a content block object, got string"),
    (request("sysimg", system=[{"type": "image", "source": {"type": "url", "url": "u"}}]),
     'params.system[0].type must be "text" (system takes text blocks), got \'image\''),
    (request("systext", system=[{"type": "text"}]), "params.system[0].text is missing (a text block needs it)"),
    (request("temp", temperature=1.5), "params.temperature must be between 0 and 1, got 1.5"),
    (request("schema", tools=[{"name": "get_weather"}]), "params.tools[0].input_schema is missing"),
    (request("name", tools=[{**WEATHER, "name": "get weather"}]),
     "params.tools[0].name 'get weather' must match ^[a-zA-Z0-9_-]{1,128}$"),
    (request("twice", tools=[WEATHER, WEATHER]),
     "params.tools[1].name 'get_weather' is a duplicate (tool names must be unique)"),
    (request("server", tools=[{"type": "web_search", "name": "web_search"}]),
     "params.tools[0].type 'web_search' is not a server tool type"),
    (request("objtype", tools=[{"name": "f", "input_schema": {"type": "string"}}]),
     'params.tools[0].input_schema.type must be "object", got \'string\''),
    (request("choice", tools=[WEATHER], tool_choice={"type": "required"}),
     'params.tool_choice.type must be "auto", "any", "tool" or "none", got \'required\''),
    (request("choicename", tools=[WEATHER], tool_choice={"type": "tool", "name": "nope"}),
     "params.tool_choice.name 'nope' is not one of params.tools"),
    (request("choicenoname", tools=[WEATHER], tool_choice={"type": "tool"}),
     'params.tool_choice.name is missing (type "tool" names the tool to use)'),
    (request("choicenotools", tool_choice={"type": "any"}), "params.tool_choice.type 'any' needs params.tools"),
    (request("budget", max_tokens=4096, thinking={"type": "enabled", "budget_tokens": 512}),
     "params.thinking.budget_tokens must be at least 1,024, got 512"),
    (request("budgetmax", max_tokens=2048, thinking=THINK),
     "params.thinking.budget_tokens (2,048) must be less than params.max_tokens (2,048)"),
    (request("nobudget", max_tokens=4096, thinking={"type": "enabled"}),
     "params.thinking.budget_tokens is missing (at least 1,024, below max_tokens)"),
    (request("thinktype", max_tokens=4096, thinking={"type": "on", "budget_tokens": 2048}),
     'params.thinking.type must be "enabled", "disabled" or "adaptive", got \'on\''),
    (request("forced", max_tokens=4096, thinking=THINK, tools=[WEATHER], tool_choice={"type": "any"}),
     "params.tool_choice.type 'any' cannot be used with thinking (only \"auto\" or \"none\")"),
    (request("thinktemp", max_tokens=4096, thinking=THINK, temperature=0.5),
     "params.temperature must be 1 (or left out) with thinking, got 0.5"),
    (request("effort", output_config={"effort": "extreme"}),
     'params.output_config.effort must be "low", "medium", "high" or "max", got \'extreme\''),
    (request("config", output_config="fast"), "params.output_config must be an object, got string"),
    (request("over", model="claude-3-5-haiku-20241022", max_tokens=10_000),
     "params.max_tokens must be at most 8,192 for 'claude-3-5-haiku-20241022' (its output limit), got 10,000"),
    (request("bedrock", model="anthropic.claude-3-haiku-20240307-v1:0", max_tokens=5000),
     "params.max_tokens must be at most 4,096 for 'anthropic.claude-3-haiku-20240307-v1:0' (its output limit)"),
    (request("tier", service_tier="priority"),
     'params.service_tier must be "auto" or "standard_only", got \'priority\''),
]


async def test_each_param_mistake_is_named_with_its_line_and_field(dry_run, tmp_path, journal_path):
    path = write_jsonl(tmp_path / "in.jsonl", [request("ok")] + [line for line, _ in MISTAKES])
    code, text = await dry_run(path)
    assert code == 1
    for n, (_, message) in enumerate(MISTAKES, 2):
        assert f"{path}:{n}: {message}" in text, (n, message, text)
    assert f"{path}:1:" not in text
    assert f"{len(MISTAKES)} problems; nothing was sent" in text
    assert not journal_path.exists()
