"""Benchmark the emulator as users run it: `claude-batch-tui emulator` in a child process, the real SDK in this one.

Prints: time to create a 100,000-request batch (~100 MB body), results lines per second streamed through the
SDK, and the emulator process's memory (peak RSS sampled while the results stream, and its lifetime peak
VmHWM, which includes the create). Target: under 300 MB while streaming.

    .venv/bin/python bench/emulator.py [--requests 100000] [--prompt-chars 900]
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import anthropic


def _emulator_command() -> list[str]:
    script = Path(sys.executable).with_name("claude-batch-tui")
    if script.exists():
        return [str(script)]
    found = shutil.which("claude-batch-tui")
    return [found] if found else [sys.executable, "-m", "tui"]


def _status_kb(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise KeyError(field)


class RssSampler(threading.Thread):
    """Samples a process's resident set size every few milliseconds; keeps the peak."""

    def __init__(self, pid: int, every: float = 0.01) -> None:
        super().__init__(daemon=True)
        self.pid, self.every, self.peak_kb = pid, every, 0
        self._halt = threading.Event()

    def run(self) -> None:
        while not self._halt.is_set():
            self.peak_kb = max(self.peak_kb, _status_kb(self.pid, "VmRSS"))
            self._halt.wait(self.every)

    def stop(self) -> int:
        self._halt.set()
        self.join()
        return self.peak_kb


def _requests(n: int, prompt_chars: int) -> list[dict]:
    filler = ("Summarise the following passage in two sentences, keeping every number exact. " * 40)
    return [{"custom_id": f"req-{i:06d}",
             "params": {"model": "claude-haiku-4-5", "max_tokens": 300,
                        "messages": [{"role": "user", "content": f"#{i} " + filler[:prompt_chars]}]}}
            for i in range(n)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=100_000)
    parser.add_argument("--prompt-chars", type=int, default=900)
    args = parser.parse_args()

    proc = subprocess.Popen([*_emulator_command(), "emulator", "--port", "0", "--request-ms", "0"],
                            stdout=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline()
        base_url = line.split("listening on ")[1].strip()
        idle_kb = _status_kb(proc.pid, "VmRSS")
        requests = _requests(args.requests, args.prompt_chars)
        with anthropic.Anthropic(api_key="bench", base_url=base_url, timeout=600, max_retries=0) as client:
            started = time.perf_counter()
            batch = client.messages.batches.create(requests=requests)
            create_s = time.perf_counter() - started
            del requests
            after_create_kb = _status_kb(proc.pid, "VmRSS")
            while client.messages.batches.retrieve(batch.id).processing_status != "ended":
                time.sleep(0.1)
            sampler = RssSampler(proc.pid)
            sampler.start()
            started = time.perf_counter()
            lines = sum(1 for _ in client.messages.batches.results(batch.id))
            stream_s = time.perf_counter() - started
            streaming_peak_kb = sampler.stop()
        lifetime_peak_kb = _status_kb(proc.pid, "VmHWM")
    finally:
        proc.terminate()
        proc.wait(timeout=30)

    mb = 1024
    body_mb = args.requests * (args.prompt_chars + 130) / 1e6
    print(f"requests in the batch:            {args.requests:,} (body ~{body_mb:.0f} MB)")
    print(f"create (SDK call, end to end):    {create_s:.2f} s")
    print(f"results streamed through the SDK: {lines:,} lines in {stream_s:.2f} s = {lines / stream_s:,.0f} lines/s")
    print(f"emulator RSS idle:                {idle_kb / mb:.0f} MB")
    print(f"emulator RSS after create:        {after_create_kb / mb:.0f} MB")
    print(f"emulator peak RSS while streaming:{streaming_peak_kb / mb:>4.0f} MB (target < 300 MB)")
    print(f"emulator lifetime peak (VmHWM):   {lifetime_peak_kb / mb:.0f} MB (includes the create)")
    return 0 if lines == args.requests and streaming_peak_kb < 300 * mb else 1


if __name__ == "__main__":
    raise SystemExit(main())
