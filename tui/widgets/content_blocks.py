"""Message content blocks (in requests and responses) as `Text`: every kind, literally and safely.

Text (a run of text blocks reads as one passage, its citations numbered and their sources listed under it),
thinking (collapsed to one line unless asked for: `THINKING_KEY` or a click on it shows it), redacted
thinking (a one-line note), tool_use / server_tool_use (inputs as pretty JSON), tool results, web search
results (a list of title, url and age), images (described, never drawn), documents, search results, and any
kind we do not know (shown as JSON). All outside text goes through `safe_text` into `Text`
(never markup). A very long text is cut at `TEXT_LIMIT` characters with a note: laying out 1 MB of text
takes over a second, and `y` copies the whole response anyway.
"""

from __future__ import annotations

from typing import Any

import orjson
from rich.style import Style
from rich.text import Text

from tui.core.safe_text import safe_text
from tui.core.words import byte_size, plural

TEXT_LIMIT = 100_000
HEADING = "bold #4aa3ff"
THINKING_KEY = "t"
TOGGLE_THINKING = "screen.toggle_thinking"   # the action a click on a thinking heading runs


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
    out.append(f"▍{safe_text(label, limit=80, single_line=True)}", style=style)
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


def _clickable(action: str) -> Style:
    return Style(meta={"@click": action})


def _thinking(b: dict[str, Any], out: Text, show: bool) -> None:
    thought = b.get("thinking")
    thought = thought if isinstance(thought, str) else ""
    if show:
        heading(out, "thinking", f"{len(thought):,} characters · {THINKING_KEY} hides it", style="bold magenta")
        body(thought, out, style="italic")
        return
    if out and not out.plain.endswith("\n"):
        out.append("\n")
    out.append("▸ thinking", style=Style.parse("bold magenta") + _clickable(TOGGLE_THINKING))
    out.append(f"  {len(thought):,} characters, hidden · {THINKING_KEY} or a click shows it",
               style=Style.parse("dim") + _clickable(TOGGLE_THINKING))
    out.append("\n")


def _redacted(b: dict[str, Any], out: Text) -> None:
    data = b.get("data")
    if out and not out.plain.endswith("\n"):
        out.append("\n")
    out.append("▍redacted thinking", style="bold magenta")
    out.append(f"  encrypted, not readable ({len(data) if isinstance(data, str) else 0:,} characters)\n",
               style="dim")


def _text_run(run: list[dict[str, Any]], out: Text) -> None:
    """Consecutive text blocks as one passage: citation marks [n] after the text they support, then the
    sources (title and url) once each."""
    heading(out, "text")
    sources: dict[str, tuple[int, str]] = {}   # url (or a key for a source without one) -> (number, title)
    for b in run:
        body(b.get("text", ""), out)
        citations = b.get("citations")
        if not isinstance(citations, list):
            continue
        marks = []
        for c in citations:
            if not isinstance(c, dict):
                continue
            url = c.get("url") if isinstance(c.get("url"), str) else None
            title = c.get("title") if isinstance(c.get("title"), str) else None
            title = title or c.get("document_title") or c.get("source") or str(c.get("type", "source"))
            key = url or f"{title}#{c.get('start_char_index', c.get('start_page_number', ''))}"
            if key not in sources:
                sources[key] = (len(sources) + 1, str(title))
            mark = sources[key][0]
            if mark not in marks:
                marks.append(mark)
        if marks:
            out.append("".join(f"[{m}]" for m in marks), style="bold #4aa3ff")
    if sources:
        out.append("\nsources\n", style="dim")
        for key, (number, title) in sources.items():
            out.append(f"[{number}] ", style="bold #4aa3ff")
            out.append(safe_text(title, limit=200, single_line=True))
            if key.startswith(("http://", "https://")) or "#" not in key:
                out.append("\n    ")
                out.append(safe_text(key, limit=300, single_line=True), style="underline")
            out.append("\n")


def _web_results(b: dict[str, Any], out: Text) -> None:
    results = b.get("content")
    if isinstance(results, list):
        heading(out, "web search results", f"{plural(len(results), 'result')} for {b.get('tool_use_id', '?')}",
                style="bold cyan")
        for item in results:
            if not isinstance(item, dict) or item.get("type") != "web_search_result":
                block(item, out)
                continue
            out.append("• ")
            out.append(safe_text(item.get("title") or "(no title)", limit=200, single_line=True), style="bold")
            if item.get("page_age"):
                out.append(f"  {safe_text(item['page_age'], limit=40, single_line=True)}", style="dim")
            out.append("\n  ")
            out.append(safe_text(item.get("url", "?"), limit=300, single_line=True), style="underline")
            out.append("\n")
    else:
        code = results.get("error_code", "?") if isinstance(results, dict) else "?"
        heading(out, "web search results", f"for {b.get('tool_use_id', '?')}  (error)", style="bold red")
        out.append(safe_text(f"the search failed: {code}", limit=200, single_line=True), style="red")


def block(b: Any, out: Text, *, show_thinking: bool = False) -> None:
    """One content block, with a heading that says its kind."""
    if not isinstance(b, dict):
        heading(out, "text")
        body(b, out)
        return
    kind = str(b.get("type"))
    if kind == "text":
        _text_run([b], out)
    elif kind == "thinking":
        _thinking(b, out, show_thinking)
    elif kind == "redacted_thinking":
        _redacted(b, out)
    elif kind == "web_search_tool_result":
        _web_results(b, out)
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
                block(item, inner, show_thinking=show_thinking)
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
        heading(out, kind, "a kind this version does not know, shown as JSON", style="bold")
        json_text(b, out)


def content(value: Any, out: Text, *, show_thinking: bool = False) -> None:
    """A message's `content`: a string, or a list of blocks (a run of text blocks reads as one passage)."""
    if isinstance(value, str):
        body(value, out)
    elif isinstance(value, list):
        run: list[dict[str, Any]] = []
        for b in value:
            if isinstance(b, dict) and b.get("type") == "text":
                run.append(b)
                continue
            if run:
                _text_run(run, out)
                run = []
            block(b, out, show_thinking=show_thinking)
        if run:
            _text_run(run, out)
    elif value is not None:
        json_text(value, out)

