"""An API key with a line break inside (pasted from a file, a wrapped terminal) is named as such by every
command and the TUI, not reported as "could not reach the server"; the key itself is never printed."""

from __future__ import annotations

from tests.cli.test_submit_hostile_inputs import _line
from tests.reliability.cli_run import cli


def test_an_api_key_with_a_line_break_is_named_not_a_network_error(tmp_path, journal_path, emulator_sync) -> None:
    path = tmp_path / "ok.jsonl"
    path.write_bytes(_line("a") + b"\n")
    key = "sk-ant-api03-first-half\nsecond-half"
    for argv in (("submit", str(path)), ("watch",), ()):
        run = cli(*argv, "--base-url", emulator_sync.base_url, journal=journal_path, key=key, timeout=60)
        assert run.code == 2, (argv, run.text)
        assert run.err.strip() == "claude-batch-tui: ANTHROPIC_API_KEY contains a line break (character 24); " \
                                  "set it to the key alone, on one line", (argv, run.text)
        assert "first-half" not in run.text and "second-half" not in run.text
    assert emulator_sync.batch_ids() == []
