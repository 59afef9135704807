"""The plain-text vocabulary the CLI prints and the TUI styles: one function per concept."""

from __future__ import annotations

import pytest

from tui.core import words
from tui.core.models import BatchRow, RequestCounts


def row(**kw) -> BatchRow:
    base = dict(local_id=7, id="msgbatch_0123456789abcdef", processing_status="in_progress",
                counts=RequestCounts(processing=3))
    base.update(kw)
    return BatchRow(**base)


@pytest.mark.parametrize(("seconds", "text"), [(0, "0s"), (42, "42s"), (65, "1m05s"), (600, "10m"),
                                                (3 * 3600 + 720, "3h12m"), (23 * 3600 + 59 * 60, "23h59m"), (47 * 3600 + 59 * 60, "47h59m"),
                                                (2 * 86400 + 4 * 3600, "2d4h"), (28 * 86400 + 21 * 3600, "28d21h"), (-5, "0s")])
def test_duration(seconds, text):
    assert words.duration(seconds) == text


@pytest.mark.parametrize(("n", "text"), [(0, "0 B"), (999, "999 B"), (3_400, "3.4 kB"), (102_600_000, "102.6 MB"),
                                          (1_200_000_000, "1.2 GB")])
def test_byte_size_in_the_units_the_api_states_its_limits(n, text):
    assert words.byte_size(n) == text


def test_plural_and_outcome():
    assert (words.plural(1, "request"), words.plural(2_000, "request"), words.plural(3, "batch")) == \
        ("1 request", "2,000 requests", "3 batches")
    assert words.outcome(RequestCounts(succeeded=1_380, errored=12, expired=8)) == \
        "1,380 succeeded, 12 errored, 8 expired"
    assert words.outcome(RequestCounts(succeeded=0)) == "0 succeeded"


def test_every_status_word_is_listed_once():
    assert len(set(words.STATUS_WORDS)) == len(words.STATUS_WORDS)
    for kw in ({}, {"processing_status": "canceling"}, {"id": None, "intent_state": "failed"},
               {"id": None, "intent_state": "sending"}, {"gone": True}, {"deleted_at": 1.0},
               {"processing_status": "ended", "counts": RequestCounts(succeeded=1)}, {"processing_status": "odd"}):
        assert words.status_word(row(**kw)) in words.STATUS_WORDS


def test_name_and_short_id_are_safe_and_never_empty():
    assert words.batch_name(row(label="[bold]x\x1b[2J")) == "[bold]x␛[2J"
    assert words.batch_name(row(source_path="/data/in/tickets.jsonl", job_name="job")) == "tickets.jsonl"
    assert words.batch_name(row()) == "batch 7"
    assert words.batch_name(row(adopted=True)) == "batch 7 (adopted)"
    assert words.short_id(row()) == "89abcdef"
    assert words.short_id(row(id=None)) == "#7"


def test_response_text_joins_cited_blocks_as_written_and_error_message_digs_out_the_inner_error():
    line = {"custom_id": "a", "result": {"type": "succeeded", "message": {"content": [
        {"type": "text", "text": "Paris is the capital"},
        {"type": "text", "text": " of France", "citations": [{"cited_text": "…"}]},
        {"type": "tool_use", "id": "t", "name": "x", "input": {}},
        {"type": "text", "text": "."}]}}}
    assert words.response_text(line) == "Paris is the capital of France."
    errored = {"custom_id": "b", "result": {"type": "errored", "error": {
        "type": "error", "error": {"type": "invalid_request_error", "message": "max_tokens: too big"}}}}
    assert words.response_text(errored) == "" and words.error_message(errored) == "max_tokens: too big"
    assert words.error_message(line) == "" and words.response_text(None) == "" and words.error_message([]) == ""


def test_a_batch_whose_results_do_not_match_what_was_sent_says_so():
    ended = dict(processing_status="ended", counts=RequestCounts(succeeded=5))
    assert words.status_word(row(**ended)) == "done"
    assert words.status_word(row(**ended, results_compared=True, results_missing=2)) == "mismatch"
    assert words.status_word(row(**ended, results_compared=True, results_unknown=1)) == "mismatch"
    assert words.status_word(row(**ended, results_compared=True, results_duplicate=3)) == "done"   # first kept
    assert words.result_anomalies(row(**ended, results_missing=3, results_unknown=2, results_duplicate=1)) == \
        "3 results missing, 2 unknown ids, 1 duplicate line"
    assert words.anomaly_words(0, 0, 0) == ""
