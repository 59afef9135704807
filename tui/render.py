"""The one UI module that styles the app's words: each function returns a `rich.text.Text` (never a markup
string) around the plain word `tui.core.words` gives the CLI too.

Status badges, ages, progress bars, counts, names and ids. Pure functions of a `BatchRow` (or plain numbers)
and the time `now`, so a fixed clock gives fixed pixels in snapshots.
"""

from __future__ import annotations

from rich.text import Text

from tui.core import words
from tui.core.models import BatchRow
from tui.core.money.pricing import format_usd

SPINNER = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"

# status word -> style. The word says what happened, the colour how it went.
STATUS_STYLES: dict[str, str] = {
    "running": "bold #4aa3ff",
    "canceling": "bold magenta",
    "done": "bold green",
    "errors": "bold red",
    "mismatch": "bold red",
    "canceled": "magenta",
    "expired": "bold yellow",
    "sending": "italic cyan",
    "waiting": "bold yellow",    # not sent or not confirmed yet: the server could not be reached
    "refused": "red",
    "gone": "dim",
    "deleted": "dim",
    "unknown": "dim",
}
_MARKS = {"done": "✔", "errors": "✖", "mismatch": "≠", "expired": "⌛", "canceled": "⊘", "refused": "✖"}


def status_badge(row: BatchRow, now: float | None = None) -> Text:
    word = words.status_word(row)
    if word in ("running", "canceling", "sending") and now is not None:
        mark = SPINNER[int(now * 2) % len(SPINNER)]
    else:
        mark = _MARKS.get(word, "•")
    return Text(f"{mark} {word}", style=STATUS_STYLES[word], no_wrap=True)


def age(row: BatchRow, now: float) -> Text:
    if row.created_at is None:
        return Text("—", style="dim")
    return Text(words.duration(now - row.created_at), style="dim", justify="right")


def counts_trouble(row: BatchRow) -> str:
    """What is wrong with the server's request counts for this batch, in plain words ("" when nothing): a
    negative count, counts that do not add up to the requests sent, or an ended batch still processing.
    The numbers are shown as they came, with this beside them, never quietly mended."""
    c = row.counts
    negative = [f"{name} {n:,}" for name, n in (("processing", c.processing), ("succeeded", c.succeeded),
                                                ("errored", c.errored), ("canceled", c.canceled),
                                                ("expired", c.expired)) if n < 0]
    if negative:
        return "negative from the server: " + ", ".join(negative)
    sent = row.intent_request_count
    if sent and c.total and c.total != sent:
        return f"add up to {c.total:,}, not the {words.plural(sent, 'request')} sent"
    if row.processing_status == "ended" and c.processing:
        return f"ended with {c.processing:,} still processing"
    return ""


COUNTS_FLAG = "⚠"
COUNTS_FLAG_STYLE = "bold yellow"


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
    if counts_trouble(row):   # no bar drawn from numbers that cannot be right: the Done column shows them
        return Text(f"{COUNTS_FLAG} counts?", style=COUNTS_FLAG_STYLE, no_wrap=True)
    word = words.status_word(row)
    style = {"errors": "red", "expired": "yellow", "canceled": "magenta", "canceling": "magenta"}.get(word, "green")
    return progress_bar(row.counts.done, row.total, width, style=style)


def count(n: int | None, style: str = "") -> Text:
    """A count with thousands separators, dim when zero."""
    if not n:
        return Text("0" if n == 0 else "—", style="dim", justify="right")
    return Text(f"{n:,}", style=style, justify="right")


def done_of_total(row: BatchRow) -> Text:
    """`done/total`; counts that are negative or do not add up are shown as they came, flagged."""
    text = Text(f"{row.counts.done:,}/{row.total:,}", justify="right", no_wrap=True)
    if counts_trouble(row):
        text.stylize(COUNTS_FLAG_STYLE)
        text.append(f" {COUNTS_FLAG}", style=COUNTS_FLAG_STYLE)
    return text


def cost(usd: float | None, *, places: int | None = None) -> Text:
    """`format_usd`, right-aligned; a dim dash when nothing is known yet."""
    if usd is None:
        return Text("—", style="dim", justify="right")
    return Text(format_usd(usd, places=places), justify="right", no_wrap=True)


def batch_name(row: BatchRow) -> Text:
    """The batch's name (`words.batch_name`); a retry is marked with ↻."""
    text = Text(no_wrap=True, overflow="ellipsis")
    if row.parent_id:
        text.append("↻ ", style="bold cyan")
    text.append(words.batch_name(row))
    return text


def short_id(row: BatchRow) -> Text:
    """`words.short_id`, dim."""
    return Text(words.short_id(row), style="dim")
