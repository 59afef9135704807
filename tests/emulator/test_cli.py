"""`claude-batch-tui emulator` as a process: prints its URL, serves the docs' flow, stops cleanly on Ctrl-C."""

from __future__ import annotations

import signal
import subprocess
import sys
import time

import anthropic
import pytest
from emulator_checks import make_requests


def _start(*args: str) -> tuple[subprocess.Popen, str]:
    proc = subprocess.Popen([sys.executable, "-m", "tui", "emulator", "--port", "0", *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    first = proc.stdout.readline()
    assert "listening on http://127.0.0.1:" in first, (first, proc.stderr.read() if proc.poll() else "")
    return proc, first.split("listening on ")[1].strip()


def _stop(proc: subprocess.Popen) -> str:
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=20)
    assert proc.returncode == 0, err
    assert "emulator stopped" in out and "Traceback" not in err
    return out + err


def test_command_serves_the_documented_flow():
    proc, base_url = _start("--request-ms", "2", "--seed", "5")
    try:
        with anthropic.Anthropic(api_key="any-key", base_url=base_url) as client:
            batch = client.messages.batches.create(requests=make_requests(100))
            while client.messages.batches.retrieve(batch.id).processing_status != "ended":
                time.sleep(0.05)
            results = list(client.messages.batches.results(batch.id))
        assert sorted(r.custom_id for r in results) == sorted(f"r{i}" for i in range(100))
        assert all(r.result.type == "succeeded" for r in results)
    finally:
        _stop(proc)


def test_command_with_api_key_refuses_others():
    proc, base_url = _start("--api-key", "secret-1")
    output = ""
    try:
        with anthropic.Anthropic(api_key="other", base_url=base_url) as client:
            with pytest.raises(anthropic.AuthenticationError):
                client.messages.batches.list()
        with anthropic.Anthropic(api_key="secret-1", base_url=base_url) as client:
            assert client.messages.batches.list().data == []
    finally:
        output = _stop(proc)
    assert "secret-1" not in output  # the key is never printed


def test_bad_flags_are_refused():
    result = subprocess.run([sys.executable, "-m", "tui", "emulator", "--fail-http", "2"],
                            capture_output=True, text=True, timeout=30)
    assert result.returncode == 2 and "between 0 and 1" in result.stderr


def test_state_file_keeps_batches_across_restarts(tmp_path):
    state = tmp_path / "emu-state.json"
    proc, base_url = _start("--state", str(state), "--request-ms", "1")
    try:
        with anthropic.Anthropic(api_key="k", base_url=base_url) as client:
            done = client.messages.batches.create(requests=make_requests(20, prefix="d"))
            while client.messages.batches.retrieve(done.id).processing_status != "ended":
                time.sleep(0.02)
            before = [r.model_dump() for r in client.messages.batches.results(done.id)]
    finally:
        assert "saved 1 batch " in _stop(proc)
    proc, base_url = _start("--state", str(state))
    try:
        with anthropic.Anthropic(api_key="k", base_url=base_url) as client:
            assert [b.id for b in client.messages.batches.list()] == [done.id]
            assert [r.model_dump() for r in client.messages.batches.results(done.id)] == before
            newer = client.messages.batches.create(requests=make_requests(1))
            assert newer.id != done.id
    finally:
        _stop(proc)


def test_unusable_state_file_is_a_clear_error(tmp_path):
    state = tmp_path / "broken.json"
    state.write_text("{not json")
    result = subprocess.run([sys.executable, "-m", "tui", "emulator", "--port", "0", "--state", str(state)],
                            capture_output=True, text=True, timeout=30)
    assert result.returncode == 1 and "broken.json: not a usable emulator state file" in result.stderr
    assert "Traceback" not in result.stderr


def test_every_fault_flag_reaches_the_config():
    from tui.cli import build_parser
    from tui.commands.emulator import config_from_args

    args = build_parser().parse_args(
        ["emulator", "--fail-http", "0.1", "--fail-requests", "0.2", "--cut-results", "0.3", "--latency-ms", "4",
         "--rate-limit", "50", "--ambiguous-creates", "0.5", "--slow-create-answers", "600",
         "--foreign-results", "0.01", "--missing-results", "0.02", "--duplicate-results", "0.03",
         "--clock-offset", "-600"])
    config = config_from_args(args)
    assert (config.fail_http, config.fail_requests, config.cut_results, config.latency_ms, config.rate_limit_rpm,
            config.ambiguous_creates, config.slow_create_answer_ms) == (0.1, 0.2, 0.3, 4.0, 50.0, 0.5, 600.0)
    assert (config.foreign_results, config.missing_results, config.duplicate_results) == (0.01, 0.02, 0.03)
    assert config.clock_offset_s == -600.0
