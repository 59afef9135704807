"""Cost and time on the dashboard: columns (countdown, sparkline, cost, saving, ETA), a header line
(spent, saved, throughput of all batches, results kept only locally) and the once-per-batch notification
when a batch is an hour from expiry with requests still processing.

`CostTimeDashboard` is mixed into the dashboard screen: after each load of batch rows it reads the facts
(`tui.core.timing.overview.load_facts`) in a worker, takes the due expiry warnings, and hands both back in a
message; the handler updates the header and re-renders the rows. Columns read the last facts loaded.
"""

from __future__ import annotations

from textual import work
from textual.message import Message
from textual.widgets import Static

from tui.core.timing.overview import Facts, SeriesCache, load_facts
from tui.core.models import BatchRow
from tui.core.money.pricing import price_table
from tui.core.timing.deadlines import expiry_notice, take_expiry_warnings
from tui.widgets import cost_time_cells as cells
from tui.widgets.batch_table import Column, register_column


class _Current:
    """The facts the table's cells are drawn from (the dashboard replaces them after every load)."""

    facts: Facts = cells.NO_FACTS


CURRENT = _Current()

# priorities: the countdown and the sparkline stay at 80 columns; cost, saving and ETA as the width grows
COLUMNS = [
    (Column("spark", "Activity", 8, 1, lambda r, c: cells.spark_cell(CURRENT.facts, r)), "errored"),
    (Column("expires", "Expires", 7, 1, lambda r, c: cells.countdown(r, c.now), ticks=True), "id"),
    (Column("cost", "Cost", 9, 4, lambda r, c: cells.spend_cell(CURRENT.facts.spend.get(r.local_id))), "succeeded"),
    (Column("saved", "Saved", 8, 5, lambda r, c: cells.saving_cell(CURRENT.facts.spend.get(r.local_id))), "age"),
    (Column("eta", "ETA", 9, 5, lambda r, c: cells.eta_cell(CURRENT.facts.eta.get(r.local_id))), "age"),
]


def install() -> None:
    """Add the cost/time columns to the batch table and the price date to the help screen (idempotent)."""
    for column, before in COLUMNS:
        register_column(column, before=before)
    from tui.screens import help as help_screen

    if prices_note not in help_screen.NOTES:
        help_screen.NOTES.append(prices_note)


def prices_note() -> str:
    table = price_table()
    note = (f"Prices checked {table.checked_on}; batch = {table.batch_discount:.0%} of standard. "
            "Override: prices.json ($CLAUDE_BATCH_TUI_PRICES).")
    if table.problem:
        note += f"\n{table.problem}"
    return note


class CostTimeBar(Static):
    """The header's cost/time line."""

    DEFAULT_CSS = """
    CostTimeBar {
        height: 1;
        width: 1fr;
        padding: 0 1;
        background: $boost;
    }
    """

    def show_facts(self, facts: Facts) -> None:
        self.update(cells.header(facts))


class CostTimeLoaded(Message):
    def __init__(self, facts: Facts, warned: list[BatchRow]) -> None:
        super().__init__()
        self.facts = facts
        self.warned = warned


class CostTimeDashboard:
    """Mixin for the dashboard screen (which provides `app.journal`, `app.clock`, `apply()`)."""

    _ct_cache: SeriesCache | None = None
    _ct_rows: list[BatchRow] | None = None
    _ct_loading = False

    def load_cost_time(self, rows: list[BatchRow]) -> None:
        """Read the facts for these rows; loads asked for during a load coalesce into one more."""
        self._ct_rows = rows
        if self._ct_loading:
            return
        self._ct_loading = True
        if self._ct_cache is None:            # this screen's first load: no facts of an earlier app
            self._ct_cache = SeriesCache()
            CURRENT.facts = cells.NO_FACTS
        self._load_cost_time()

    @work(group="cost-time", exit_on_error=False)
    async def _load_cost_time(self) -> None:
        try:
            while self._ct_rows is not None:
                rows, self._ct_rows = self._ct_rows, None
                journal = self.app.journal
                facts = await load_facts(journal, rows, self.app.clock.now(), self._ct_cache)
                warned = await take_expiry_warnings(journal, facts.now)
                self.post_message(CostTimeLoaded(facts, warned))
        finally:
            self._ct_loading = False

    def on_cost_time_loaded(self, message: CostTimeLoaded) -> None:
        CURRENT.facts = message.facts
        for bar in self.query(CostTimeBar):
            bar.show_facts(message.facts)
        self.apply()
        for row in message.warned:
            self.app.notify(expiry_notice(row, message.facts.now), title="Expiring soon",
                            severity="warning", timeout=15, markup=False)
            self.app.bell()


install()
