"""A journal holding one batch whose answers have every block kind, made by the emulator's own answer code
(`tui.emulator.responses`), so the request view is tested on real-shaped answers: thinking (with redacted
thinking), tool_use, web search (server_tool_use, results, cited text, pause_turn) and a block kind no
version of the API has sent yet.

    python -m tests.answer_kinds_journal PATH    # writes the journal, to open with `claude-batch-tui --journal PATH`
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Any

from tests.drilldown_journal import connect, insert_batch, insert_requests, insert_results, new_journal
from tui.emulator.responses import message_for, summarize

MODEL = "claude-sonnet-4-5"
WEATHER = {"name": "get_weather", "description": "The weather forecast for a city.",
           "input_schema": {"type": "object", "properties": {
               "city": {"type": "string", "description": "City name"},
               "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
               "days": {"type": "integer", "minimum": 1, "maximum": 7}},
               "required": ["city", "unit", "days"]}}
WEB_SEARCH = {"type": "web_search_20250305", "name": "web_search", "max_uses": 2}


def _params(question: str, **extra: Any) -> dict[str, Any]:
    return {"model": MODEL, "max_tokens": 4096, "messages": [{"role": "user", "content": question}], **extra}


REQUESTS: dict[str, dict[str, Any]] = {
    "thinking": _params("Why do leaves change colour in fall?",
                        thinking={"type": "enabled", "budget_tokens": 2048}),
    "tool": _params("Will it rain in Lyon this week?", tools=[WEATHER]),
    "search": _params("What did the latest IPCC report say about sea levels?", tools=[WEB_SEARCH]),
    "unknown": _params("Tell me something new."),
}
UNKNOWN_BLOCK = {"type": "hologram_2027", "frames": 3, "encoding": {"codec": "lightfield", "bytes": 4096}}


def result_line(custom_id: str) -> dict[str, Any]:
    summary = summarize(custom_id, REQUESTS[custom_id])
    message = message_for(summary, f"msg_01{custom_id.capitalize():0<22}"[:28], 0)
    if custom_id == "unknown":
        message["content"] = [{"type": "text", "text": "Here is something no client has seen:", "citations": None},
                              UNKNOWN_BLOCK]
    return {"custom_id": custom_id, "result": {"type": "succeeded", "message": message}}


async def write_journal(path: Path) -> None:
    await new_journal(path)
    con = connect(path)
    with con:
        insert_batch(con, 1, n=len(REQUESTS), label="every-answer-kind.jsonl",
                     counts={"succeeded": len(REQUESTS), "errored": 0, "canceled": 0, "expired": 0})
        insert_requests(con, 1, REQUESTS.items())
        insert_results(con, 1, (result_line(cid) for cid in REQUESTS))
    con.close()


if __name__ == "__main__":
    target = Path(sys.argv[1])
    target.parent.mkdir(parents=True, exist_ok=True)
    asyncio.run(write_journal(target))
    print(target)
