"""Formatting helpers for the UI: each returns a `rich.text.Text` (never a markup string).

Status badges, durations, ages and countdowns, progress bars and counts. Pure functions of a `BatchRow`
(or plain numbers) and the time `now`, so a fixed clock gives fixed pixels in snapshots.
"""

from __future__ import annotations

import os

from rich.text import Text

from tui.core.models import BatchRow
from tui.core.safe_text import safe_text

SPINNER = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"

# status key -> (label, style). The label says what happened, the colour how it went.
BADGES: dict[str, tuple[str, str]] = {
    "running": ("running", "bold #4aa3ff"),
    "canceling": ("canceling", "bold magenta"),
    "done": ("done", "bold green"),
    "errors": ("errors", "bold red"),
    "canceled": ("canceled", "magenta"),
    "expired": ("expired", "bold yellow"),
    "sending": ("sending", "italic cyan"),
    "waiting": ("waiting", "bold yellow"),    # not sent or not confirmed yet: the server could not be reached
    "unsent": ("not sent", "red"),
    "gone": ("gone", "dim"),
    "deleted": ("deleted", "dim"),
    "unknown": ("unknown", "dim"),
}


def status_key(row: BatchRow) -> str:
    """One word for where a batch stands, from its server state and local facts."""
    if row.deleted_at is not None:
        return "deleted"
    if row.gone:
        return "gone"
    if row.id is None:
        if row.intent_state == "failed":
            return "unsent"
        return "waiting" if row.intent_error else "sending"   # an error: the last try did not get through
    status = row.processing_status
    if status == "in_progress":
        return "running"
    if status == "canceling":
        return "canceling"
    if status == "ended":
        c = row.counts
        if c.errored:
            return "errors"
        if c.expired:
            return "expired"
        if c.canceled or row.cancel_initiated_at is not None:
            return "canceled"
        return "done"
    return "unknown"


def status_badge(row: BatchRow, now: float | None = None) -> Text:
    key = status_key(row)
    label, style = BADGES[key]
    if key in ("running", "canceling", "sending") and now is not None:
        mark = SPINNER[int(now * 2) % len(SPINNER)]
    else:
        mark = {"done": "✔", "errors": "✖", "expired": "⌛", "canceled": "⊘", "unsent": "✖"}.get(key, "•")
    return Text(f"{mark} {label}", style=style, no_wrap=True)


def duration(seconds: float) -> str:
    """A short human duration: 42s, 5m, 3h12m, 2d4h."""
    s = int(max(0, seconds))
    if s < 60:
        return f"{s}s"
    m, s = divmod(s, 60)
    if m < 60:
        return f"{m}m{s:02d}s" if m < 10 else f"{m}m"
    h, m = divmod(m, 60)
    if h < 24:
        return f"{h}h{m:02d}m"
    d, h = divmod(h, 24)
    return f"{d}d{h}h" if d < 10 else f"{d}d"


def age(row: BatchRow, now: float) -> Text:
    if row.created_at is None:
        return Text("—", style="dim")
    return Text(duration(now - row.created_at), style="dim", justify="right")


def expiry(row: BatchRow, now: float) -> Text:
    """Time left before the batch expires; warning colours in the last hours, dim once ended."""
    if not row.unfinished or row.expires_at is None:
        return Text("—", style="dim", justify="right")
    left = row.expires_at - now
    if left <= 0:
        return Text("expiring", style="bold red", justify="right")
    style = "bold red" if left < 3600 else "yellow" if left < 4 * 3600 else ""
    return Text(duration(left), style=style, justify="right")


def progress_bar(done: int, total: int, width: int = 10, *, style: str = "green") -> Text:
    """`███▌░░░░  45%` — eighths of a cell for a smooth bar."""
    frac = 0.0 if total <= 0 else min(1.0, done / total)
    eighths = int(frac * width * 8)
    full, part = divmod(eighths, 8)
    bar = "█" * full + (" ▏▎▍▌▋▊▉"[part] if part and full < width else "")
    text = Text(bar, style=style, no_wrap=True)
    text.append("░" * (width - len(bar)), style="dim")
    text.append(f"{int(frac * 100):>4d}%", style="bold" if frac >= 1 else "")
    return text


def batch_progress(row: BatchRow, width: int = 10) -> Text:
    key = status_key(row)
    style = {"errors": "red", "expired": "yellow", "canceled": "magenta", "canceling": "magenta"}.get(key, "green")
    return progress_bar(row.counts.done, row.total, width, style=style)


def count(n: int | None, style: str = "") -> Text:
    """A count with thousands separators, dim when zero."""
    if not n:
        return Text("0" if n == 0 else "—", style="dim", justify="right")
    return Text(f"{n:,}", style=style, justify="right")


def done_of_total(row: BatchRow) -> Text:
    return Text(f"{row.counts.done:,}/{row.total:,}", justify="right", no_wrap=True)


def cost(usd: float | None) -> Text:
    if usd is None:
        return Text("—", style="dim", justify="right")
    if usd < 0.01:
        return Text(f"${usd:.4f}", justify="right")
    return Text(f"${usd:,.2f}", justify="right")


def batch_name(row: BatchRow) -> Text:
    """Label, else source file name, else job name; a retry is marked with ↻."""
    name = row.label or (os.path.basename(row.source_path) if row.source_path else None) or row.job_name
    if not name:
        name = f"batch {row.local_id}"
    text = Text(no_wrap=True, overflow="ellipsis")
    if row.parent_id:
        text.append("↻ ", style="bold cyan")
    text.append(safe_text(name, limit=120, single_line=True))
    return text


def short_id(batch_id: str | None) -> Text:
    """The last 8 characters of a server id (`get_batch` accepts them as a unique suffix)."""
    if not batch_id:
        return Text("—", style="dim")
    return Text(safe_text(batch_id[-8:], single_line=True), style="dim")
