"""The header line of the dashboard: batches running/ended, requests done of total, errors, spend."""

from __future__ import annotations

from collections.abc import Iterable

from rich.text import Text
from textual.widgets import Static

from tui.core.models import BatchRow
from tui.core.money.pricing import format_usd
from tui.core.words import plural
from tui.render import COUNTS_FLAG, COUNTS_FLAG_STYLE, counts_trouble


def totals_text(rows: Iterable[BatchRow], *, shown: int | None = None, marked: int = 0,
                sort: str | None = None) -> Text:
    running = ended = done = total = errors = failed = odd = 0
    spend = 0.0
    spend_known = False
    n = 0
    for row in rows:
        n += 1
        if row.unfinished:
            running += 1
        elif row.processing_status == "ended":
            ended += 1
        done += row.counts.done
        total += row.total
        errors += row.counts.errored
        failed += row.counts.canceled + row.counts.expired
        if counts_trouble(row):
            odd += 1
        if row.cost_usd is not None:
            spend += row.cost_usd
            spend_known = True
    text = Text(no_wrap=True, overflow="ellipsis")
    text.append(f"{running}", style="bold #4aa3ff")
    text.append(" running  ")
    text.append(f"{ended}", style="bold")
    text.append(" ended  ")
    text.append(f"{done:,}/{total:,}", style="bold")
    text.append(" done  ")
    text.append(f"{errors:,}", style="bold red" if errors else "dim")
    text.append(" errors  ")
    if odd:   # the sums above hold the server's numbers as they came, the odd ones included
        text.append(f"{COUNTS_FLAG} {plural(odd, 'batch')} with odd counts  ", style=COUNTS_FLAG_STYLE)
    # what the table shows now, before the rest: at 80 columns the end of the line is cut
    if shown is not None and shown != n:
        text.append(f"showing {shown} of {n}  ", style="italic")
    if marked:
        text.append(f"{marked} marked  ", style="bold magenta")
    if failed:
        text.append(f"{failed:,}", style="bold yellow")
        text.append(" canc/exp  ")
    text.append(format_usd(spend, places=2) if spend_known else "$—", style="bold green" if spend_known else "dim")
    text.append(" spent")
    if sort:
        text.append(f"   sort: {sort}", style="dim")
    return text


class TotalsBar(Static):
    DEFAULT_CSS = """
    TotalsBar {
        height: 1;
        width: 1fr;
        padding: 0 1;
        background: $boost;
    }
    """

    def show_totals(self, rows: Iterable[BatchRow], *, shown: int | None = None, marked: int = 0,
                    sort: str | None = None) -> None:
        self.update(totals_text(rows, shown=shown, marked=marked, sort=sort))
