"""Cost and time as table cells and header pieces: spend and saving, the expiry countdown with colour
escalation, throughput sparklines and ETAs. Pure functions of a `BatchRow`, a time and the `Overview` the
screen loaded (`tui.core.timing.overview.load_overview`); nothing here touches the journal.
"""

from __future__ import annotations

from rich.text import Text

from tui.core.timing import deadlines as tl
from tui.core.timing.overview import BatchCostTime, Overview, span_label
from tui.core.models import BatchRow
from tui.core.money.pricing import UNKNOWN_PRICE, format_usd, price_table
from tui.core.money.spend import Spend
from tui.core.timing.throughput import Eta
from tui.core.words import plural
from tui.widgets.sparkline import sparkline

LEVEL_STYLES = {"ok": "", "warn": "bold yellow", "danger": "bold white on red", "passed": "bold red"}


def countdown(row: BatchRow, now: float) -> Text:
    """Time left before an unfinished batch expires: plain, yellow in the last 6 h, red in the last hour."""
    c = tl.expiry_countdown(row, now)
    if c is None:
        return Text("—", style="dim", justify="right")
    return Text(c.text, style=LEVEL_STYLES[c.level], justify="right", no_wrap=True)


def retention(row: BatchRow, now: float) -> Text:
    """For an ended batch: days before the server deletes its results, or where they live now."""
    where = tl.results_location(row, now)
    if where is None:
        return Text("—", style="dim")
    if where == tl.LOCAL_ONLY:
        return Text("local only", style="cyan")
    if where == tl.LOST:
        return Text("lost", style="bold red")
    c = tl.retention_countdown(row, now)
    text = c.text if c else "?"
    style = {"warn": "yellow", "danger": "bold red"}.get(c.level if c else "", "dim")
    return Text(("not saved, " if where == tl.ON_SERVER else "") + text, style=style, no_wrap=True)


RETENTION_CELL = 10   # the dashboard column's width: "local only", "to save", "28d23h"


def retention_cell(row: BatchRow, now: float) -> Text:
    """The dashboard's retention column, never wider than `RETENTION_CELL`: how long the server keeps an
    ended batch's results (saved here too), "to save" while they are only on the server (red in their last
    three days; the batch view says how long), "local only" or "lost" once the server has deleted them, "—"
    while the batch runs."""
    where = tl.results_location(row, now)
    if where == tl.ON_SERVER:
        c = tl.retention_countdown(row, now)
        late = c is not None and c.level in ("warn", "danger")
        return Text("to save", style="bold red" if late else "yellow", no_wrap=True)
    return retention(row, now)


def spend_cell(spend: Spend | None) -> Text:
    """`$1.23`, `$1.23+?` (some results have no known price), `unknown price`, or `—` before any result."""
    if spend is None or (spend.cost_usd is None and not spend.unknown):
        return Text("—", style="dim", justify="right")
    if spend.cost_usd is None:
        return Text(UNKNOWN_PRICE, style="yellow", justify="right", no_wrap=True)
    text = Text(format_usd(spend.cost_usd), justify="right", no_wrap=True)
    if spend.unknown:
        text.append("+?", style="yellow")
    return text


def saving_cell(spend: Spend | None) -> Text:
    saving = spend.saving_usd if spend is not None else None
    if saving is None:
        return Text("—", style="dim", justify="right")
    return Text(format_usd(saving), style="green", justify="right", no_wrap=True)


def eta_cell(eta: Eta | None) -> Text:
    if eta is None:
        return Text("—", style="dim", justify="right")
    if eta.seconds is None:
        return Text("no est.", style="dim italic", justify="right")
    text = "soon" if eta.text == "any moment" else eta.text   # the cell is 9 wide; the batch view says more
    return Text(text, style="" if eta.basis == "counts" else "italic", justify="right", no_wrap=True)


def spark_cell(overview: Overview, row: BatchRow) -> Text:
    series = overview.series.get(row.local_id)
    return sparkline(series) if series else Text("", no_wrap=True)


def header(overview: Overview) -> Text:
    """`saved $1.23 vs standard  ▁▂▅█▃ 1h  2 local only`: the header's cost/time line (the totals line
    above it already says what was spent)."""
    text = Text(no_wrap=True, overflow="ellipsis")
    total = overview.total
    text.append("saved ", style="dim")
    if total.saving_usd is not None:
        text.append(format_usd(total.saving_usd), style="bold green")
    else:
        text.append("$0.00", style="dim")
    text.append(" vs standard", style="dim")
    if total.unknown:
        text.append(f"  {total.unknown:,} at unknown price", style="yellow")
    if overview.all_series:
        text.append("  ")
        text.append_text(sparkline(overview.all_series))
        text.append(f" {span_label(overview.all_span)}", style="dim")
    if overview.lost:
        text.append(f"  {len(overview.lost)} lost", style="bold red")
    if overview.awaiting_ingest:
        text.append(f"  {len(overview.awaiting_ingest)} to save", style="yellow")
    if overview.local_only:
        text.append(f"  {len(overview.local_only)} local only", style="cyan")
    return text


def batch_pairs(row: BatchRow, ct: BatchCostTime, now: float) -> list[tuple[str, Text]]:
    """Label/value pairs for the batch view: cost and saving, the ETA and how it was made, and for an ended
    batch where its results are and how long the server keeps them."""
    cost = spend_cell(ct.spend)
    if ct.spend is not None and ct.spend.saving_usd is not None:
        cost.append(" · saved ", style="dim")
        cost.append(format_usd(ct.spend.saving_usd), style="green")
    pairs = [("Cost", cost)]
    if ct.job_spend is not None:
        job = spend_cell(ct.job_spend)
        job.append(f" over {plural(ct.job_batches, 'batch')}", style="dim")
        pairs.append(("Job cost", job))
    if ct.eta is not None:
        eta = Text(ct.eta.text, style="bold" if ct.eta.seconds is not None else "dim italic", no_wrap=True,
                   overflow="ellipsis")
        if ct.eta.detail:
            eta.append(f"  ({ct.eta.detail})", style="dim")
        pairs.append(("ETA", eta))
    if row.processing_status == "ended":
        where = tl.results_location(row, now)
        kept = retention(row, now)
        if where == tl.BOTH:
            kept = Text.assemble("local + server ", ("(", "dim"), kept, (" left)", "dim"))
        elif where == tl.LOCAL_ONLY:
            kept = Text("local only (the server deleted them)", style="cyan")
        elif where == tl.LOST:
            kept = Text("lost (deleted on the server before saved)", style="bold red")
        pairs.append(("Retention", kept))
    return pairs


def saving_note(batch_cost: float) -> Text:
    """After a request's cost: what it would have cost at standard prices."""
    standard = price_table().realtime_from_batch(batch_cost)
    if not batch_cost or standard is None:
        return Text("")
    return Text.assemble(("  at batch prices; ", "dim"), (format_usd(standard), ""), (" at standard, saved ", "dim"),
                         (format_usd(standard - batch_cost), "green"))
