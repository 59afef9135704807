"""The `emulator` command: run the local Batches API emulator alone until Ctrl-C."""

from __future__ import annotations

import argparse
import asyncio
import math
import signal
import sys
from pathlib import Path

from tui.emulator import Emulator, EmulatorConfig, state_file


def _rate(text: str) -> float:
    value = float(text)
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"must be between 0 and 1, got {text}")
    return value


def _non_negative(text: str) -> float:
    value = float(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must not be negative, got {text}")
    return value


def _positive(text: str) -> float:
    value = float(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be positive, got {text}")
    return value


def _finite(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text}") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"must be a finite number, got {text}")
    return value


def add_arguments(parser: argparse.ArgumentParser) -> None:
    defaults = EmulatorConfig()
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default: 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8765, help="port (default: 8765; 0 = any free port)")
    parser.add_argument("--seed", type=int, default=0, help="seed for ids, order and faults (default: 0)")
    parser.add_argument("--time-scale", type=_positive, default=1.0, metavar="X",
                        help="emulated seconds per real second (with --request-ms 100000 and 3600, "
                             "a 1,000-request batch reaches its 24 h expiry in 24 real seconds)")
    parser.add_argument("--request-ms", type=_non_negative, default=defaults.request_ms, metavar="MS",
                        help=f"emulated time per request, one after another (default: {defaults.request_ms:g}: "
                             "1,000 requests end in about 10 s)")
    parser.add_argument("--api-key", metavar="KEY",
                        help="accept only this key (default: any non-empty key)")
    parser.add_argument("--fail-http", type=_rate, default=0.0, metavar="RATE",
                        help="share of HTTP answers that are 429 / 500 / 529")
    parser.add_argument("--fail-requests", type=_rate, default=0.0, metavar="RATE",
                        help="share of requests that end errored (api_error / overloaded_error)")
    parser.add_argument("--cut-results", type=_rate, default=0.0, metavar="RATE",
                        help="share of results downloads cut off part-way")
    parser.add_argument("--foreign-results", type=_rate, default=0.0, metavar="RATE",
                        help="after that share of results lines, add a line for a custom_id never sent in the batch")
    parser.add_argument("--missing-results", type=_rate, default=0.0, metavar="RATE",
                        help="leave that share of results lines out of the results stream")
    parser.add_argument("--duplicate-results", type=_rate, default=0.0, metavar="RATE",
                        help="send that share of results lines twice")
    parser.add_argument("--latency-ms", type=_non_negative, default=0.0, metavar="MS",
                        help="delay added to every answer")
    parser.add_argument("--rate-limit", type=_non_negative, default=0.0, metavar="RPM",
                        help="answer 429 (with retry-after) beyond this many requests per minute (default: no limit)")
    parser.add_argument("--ambiguous-creates", type=_rate, default=0.0, metavar="RATE",
                        help="share of creates carried out but answered 500 (a blind retry duplicates the batch)")
    parser.add_argument("--slow-create-answers", type=_non_negative, default=0.0, metavar="MS",
                        help="carry out each create at once but answer it MS later (kill the client meanwhile: "
                             "the batch exists, the client never learnt its id)")
    parser.add_argument("--clock-offset", type=_finite, default=0.0, metavar="SECONDS",
                        help="run the server's clock this far ahead (negative: behind) of this machine's: every "
                             "time it hands out and its date header are shifted")
    parser.add_argument("--state", type=Path, metavar="FILE",
                        help="keep batches across restarts: load FILE on start if it exists, save it on stop")


def config_from_args(args: argparse.Namespace) -> EmulatorConfig:
    return EmulatorConfig(host=args.host, port=args.port, seed=args.seed, time_scale=args.time_scale,
                          request_ms=args.request_ms, api_key=args.api_key, fail_http=args.fail_http,
                          fail_requests=args.fail_requests, cut_results=args.cut_results,
                          foreign_results=args.foreign_results, missing_results=args.missing_results,
                          duplicate_results=args.duplicate_results,
                          latency_ms=args.latency_ms, ambiguous_creates=args.ambiguous_creates,
                          rate_limit_rpm=args.rate_limit, slow_create_answer_ms=args.slow_create_answers,
                          clock_offset_s=args.clock_offset)


async def _serve(config: EmulatorConfig, state: Path | None) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    emu = Emulator(config)
    loaded = state is not None and state.exists()
    if state is not None and loaded:
        state_file.load(emu, state)
    try:
        async with emu:
            # The first line is the one scripts read: keep it first and in this form.
            print(f"Batches API emulator listening on {emu.base_url}", flush=True)
            print(f"  use it:  ANTHROPIC_BASE_URL={emu.base_url} ANTHROPIC_API_KEY=any-key   (Ctrl-C stops)",
                  flush=True)
            if loaded:
                print(f"  loaded {_batches(len(emu.batch_ids()))} from {state}", flush=True)
            await stop.wait()
    finally:
        if state is not None:
            state_file.save(emu, state)
            print(f"saved {_batches(len(emu.batch_ids()))} to {state}", flush=True)
    print("emulator stopped", flush=True)


def run(args: argparse.Namespace) -> int:
    config = config_from_args(args)
    try:
        asyncio.run(_serve(config, args.state))
    except state_file.StateFileError as exc:
        print(f"claude-batch-tui emulator: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        where = f"{config.host}:{config.port}" if exc.filename is None else exc.filename
        print(f"claude-batch-tui emulator: {where}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    return 0


def _batches(n: int) -> str:
    """`1 batch`, `3 batches`: the emulator's own (it imports nothing of the engine, so not `words.plural`)."""
    return f"{n:,} batch" + ("" if n == 1 else "es")
