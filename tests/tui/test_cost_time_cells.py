"""Cost/time cells at fixed clock values: countdown text and colour escalation, spend, ETA, header."""

from __future__ import annotations

import pytest

from tui.core.timing.overview import Overview
from tui.core.models import BatchRow, RequestCounts
from tui.core.money.spend import Spend
from tui.core.timing.throughput import Eta
from tui.widgets import overview_cells as cells

T0 = 1_800_000_000.0
DAY = 86_400.0


def row(status="in_progress", **kw) -> BatchRow:
    counts = RequestCounts(processing=5) if status != "ended" else RequestCounts(succeeded=5)
    return BatchRow(local_id=1, id="msgbatch_1", processing_status=status, counts=counts, created_at=T0,
                    expires_at=T0 + DAY, **kw)


@pytest.mark.parametrize(("elapsed", "text", "style"), [
    (0, "24h00m", ""),
    (DAY - 6 * 3600 - 60, "6h01m", ""),
    (DAY - 6 * 3600, "6h00m", "bold yellow"),
    (DAY - 3600, "1h00m", "bold white on red"),
    (DAY - 61, "1m01s", "bold white on red"),
    (DAY + 5, "expiring", "bold red"),
])
def test_countdown(elapsed, text, style) -> None:
    cell = cells.countdown(row(), T0 + elapsed)
    assert (cell.plain, str(cell.style)) == (text, style)


def test_countdown_dash_once_ended() -> None:
    assert cells.countdown(row("ended"), T0).plain == "—"


def test_retention_cells() -> None:
    assert cells.retention(row(), T0).plain == "—"
    assert cells.retention(row("ended", ingest_state="complete"), T0 + DAY).plain == "28d0h"
    assert cells.retention(row("ended", ingest_state="none"), T0 + 27.5 * DAY).plain == "not saved, 36h00m"
    assert cells.retention(row("ended", ingest_state="complete"), T0 + 30 * DAY).plain == "local only"
    assert cells.retention(row("ended", ingest_state="none"), T0 + 30 * DAY).plain == "lost"


def test_spend_and_saving_cells() -> None:
    assert cells.spend_cell(None).plain == "—"
    assert cells.spend_cell(Spend(1.5, 3.0)).plain == "$1.50"
    assert cells.spend_cell(Spend(1.5, 3.0, 2)).plain == "$1.50+?"
    assert cells.spend_cell(Spend(None, None, 2)).plain == "unknown price"
    assert cells.saving_cell(Spend(1.5, 3.0)).plain == "$1.50"
    assert cells.saving_cell(Spend()).plain == "—"


def test_eta_cell() -> None:
    assert cells.eta_cell(None).plain == "—"
    assert cells.eta_cell(Eta(None, None, "no estimate yet")).plain == "no est."
    assert cells.eta_cell(Eta(90, "similar", "~1m 30s")).plain == "~1m 30s"


def test_header() -> None:
    facts = Overview(total=Spend(2.0, 4.0), all_series=[0, 0, 3, 9], local_only=[1, 2], awaiting_ingest=[3])
    assert cells.header(facts).plain == "saved $2.00 vs standard  ▁▁▃█ 1h  1 to save  2 local only"
    assert cells.header(Overview()).plain == "saved $0.00 vs standard"
    assert cells.header(Overview(total=Spend(None, None, 3), lost=[4])).plain == \
        "saved $0.00 vs standard  3 at unknown price  1 lost"


def test_expiry_notice_is_plain_and_safe() -> None:
    from tui.core.timing.deadlines import expiry_notice

    text = expiry_notice(row(label="nightly\x1b[2J[/b]"), T0 + DAY - 1800)
    assert text.startswith("nightly") and "\x1b" not in text
    assert "expires in 30m with 5 requests still processing" in text


def test_saving_note() -> None:
    assert cells.saving_note(0.0021).plain == "  at batch prices; $0.0042 at standard, saved $0.0021"
    assert cells.saving_note(0.0).plain == ""


def test_batch_pairs() -> None:
    from tui.core.timing.overview import BatchCostTime

    pairs = dict((k, v.plain) for k, v in cells.batch_pairs(
        row("ended", ingest_state="complete"), BatchCostTime(Spend(0.5, 1.0), None, Spend(0.75, 1.5), 2), T0))
    assert pairs == {"Cost": "$0.50 · saved $0.50", "Job cost": "$0.75 over 2 batches",
                     "Retention": "local + server (29d0h left)"}
    running = dict((k, v.plain) for k, v in cells.batch_pairs(
        row(), BatchCostTime(None, Eta(None, None, "no estimate yet", "why")), T0))
    assert running == {"Cost": "—", "ETA": "no estimate yet  (why)"}
