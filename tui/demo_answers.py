"""The demo's batch whose answers show every block kind: requests that ask for extended thinking, client tools
(a weather lookup, an order search with an enum and a nested object) and the web search server tool, so the
request view has thinking (and redacted thinking), tool_use, server_tool_use, web search results and cited
text to show. `tui/demo.py` submits it like any other story batch, by its name (`ANSWER_KINDS`)."""

from __future__ import annotations

import random
from collections.abc import Iterator

import orjson

ANSWER_KINDS = "research-assistant-tools.jsonl"
MODEL = "claude-sonnet-4-5"

WEATHER = {"name": "get_weather", "description": "The weather forecast for a city, for up to a week.",
           "input_schema": {"type": "object", "properties": {
               "city": {"type": "string", "description": "City name, e.g. Lyon"},
               "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
               "days": {"type": "integer", "minimum": 1, "maximum": 7}},
               "required": ["city", "unit", "days"]}}
ORDERS = {"name": "find_orders", "description": "Search a customer's orders.",
          "input_schema": {"type": "object", "properties": {
              "customer": {"type": "object", "properties": {"email": {"type": "string", "format": "email"}},
                           "required": ["email"]},
              "status": {"type": "string", "enum": ["open", "shipped", "returned"]},
              "limit": {"type": "integer", "minimum": 1, "maximum": 50}},
              "required": ["customer", "status"]}}
WEB_SEARCH = {"type": "web_search_20250305", "name": "web_search", "max_uses": 3}

_QUESTIONS = ("Why do leaves change colour in fall?", "How do noise-cancelling headphones work?",
              "What is the best way to learn a second language as an adult?",
              "Should a small team use a monorepo?", "How do vaccines train the immune system?",
              "What makes sourdough rise?", "Is it cheaper to rent or buy a flat in Lyon?",
              "How does a heat pump heat a house in winter?")
_TOOL_QUESTIONS = ("Will it rain in Lyon this week?", "Do I need an umbrella in Oslo tomorrow?",
                   "Where are the open orders of jane@example.com?", "Has my last order shipped yet?")
_SEARCH_QUESTIONS = ("What did the latest IPCC report say about sea levels?",
                     "Which European cities opened new tram lines this year?",
                     "What are the current guidelines on daily screen time for children?",
                     "Who won the most recent Tour de France?")


def answer_kinds_requests(count: int, rng: random.Random) -> Iterator[tuple[str, bytes]]:
    """`count` (custom_id, params JSON) pairs, in turn: thinking, tools, web search, thinking with web search."""
    for i in range(count):
        turn = i % 4
        if turn == 0:
            kind, question = "think", rng.choice(_QUESTIONS)
            extra: dict = {"thinking": {"type": "enabled", "budget_tokens": rng.choice((2048, 4096))}}
        elif turn == 1:
            kind, question = "tools", rng.choice(_TOOL_QUESTIONS)
            extra = {"tools": [WEATHER, ORDERS]}
            if rng.random() < 0.3:
                extra["tool_choice"] = {"type": "any"}
        elif turn == 2:
            kind, question = "search", rng.choice(_SEARCH_QUESTIONS)
            extra = {"tools": [WEB_SEARCH]}
        else:
            kind, question = "deep", rng.choice(_SEARCH_QUESTIONS)
            extra = {"tools": [WEB_SEARCH], "thinking": {"type": "enabled", "budget_tokens": 2048}}
        params = {"model": MODEL, "max_tokens": 8192, "messages": [{"role": "user", "content": question}], **extra}
        yield f"{kind}-{i:03d}", orjson.dumps(params)
