"""A checked plan in a few human lines, the same in the CLI (`submit --dry-run`, before sending) and in the
TUI's submit dialog: the totals, one line per batch when there are several, then the cost range."""

from __future__ import annotations

from tui.core.money.estimate import estimate_plan, format_estimate
from tui.core.submit.check import Plan
from tui.core.words import byte_size, plural


def plan_summary(plan: Plan, *, max_batch_lines: int | None = None) -> list[str]:
    """`1,200 requests in 2 batches, 1.3 MB`, `  batch 1: …` per batch (at most `max_batch_lines`), the cost."""
    n = len(plan.chunks)
    lines = [f"{plural(plan.request_count, 'request')} in {plural(n, 'batch')}, {byte_size(plan.total_bytes)}"]
    if n > 1:
        shown = plan.chunks if max_batch_lines is None else plan.chunks[:max_batch_lines]
        for chunk in shown:
            lines.append(f"  batch {chunk.index + 1}: {plural(chunk.request_count, 'request')}, "
                         f"{byte_size(chunk.bytes)} (lines {chunk.first_line}-{chunk.last_line})")
        if len(shown) < n:
            lines.append(f"  … and {plural(n - len(shown), 'more batch')}")
    lines.append(format_estimate(estimate_plan(plan)))
    return lines
