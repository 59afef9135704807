"""The dashboard's cell helpers: pure functions of a row and the time, so fixed inputs give fixed text."""

from __future__ import annotations

import pytest
from rich.text import Text

from tui import render
from tui.core import words
from tui.core.models import BatchRow, RequestCounts
from tui.widgets.batch_columns import BATCH_COLUMNS
from tui.widgets.columns import choose_columns
from tui.widgets.totals_bar import totals_text

NOW = 1_790_000_000.0


def row(status="in_progress", counts=RequestCounts(processing=10), **kw) -> BatchRow:
    base = dict(local_id=1, id="msgbatch_0123456789abcdef", processing_status=status, counts=counts,
                created_at=NOW - 3600, expires_at=NOW + 23 * 3600)
    base.update(kw)
    return BatchRow(**base)


@pytest.mark.parametrize(("kw", "word"), [
    ({}, "running"),
    ({"processing_status": "canceling"}, "canceling"),
    ({"processing_status": "ended", "counts": RequestCounts(succeeded=10)}, "done"),
    ({"processing_status": "ended", "counts": RequestCounts(succeeded=9, errored=1)}, "errors"),
    ({"processing_status": "ended", "counts": RequestCounts(succeeded=9, expired=1)}, "expired"),
    ({"processing_status": "ended", "counts": RequestCounts(succeeded=9, canceled=1)}, "canceled"),
    ({"id": None, "processing_status": None, "intent_state": "sending"}, "sending"),
    ({"id": None, "processing_status": None, "intent_state": "failed"}, "refused"),
    ({"id": None, "processing_status": None, "intent_state": "intent",
      "intent_error": "not sent yet: could not reach the server"}, "waiting"),
    ({"id": None, "processing_status": None, "intent_state": "sending",
      "intent_error": "not confirmed yet: could not reach the server"}, "waiting"),
    ({"gone": True}, "gone"),
    ({"deleted_at": NOW}, "deleted"),
])
def test_status_badge_says_what_happened(kw, word):
    r = row(**kw)
    assert words.status_word(r) == word
    badge = render.status_badge(r, NOW)
    assert badge.plain.endswith(word) and badge.style == render.STATUS_STYLES[word]


def test_spinner_follows_the_clock_not_the_wall():
    r = row()
    assert render.status_badge(r, NOW).plain == render.status_badge(r, NOW).plain
    assert render.status_badge(r, NOW).plain != render.status_badge(r, NOW + 0.5).plain


def test_progress_bar_and_counts():
    assert render.progress_bar(0, 10, 4).plain == "░░░░   0%"
    assert render.progress_bar(5, 10, 4).plain == "██░░  50%"
    assert render.progress_bar(10, 10, 4).plain == "████ 100%"
    assert render.progress_bar(1, 0, 4).plain.endswith("0%")
    assert render.count(0).plain == "0" and render.count(12345).plain == "12,345"
    assert render.cost(None).plain == "—" and render.cost(0.0012).plain == "$0.0012"
    assert render.cost(1234.5).plain == "$1,234.50"


def test_names_are_safe_text_and_retries_are_marked():
    r = row(label="[bold]x[/end]\x1b[2J", parent_id="msgbatch_parent")
    name = render.batch_name(r)
    assert isinstance(name, Text) and name.plain == "↻ [bold]x[/end]␛[2J"
    assert render.batch_name(row(source_path="/data/in/file.jsonl")).plain == "file.jsonl"
    assert render.short_id(row(id="msgbatch_0123456789abcdef")).plain == "89abcdef"


def test_columns_fit_the_width_by_priority():
    for width in (60, 80, 120, 200):
        chosen = choose_columns(width, BATCH_COLUMNS)
        assert sum(w + 2 for _, w in chosen) <= width - 2
        keys = [c.key for c, _ in chosen]
        assert {"status", "name", "progress"} <= set(keys)
        assert keys == [c.key for c in BATCH_COLUMNS if c.key in keys]     # display order kept
    assert len(choose_columns(200, BATCH_COLUMNS)) > len(choose_columns(80, BATCH_COLUMNS))


def test_totals_line():
    rows = [row(), row(local_id=2, processing_status="ended", counts=RequestCounts(succeeded=8, errored=2),
                    cost_usd=1.5)]
    text = totals_text(rows, shown=1, marked=1, sort="newest").plain
    for part in ("1 running", "1 ended", "10/20 done", "2 errors", "showing 1 of 2", "1 marked", "$1.50 spent",
                 "sort: newest"):
        assert part in text, part
