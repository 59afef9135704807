"""`submit` on inputs that used to hang, pass or mislead: a FIFO or a device as the file, params of the wrong
type, an absurd max_tokens. Each is a clear `FILE:LINE: field` message, exit non-zero, nothing sent. The
real CLI as a process (a hang is a failure, not a wait)."""

from __future__ import annotations

import os

from tests.builders import line, request, write_jsonl
from tests.reliability.cli_run import cli


def _line(custom_id: str, **params) -> bytes:
    """The JSONL line of a request saying "hi", with `params` put in (tests/builders.py)."""
    return line(request(custom_id, "hi", **params))


def test_a_fifo_as_the_file_is_refused_without_waiting_for_a_writer(tmp_path, journal_path, emulator_sync) -> None:
    fifo = tmp_path / "requests.jsonl"
    os.mkfifo(fifo)
    run = cli("submit", str(fifo), "--base-url", emulator_sync.base_url, journal=journal_path, timeout=60)
    assert run.code == 1, run.text
    assert f"{fifo}: is a FIFO (named pipe), not a regular file" in run.err
    assert "nothing was sent" in run.err and "Traceback" not in run.text
    assert emulator_sync.batch_ids() == [] and not journal_path.exists()


def test_a_device_or_a_folder_as_the_file_is_refused(tmp_path, journal_path) -> None:
    for path, kind in (("/dev/zero", "a character device"), (str(tmp_path), "a folder")):
        run = cli("submit", path, "--dry-run", journal=journal_path, timeout=60)
        assert run.code == 1 and f"{path}: is {kind}, not a regular file" in run.err, run.text


def test_params_of_the_wrong_type_are_named_by_line_and_field(tmp_path, journal_path, emulator_sync) -> None:
    path = write_jsonl(tmp_path / "types.jsonl", [
        _line("ok"),
        _line("a", messages=["hello"]),
        _line("b", messages=[{"role": 1, "content": "hi"}]),
        _line("c", system=42),
        _line("d", temperature="0.5"),
        _line("e", tools={"name": "x"}),
        _line("f", max_tokens=2 ** 63),
        _line("g", messages=[{"role": "user"}]),
    ])
    run = cli("submit", str(path), "--base-url", emulator_sync.base_url, journal=journal_path, timeout=60)
    assert run.code == 1, run.text
    expected = [
        f"{path}:2: params.messages[0] must be an object with role and content, got string",
        f'{path}:3: params.messages[0].role must be "user" or "assistant", got 1',
        f"{path}:4: params.system must be a string or an array of content blocks, got number",
        f"{path}:5: params.temperature must be a number, got string",
        f"{path}:6: params.tools must be an array, got object",
        f"{path}:7: params.max_tokens must be at most 64,000 for 'claude-haiku-4-5' (its output limit), "
        f"got {2 ** 63:,}",
        f"{path}:8: params.messages[0].content is missing",
        f"{path}: 7 problems; nothing was sent",
    ]
    assert run.err.splitlines() == expected
    assert emulator_sync.batch_ids() == [] and not journal_path.exists()


def test_the_largest_max_tokens_gives_a_bounded_estimate(tmp_path, journal_path) -> None:
    path = write_jsonl(tmp_path / "big.jsonl", [_line("a", max_tokens=64_000)])   # the most claude-haiku-4-5 writes
    run = cli("submit", str(path), "--dry-run", journal=journal_path, timeout=60)
    assert run.code == 0, run.text
    [cost] = [line for line in run.out.splitlines() if "Estimated cost" in line]
    assert "$0." in cost and "," not in cost.split("–")[1].split("at batch")[0], cost   # well under $10
