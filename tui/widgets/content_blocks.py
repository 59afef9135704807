"""Message content blocks (in requests and responses) as `Text`: every kind, literally and safely.

Text, thinking, tool_use, tool_result, images (described, never drawn), documents, search results, server
tools and any kind we do not know (shown as JSON). All outside text goes through `safe_text` into `Text`
(never markup). A very long text is cut at `TEXT_LIMIT` characters with a note: laying out 1 MB of text
takes over a second, and `y` copies the whole response anyway.
"""

from __future__ import annotations

from typing import Any

import orjson
from rich.text import Text

from tui.core.safe_text import safe_text
from tui.core.words import byte_size, plural

TEXT_LIMIT = 100_000
HEADING = "bold #4aa3ff"


def body(text: object, out: Text, *, style: str = "", limit: int = TEXT_LIMIT) -> None:
    """Append outside text, made safe, cut at `limit` with a note saying how much there was."""
    s = text if isinstance(text, str) else str(text)
    out.append(safe_text(s, limit=limit), style=style)
    if len(s) > limit:
        out.append(f"\n[cut: showing {limit:,} of {len(s):,} characters; `y` copies all, `v` shows raw JSON]",
                   style="dim italic")


def json_text(value: Any, out: Text, *, limit: int = TEXT_LIMIT, style: str = "") -> None:
    try:
        dumped = orjson.dumps(value, option=orjson.OPT_INDENT_2).decode()
    except TypeError:
        dumped = repr(value)
    body(dumped, out, style=style, limit=limit)


def heading(out: Text, label: str, detail: str = "", *, style: str = HEADING) -> None:
    if out and not out.plain.endswith("\n"):
        out.append("\n")
    out.append(f"▍{label}", style=style)
    if detail:
        out.append(f"  {safe_text(detail, limit=200, single_line=True)}", style="dim")
    out.append("\n")


def _source(source: Any) -> str:
    """What an image or document source holds, without its bytes."""
    if not isinstance(source, dict):
        return "no source"
    kind = source.get("type")
    if kind == "base64":
        data = source.get("data") or ""
        return f"{source.get('media_type', '?')}, base64, {byte_size(len(data) * 3 // 4)}"
    if kind == "url":
        return f"url {source.get('url', '?')}"
    if kind == "file":
        return f"file {source.get('file_id', '?')}"
    if kind == "text":
        return f"{source.get('media_type', 'text/plain')}, {len(source.get('data') or ''):,} characters"
    if kind == "content":
        content = source.get("content")
        return plural(len(content) if isinstance(content, list) else 1, "content block")
    return f"{kind} source"


def block(b: Any, out: Text) -> None:
    """One content block, with a heading that says its kind."""
    if not isinstance(b, dict):
        heading(out, "text")
        body(b, out)
        return
    kind = str(b.get("type"))
    if kind == "text":
        heading(out, "text")
        body(b.get("text", ""), out)
        if b.get("citations"):
            out.append(f"\n({plural(len(b['citations']), 'citation')})", style="dim")
    elif kind == "thinking":
        heading(out, "thinking", style="bold magenta")
        body(b.get("thinking", ""), out, style="italic")
    elif kind == "redacted_thinking":
        heading(out, "redacted thinking", style="bold magenta")
        out.append(f"({len(b.get('data') or ''):,} encrypted characters)", style="dim")
    elif kind in ("tool_use", "server_tool_use", "mcp_tool_use"):
        heading(out, kind.replace("_", " "), f"{b.get('name', '?')}  id {b.get('id', '?')}", style="bold cyan")
        json_text(b.get("input", {}), out)
    elif kind in ("tool_result", "mcp_tool_result") or kind.endswith("_tool_result"):
        error = "  (error)" if b.get("is_error") else ""
        heading(out, kind.replace("_", " "), f"for {b.get('tool_use_id', '?')}{error}",
                style="bold red" if error else "bold cyan")
        content = b.get("content")
        if isinstance(content, str):
            body(content, out)
        elif isinstance(content, list):
            inner = Text()
            for item in content:
                block(item, inner)
            out.append(inner)
        elif content is not None:
            json_text(content, out)
    elif kind == "image":
        heading(out, "image", style="bold yellow")
        out.append(safe_text(f"[image: {_source(b.get('source'))}]", limit=400, single_line=True), style="yellow")
    elif kind == "document":
        title = b.get("title")
        heading(out, "document", str(title) if title else "", style="bold yellow")
        source = b.get("source")
        out.append(safe_text(f"[document: {_source(source)}]", limit=400, single_line=True), style="yellow")
        if b.get("context"):
            out.append("\ncontext: ", style="dim")
            body(b["context"], out)
        if isinstance(source, dict) and source.get("type") == "text":
            out.append("\n")
            body(source.get("data", ""), out)
        elif isinstance(source, dict) and source.get("type") == "content":
            inner = Text()
            for item in source.get("content") or []:
                block(item, inner)
            out.append("\n")
            out.append(inner)
    elif kind == "search_result":
        heading(out, "search result", f"{b.get('title', '')}  {b.get('source', '')}", style="bold yellow")
        for item in b.get("content") or []:
            block(item, out)
    else:
        heading(out, kind, style="bold")
        json_text(b, out)


def content(value: Any, out: Text) -> None:
    """A message's `content`: a string, or a list of blocks."""
    if isinstance(value, str):
        body(value, out)
    elif isinstance(value, list):
        for b in value:
            block(b, out)
    elif value is not None:
        json_text(value, out)

