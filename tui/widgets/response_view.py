"""A request's params and its result as `Text`: the two panes of the request screen, and their raw JSON.

Pure functions of the dicts the journal holds (`browse.request_detail`), so they are easy to test with
hostile payloads. Widgets only show what these return.
"""

from __future__ import annotations

from typing import Any

import orjson
from rich.text import Text

from tui import render
from tui.core.models import ResultRow
from tui.core.safe_text import safe_text
from tui.core.words import plural
from tui.widgets import content_blocks as cb
from tui.widgets import overview_cells
from tui.widgets.request_table import RESULT_STYLES

_SHOWN_PARAMS = ("model", "max_tokens", "system", "messages", "tools")


def _scalar(value: Any) -> str:
    return safe_text(value if isinstance(value, str) else orjson.dumps(value, default=str).decode(), limit=300,
                     single_line=True)


def params_view(params: dict[str, Any] | None, *, show_thinking: bool = False) -> Text:
    """system, messages (every block kind), tools, model, max_tokens and any other params."""
    out = Text()
    if params is None:
        out.append("The journal has no params for this request: the batch was submitted elsewhere "
                   "(adopted), so only its result is known.", style="dim italic")
        return out
    if not isinstance(params, dict):
        cb.json_text(params, out)
        return out
    out.append("model ", style="dim")
    out.append(_scalar(params.get("model", "—")), style="bold")
    out.append("   max_tokens ", style="dim")
    out.append(_scalar(params.get("max_tokens", "—")), style="bold")
    for key, value in params.items():
        if key in _SHOWN_PARAMS:
            continue
        out.append(f"\n{safe_text(key, limit=60, single_line=True)} ", style="dim")
        out.append(_scalar(value))
    system = params.get("system")
    if system:
        cb.heading(out, "system", style="bold green")
        if isinstance(system, list):
            for b in system:
                if isinstance(b, dict) and b.get("type") == "text":
                    cb.body(b.get("text", ""), out)
                    out.append("\n")
                else:
                    cb.block(b, out)
        else:
            cb.body(system, out)
    tools = params.get("tools")
    if isinstance(tools, list) and tools:
        cb.heading(out, f"tools ({len(tools)})", style="bold green")
        for tool in tools:
            if not isinstance(tool, dict):
                cb.json_text(tool, out)
                continue
            out.append("• ")
            out.append(safe_text(tool.get("name", tool.get("type", "?")), limit=120, single_line=True), style="bold")
            if tool.get("type") not in (None, "custom"):   # a server tool: its version says what it is
                out.append(f"  {safe_text(tool['type'], limit=60, single_line=True)}", style="dim")
            if tool.get("description"):
                out.append(" — ")
                out.append(safe_text(tool["description"], limit=2000))
            out.append("\n")
    messages = params.get("messages")
    if isinstance(messages, list):
        for index, message in enumerate(messages, 1):
            if not isinstance(message, dict):
                cb.heading(out, f"message {index}")
                cb.json_text(message, out)
                continue
            role = safe_text(message.get("role", "?"), limit=20, single_line=True)
            cb.heading(out, f"{role} ({index}/{len(messages)})",
                       style="bold reverse green" if role == "user" else "bold reverse #4aa3ff")
            cb.content(message.get("content"), out, show_thinking=show_thinking)
    return out


def _usage(message: dict[str, Any], row: ResultRow | None, out: Text) -> None:
    usage = message.get("usage") or {}
    usage = usage if isinstance(usage, dict) else {}
    parts = [("input", usage.get("input_tokens")), ("output", usage.get("output_tokens")),
             ("cache write", usage.get("cache_creation_input_tokens")),
             ("cache read", usage.get("cache_read_input_tokens"))]
    out.append("usage ", style="dim")
    out.append("  ".join(f"{name} {n:,}" for name, n in parts if _count(n)))
    split = usage.get("cache_creation")
    hour = split.get("ephemeral_1h_input_tokens") if isinstance(split, dict) else None
    if _count(hour) and hour:
        out.append(f" (1h {hour:,})")
    tools = usage.get("server_tool_use")
    searches = tools.get("web_search_requests") if isinstance(tools, dict) else None
    fetches = tools.get("web_fetch_requests") if isinstance(tools, dict) else None
    if _count(searches) and searches:
        out.append(f"  {plural(searches, 'web search')}")
    if _count(fetches) and fetches:
        out.append(f"  {plural(fetches, 'web fetch')}")
    geo = usage.get("inference_geo")
    if isinstance(geo, str) and geo:
        out.append("  region ", style="dim")
        out.append(safe_text(geo, limit=40, single_line=True))
    out.append("\ncost ", style="dim")
    out.append(render.cost(row.cost_usd if row else None))
    if row is not None:
        if row.cost_usd is None:
            out.append(" (price unknown)", style="dim")
        else:
            out.append_text(overview_cells.saving_note(row.cost_usd))


def _count(n: Any) -> bool:
    return isinstance(n, int) and not isinstance(n, bool)


def result_view(raw: dict[str, Any] | None, row: ResultRow | None, batch_ended: bool, *,
                show_thinking: bool = False) -> Text:
    """The response (text, tool_use and thinking blocks, stop_reason, usage, cost), or what went wrong."""
    out = Text()
    result = raw.get("result") if isinstance(raw, dict) else None
    if not isinstance(result, dict):
        if batch_ended:
            out.append("No result in the journal yet: the batch has ended and its results are being "
                       "(or could not be) downloaded.", style="dim italic")
        else:
            out.append("No result yet: the batch is still running.", style="dim italic")
        return out
    kind = safe_text(result.get("type", "?"), limit=30, single_line=True)
    out.append(kind, style=f"bold reverse {RESULT_STYLES.get(kind, 'cyan')}")
    if kind == "succeeded":
        message = result.get("message") or {}
        out.append("  stop_reason ", style="dim")
        stop = message.get("stop_reason")
        out.append(safe_text(stop or "—", limit=40, single_line=True),
                   style="bold yellow" if stop in ("max_tokens", "refusal", "pause_turn") else "bold")
        if message.get("stop_sequence"):
            out.append(f" ({safe_text(message['stop_sequence'], limit=40, single_line=True)})")
        out.append("\nmodel ", style="dim")
        out.append(safe_text(message.get("model", "—"), limit=80, single_line=True))
        out.append("  id ", style="dim")
        out.append(safe_text(message.get("id", "—"), limit=80, single_line=True))
        out.append("\n")
        _usage(message, row, out)
        cb.content(message.get("content"), out, show_thinking=show_thinking)
    elif kind == "errored":
        error = result["error"] if isinstance(result.get("error"), dict) else {}
        inner = error["error"] if isinstance(error.get("error"), dict) else error
        out.append("  ")
        out.append(safe_text(inner.get("type", "unknown error"), limit=80, single_line=True), style="bold red")
        if error.get("request_id"):
            out.append(f"  request {safe_text(error['request_id'], limit=80, single_line=True)}", style="dim")
        out.append("\n\n")
        cb.body(inner.get("message", ""), out, style="red")
    elif kind == "canceled":
        out.append("\n\nThe batch was canceled before this request ran; it was not billed.", style="magenta")
    elif kind == "expired":
        out.append("\n\nThe batch reached its 24-hour expiry before this request ran; it was not billed.",
                   style="yellow")
    else:
        out.append("\n\n")
        cb.json_text(result, out)
    return out


def raw_view(value: Any, title: str) -> Text:
    out = Text()
    cb.heading(out, title, style="bold")
    if value is None:
        out.append("(not in the journal)", style="dim")
    else:
        cb.json_text(value, out)
    return out

