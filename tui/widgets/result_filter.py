"""One-line summaries above and below a batch's request table: the result filter with its counts, the
error types and how often each failed, and "showing N–M of T"."""

from __future__ import annotations

from rich.text import Text

from tui.core.journal.pages import FILTERS
from tui.core.safe_text import safe_text
from tui.widgets.request_table import RESULT_STYLES


def filter_line(counts: dict[str, int] | None, active: str, search: str | None) -> Text:
    """`f` all 1,000 · succeeded 900 · errored 80 · …, the active filter highlighted, and the search."""
    text = Text(no_wrap=True, overflow="ellipsis")
    text.append("f ", style="bold")
    for i, name in enumerate(FILTERS):
        if i:
            text.append(" · ", style="dim")
        n = None if counts is None else counts.get(name, 0)
        label = name if n is None else f"{name} {n:,}"
        if name == active:
            text.append(f" {label} ", style="reverse bold " + RESULT_STYLES.get(name, ""))
        else:
            text.append(label, style=RESULT_STYLES.get(name, "") if n else "dim")
    if counts is not None and counts.get("pending"):
        text.append(f" · {counts['pending']:,} pending", style="dim italic")
    if search:
        text.append("   / ", style="bold")
        text.append(safe_text(search, limit=60, single_line=True), style="underline")
    return text


def error_summary_line(summary: list[tuple[str, int]]) -> Text:
    """What failed and how often: `errors: overloaded_error 3,334 · api_error 12`."""
    text = Text(no_wrap=True, overflow="ellipsis")
    if not summary:
        return text
    text.append("errors: ", style="bold red")
    for i, (error_type, n) in enumerate(summary):
        if i:
            text.append(" · ", style="dim")
        text.append(safe_text(error_type, limit=60, single_line=True), style="red")
        text.append(f" {n:,}")
    return text


def position_line(span: tuple[int, int], total: int | None, cursor: int | None, active: str,
                  search: str | None) -> Text:
    """`showing 1–20 of 100,000 · row 3` (or why nothing is shown)."""
    if total is None:
        return Text("loading…", style="dim")
    if total == 0:
        what = "no requests" if active == "all" else f"no {active} requests"
        if search:
            what += f" matching “{safe_text(search, limit=40, single_line=True)}”"
        return Text(what, style="dim italic")
    first, last = span
    text = Text(f"showing {first:,}–{last:,} of {total:,}", no_wrap=True)
    if cursor is not None:
        text.append(f" · row {cursor + 1:,}", style="dim")
    return text
