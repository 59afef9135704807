"""What the journal knows about one batch, above its request table: server fields, job, retries, ingest.

Laid out as label/value pairs, two pairs a line at 80 columns and three from 120; a value too long for its
share of a line (a batch id, a retention, a job's file) takes a whole line of its own after the line being
filled, and wraps there rather than being cut; facts that have no value (no cancel, no parent, no poll error)
take no line. Every value that came from outside (label, file name, ids, errors, URL) goes through
`safe_text` into a `Text`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from rich.cells import cell_len
from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.widget import Widget

from tui import render
from tui.core import words
from tui.core.clock import format_ts
from tui.core.timing.overview import BatchCostTime
from tui.core.models import BatchRow
from tui.core.safe_text import safe_text
from tui.widgets import overview_cells


@dataclass(slots=True)
class Facts:
    batch: BatchRow
    parent: BatchRow | None = None
    children: list[BatchRow] = field(default_factory=list)
    ingest_error: str | None = None
    job_final: tuple[int, int, int] | None = None   # (custom_ids, succeeded, batches) over its retry family
    cost_time: BatchCostTime | None = None           # spend, saving, ETA (tui.core.timing.overview)


def _safe(value: object, limit: int = 120, style: str = "") -> Text:
    return Text(safe_text(value, limit=limit, single_line=True), style=style, no_wrap=True, overflow="ellipsis")


def _when(ts: float | None, now: float, *, future: bool = False) -> Text:
    if ts is None:
        return Text("—", style="dim")
    stamp = (format_ts(ts) or "")[:16].replace("T", " ")
    delta = ts - now if future else now - ts
    rel = f"in {words.duration(delta)}" if future and delta > 0 else f"{words.duration(abs(delta))} ago"
    return Text.assemble(stamp, (f" ({rel})", "dim"), no_wrap=True, overflow="ellipsis")


def _link(row: BatchRow) -> Text:
    text = render.short_id(row)
    text.stylize("bold")
    text.append(" ")
    text.append(render.status_badge(row))
    return text


def fact_pairs(facts: Facts, now: float, wide: bool) -> list[tuple[str, Text]]:
    b = facts.batch
    c = b.counts
    pairs: list[tuple[str, Text]] = []
    status = render.status_badge(b, now)
    if b.processing_status:
        status.append(f"  {safe_text(b.processing_status, limit=20, single_line=True)}", style="dim")
    pairs.append(("Status", status))
    pairs.append(("Batch", _safe(b.id or "(not created yet)", 80, "bold")))
    pairs.append(("Name", render.batch_name(b)))
    if b.job_name or b.source_path:
        job = _safe(os.path.basename(b.source_path) if b.source_path else b.job_name, 60)
        if b.chunk_index is not None and (b.chunk_count or 0) > 1:
            job.append(f"  chunk {b.chunk_index + 1} of {b.chunk_count}", style="dim")
        pairs.append(("Job", job))
    requests = Text(f"{b.total:,}", style="bold")
    if c.processing:
        requests.append(f"  {c.processing:,} processing", style="#4aa3ff")
    pairs.append(("Requests", requests))
    results = Text(no_wrap=True, overflow="ellipsis")
    for n, word, style in ((c.succeeded, "ok", "green"), (c.errored, "err", "bold red"),
                           (c.canceled, "canc", "magenta"), (c.expired, "exp", "yellow")):
        if results:
            results.append(" · ", style="dim")
        results.append(f"{n:,} {word}", style=style if n else "dim")
    pairs.append(("Results", results))
    if trouble := render.counts_trouble(b):   # the numbers above are the server's, as they came
        pairs.append(("Counts", Text(f"{render.COUNTS_FLAG} {trouble}", style=render.COUNTS_FLAG_STYLE)))
    pairs.append(("Created", _when(b.created_at, now)))
    if b.ended_at is not None:
        pairs.append(("Ended", _when(b.ended_at, now)))
    if b.unfinished or b.ended_at is None:
        expires = _when(b.expires_at, now, future=True)
        if b.unfinished and b.expires_at is not None and b.expires_at - now < 4 * 3600:
            expires.stylize("bold red" if b.expires_at - now < 3600 else "yellow")
        pairs.append(("Expires", expires))
    if b.cancel_initiated_at is not None:
        pairs.append(("Canceled", _when(b.cancel_initiated_at, now)))
    if b.archived_at is not None:
        pairs.append(("Archived", _when(b.archived_at, now)))
    ingest = Text(safe_text(b.ingest_state, limit=20, single_line=True),
                  style={"complete": "green", "partial": "yellow", "unavailable": "red"}.get(b.ingest_state, "dim"))
    if b.ingest_state != "none":
        ingest.append(f"  {b.results_ingested:,}/{b.total:,}", style="dim")
    pairs.append(("Ingest", ingest))
    if words.result_anomalies(b):   # the results stream against what was sent: only said when something is off
        pairs.append(("Check", Text(words.result_anomalies(b), style="bold red" if b.results_mismatch else "yellow",
                                    no_wrap=True, overflow="ellipsis")))
    if facts.cost_time is not None:
        pairs.extend(overview_cells.batch_pairs(b, facts.cost_time, now))
    else:
        pairs.append(("Cost", render.cost(b.cost_usd)))
    if facts.parent is not None or b.parent_id:
        pairs.append(("Retry of", _link(facts.parent) if facts.parent else _safe(b.parent_id, 80)))
    if facts.children:
        kids = Text(no_wrap=True, overflow="ellipsis")
        for child in facts.children:
            if kids:
                kids.append(", ")
            kids.append(_link(child))
        pairs.append(("Retried by", kids))
    if facts.job_final is not None:
        total, ok, batches = facts.job_final
        pairs.append(("Job final", Text.assemble((f"{ok:,}/{total:,} succeeded", "green" if ok == total else "yellow"),
                                                 (f"  over {words.plural(batches, 'batch')}", "dim"), no_wrap=True)))
    adopted = "adopted (submitted elsewhere" + ("; results not checked)" if b.results_compared is False else ")")
    flags = [w for w, on in ((adopted, b.adopted), ("gone from the server", b.gone),
                             ("deleted on the server", b.deleted_at is not None)) if on]
    if flags:
        pairs.append(("Note", Text(", ".join(flags), style="yellow")))
    if b.last_polled_at is not None and (wide or b.unfinished):
        pairs.append(("Polled", _when(b.last_polled_at, now)))
    if b.last_poll_error:
        pairs.append(("Poll error", _safe(b.last_poll_error, 200, "red")))
    if b.intent_error:
        pairs.append(("Submit", _safe(b.intent_error, 200, "red")))
    if facts.ingest_error:
        pairs.append(("Ingest error", _safe(facts.ingest_error, 200, "red")))
    if wide and b.results_url:
        pairs.append(("Results at", _safe(b.results_url, 200, "dim")))
    return pairs


class BatchFacts(Widget):
    DEFAULT_CSS = """
    BatchFacts {
        height: auto;
        padding: 0 1;
        background: $boost;
    }
    """

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.facts: Facts | None = None
        self.now = 0.0
        self.missing: int | None = None

    def show(self, facts: Facts, now: float) -> None:
        self.facts = facts
        self.now = now
        self.refresh(layout=True)

    def show_missing(self, local_id: int) -> None:
        self.facts = None
        self.missing = local_id
        self.refresh(layout=True)

    def tick(self, now: float) -> None:
        self.now = now
        self.refresh()

    def render(self) -> Group | Text:
        if self.facts is None:
            if self.missing is not None:
                return Text(f"Batch {self.missing} is not in the journal (deleted?). Press escape to go back.",
                            style="yellow")
            return Text("Opening the batch…", style="dim")
        width = self.size.width or 80
        return Group(*fact_lines(fact_pairs(self.facts, self.now, wide=width >= 118), width))


GAP = 2   # between two pairs on a line

Pair = tuple[str, Text]


def fact_lines(pairs: list[Pair], width: int) -> list[Text | Table]:
    """The pairs as lines of `width` cells: up to three pairs a line from 118 cells, two below (or fewer,
    whichever takes fewer lines), in columns as wide as their widest label and value. A value that would not
    fit beside the others gets a line of its own (after the line being filled, so no line is left half-empty
    in between) and wraps there: nothing is cut."""
    layouts = [_grid(pairs, n, width) for n in ((3, 2, 1) if width >= 118 else (2, 1))]
    lines, labels, values = min(layouts, key=lambda layout: len(layout[0]))   # the first shortest: most a line
    out: list[Text | Table] = []
    for line in lines:
        if len(line) == 1 and (len(values) == 1 or _need(line[0]) > values[0]):
            out.append(_whole_line(*line[0], labels[0], width))
            continue
        text = Text(no_wrap=True, overflow="ellipsis")
        for i, (label, value) in enumerate(line):
            if i:
                text.append(" " * GAP)
            text.append(label.rjust(labels[i]) + " ", style="dim")
            cell = value.copy()
            cell.justify = "left"
            if i < len(line) - 1:
                cell.truncate(values[i], pad=True)
            text.append_text(cell)
        out.append(text)
    return out


def _need(pair: Pair) -> int:
    return cell_len(pair[1].plain)


def _grid(pairs: list[Pair], per_line: int, width: int) -> tuple[list[list[Pair]], list[int], list[int]]:
    """Lines of `per_line` pairs and the width of each label and value column, the longest values set on
    lines of their own until the columns fit `width`."""
    alone: set[int] = set()
    while True:
        lines: list[list[Pair]] = []
        grid: list[list[int]] = []          # the indexes of the pairs in each line of the grid
        filling: list[int] = []
        after: list[int] = []
        for i in range(len(pairs)):
            if i in alone:
                if filling:
                    after.append(i)
                else:
                    lines.append([pairs[i]])
                continue
            filling.append(i)
            if len(filling) == per_line:
                lines.append([pairs[j] for j in filling])
                grid.append(filling)
                lines.extend([pairs[j]] for j in after)
                filling, after = [], []
        if filling:
            lines.append([pairs[j] for j in filling])
            grid.append(filling)
        lines.extend([pairs[j]] for j in after)
        labels = [max((cell_len(pairs[row[c]][0]) for row in grid if c < len(row)), default=0)
                  for c in range(per_line)]
        labels[0] = max([labels[0], *(cell_len(pairs[i][0]) for i in alone)])   # a line of its own aligns too
        values = [max((_need(pairs[row[c]]) for row in grid if c < len(row)), default=0) for c in range(per_line)]
        if per_line == 1 or sum(labels) + sum(values) + per_line + GAP * (per_line - 1) <= width:
            return lines, labels, values
        alone.add(max((i for row in grid for i in row), key=lambda i: _need(pairs[i])))


def _whole_line(label: str, value: Text, label_w: int, width: int) -> Table:
    """One pair across the line; its value wraps under itself."""
    grid = Table.grid(padding=(0, 1, 0, 0))
    grid.add_column(width=label_w, style="dim", justify="right", no_wrap=True)
    grid.add_column(width=max(1, width - label_w - 1))
    cell = value.copy()
    cell.justify = "left"
    cell.no_wrap = False
    cell.overflow = "fold"
    grid.add_row(label, cell)
    return grid
