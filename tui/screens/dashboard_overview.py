"""Cost and time on the dashboard: the header line (saved, throughput of all batches, results kept only
locally) under the totals, the facts behind the cost/time columns, and the once-per-batch notification when a
batch is an hour from expiry with requests still processing.

`DashboardOverview` is mixed into the dashboard screen: after each load of batch rows it reads the overview
(`tui.core.timing.overview.load_overview`) in a worker, takes the due expiry warnings, and hands both back in
a message; the handler gives the overview to the table (its cells read it from their `CellContext`) and the
header line, and re-renders the rows.
"""

from __future__ import annotations

from textual import work
from textual.message import Message
from textual.widgets import Static

from tui.core.models import BatchRow
from tui.core.timing.deadlines import expiry_notice, take_expiry_warnings
from tui.core.timing.overview import Overview, SeriesCache, load_overview
from tui.screens.base import AppScreen
from tui.widgets import overview_cells as cells
from tui.widgets.batch_table import BatchTable


class OverviewBar(Static):
    """The header's cost/time line."""

    DEFAULT_CSS = """
    OverviewBar {
        height: 1;
        width: 1fr;
        padding: 0 1;
        background: $boost;
    }
    """

    def show_overview(self, overview: Overview) -> None:
        self.update(cells.header(overview))


class OverviewLoaded(Message):
    def __init__(self, overview: Overview, warned: list[BatchRow]) -> None:
        super().__init__()
        self.overview = overview
        self.warned = warned


class DashboardOverview(AppScreen[None]):
    """Mixed into the dashboard screen: `load_overview(rows)` after every load of its rows."""

    def apply(self) -> None:
        """Redraw the rows from what the screen holds (the dashboard defines it)."""

    _ov_cache: SeriesCache | None = None
    _ov_rows: list[BatchRow] | None = None
    _ov_loading = False

    def load_overview(self, rows: list[BatchRow]) -> None:
        """Read the overview for these rows; loads asked for during a load coalesce into one more."""
        self._ov_rows = rows
        if self._ov_loading:
            return
        self._ov_loading = True
        if self._ov_cache is None:
            self._ov_cache = SeriesCache()
        self._load_overview()

    @work(group="overview", exit_on_error=False)
    async def _load_overview(self) -> None:
        try:
            while self._ov_rows is not None:
                rows, self._ov_rows = self._ov_rows, None
                overview = await load_overview(self.journal, rows, self.app.clock.now(), self._ov_cache)
                warned = await take_expiry_warnings(self.journal, overview.now)
                self.post_message(OverviewLoaded(overview, warned))
        finally:
            self._ov_loading = False

    def on_overview_loaded(self, message: OverviewLoaded) -> None:
        self.query_one(BatchTable).overview = message.overview
        self.query_one(OverviewBar).show_overview(message.overview)
        self.apply()
        for row in message.warned:
            self.app.notify(expiry_notice(row, message.overview.now), title="Expiring soon",
                            severity="warning", timeout=15, markup=False)
            self.app.bell()
