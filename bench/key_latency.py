"""Key latency in the first seconds after start: the real TUI in a fresh process on a pseudo-terminal.

    .venv/bin/python bench/key_latency.py [--seconds 5] [--runs 3] [--verbose]

`claude-batch-tui --demo` (its emulator, its story being seeded, the poller on) is started on a pseudo-terminal
as a user would start it. From its first frame (the dashboard's column heads drawn) keys are written to the
terminal one at a time, as a quick user types them, and each is timed from the write until the screen answers:

  ?          the help appears          ? again    the help is gone
  /  + text  the filter box opens, then each typed character is shown in it;  escape: the box is gone
  n  + text  the submit dialog opens, then each typed character of a path is shown in it;  escape: it is gone

What is on the screen is read back from the terminal's output by a small screen model (`tests/reliability/
pty_screen.py`: cursor
moves and text; the TUI draws with nothing else). A key with no answer within `NO_ANSWER` seconds counts as
dropped. Target: every key < 100 ms from the first frame on, none dropped.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT)]   # tests/reliability/pty_screen.py

from tests.reliability.pty_screen import Terminal  # noqa: E402
NO_ANSWER = 15.0            # seconds without an answer: the key was dropped
PAUSE = 0.05                # between an answer and the next key: a quick typist
FIRST_FRAME = "? Help"      # the footer, drawn with the first frame (a column head may give way to long names)
HELP = "Everywhere"         # a heading only the help shows
DIALOG = "New batch from a JSONL file"
NOT_CONNECTED = "Not connected yet"


@dataclass
class Run:
    first_frame: float = 0.0                        # seconds from the start of the process
    presses: list[tuple[str, float, float | None]] = field(default_factory=list)   # (key, at, latency or None)
    unanswered: list[str] = field(default_factory=list)   # the screen when a key had no answer
    refused: int = 0                                # `n` answered "not connected yet": no dialog to type in


async def measure(seconds: float = 5.0, size: tuple[int, int] = (120, 36), after: float = 0.0) -> Run:
    """One fresh `--demo` process: keys from its first frame (or `after` seconds later, for the same keys once
    start-up is over) until `seconds` after that."""
    run = Run()
    with tempfile.TemporaryDirectory(prefix="bench-keys-") as home:
        env = {**os.environ, "TERM": "xterm-256color", "HOME": home, "XDG_CONFIG_HOME": f"{home}/.config",
               "XDG_DATA_HOME": f"{home}/.local/share", "COLUMNS": str(size[0]), "LINES": str(size[1])}
        env.pop("ANTHROPIC_API_KEY", None)
        start = time.perf_counter()
        term = Terminal([sys.executable, "-m", "tui", "--demo"], env, size, cwd=ROOT)
        try:
            if not await term.until(lambda: term.shows(FIRST_FRAME), 60):
                raise SystemExit(f"no first frame within 60 s:\n{term.screen.text()}")
            run.first_frame = time.perf_counter() - start
            await asyncio.sleep(after)
            keys_from = time.perf_counter()
            end = keys_from + seconds

            async def press(key: str, keys: str, answered: Callable[[], bool]) -> bool:
                sent = time.perf_counter()
                term.write(keys)
                ok = await term.until(answered, NO_ANSWER)
                if not ok:
                    run.unanswered.append(f"{key!r} at {sent - keys_from:.2f} s:\n{term.screen.text()}")
                run.presses.append((key, sent - keys_from,
                                    time.perf_counter() - sent if ok else None))
                await asyncio.sleep(PAUSE)
                return ok

            async def typed(text: str) -> None:
                for i in range(1, len(text) + 1):
                    if time.perf_counter() > end:
                        return
                    await press("typed", text[i - 1], lambda i=i: term.shows_field(text[:i]))

            cycle = 0
            while time.perf_counter() < end:
                cycle += 1
                await press("?", "?", lambda: term.shows(HELP))
                await press("? (close)", "?", lambda: not term.shows(HELP))
                await press("/", "/", lambda: term.shows("filter: name"))
                await typed(f"zq{cycle}x")
                await close(term, "\x1b", lambda: not term.shows("filter: name") and not term.shows(f"zq{cycle}x"))
                if term.shows(NOT_CONNECTED):   # an `n` was refused and its toast is still up: not now
                    continue
                await press("n", "n", lambda: term.shows(DIALOG) or term.shows(NOT_CONNECTED))
                if term.shows(DIALOG):
                    await typed(f"zq{cycle}/requests-{cycle}.jsonl")
                    await close(term, "\x1b", lambda: not term.shows(DIALOG))
                else:   # refused: the app is not connected yet
                    run.refused += 1
        finally:
            term.close()
    return run


async def close(term: Terminal, keys: str, closed: Callable[[], bool]) -> None:
    """A lone escape is not timed: Textual holds it ESCDELAY (100 ms) to tell it from the start of a key sequence."""
    term.write(keys)
    if not await term.until(closed, NO_ANSWER):
        raise SystemExit(f"{keys!r} did not close what was open:\n{term.screen.text()}")
    await asyncio.sleep(PAUSE)


def ms(seconds: float) -> str:
    return f"{seconds * 1000:7.1f} ms"


def report(runs: list[Run]) -> list[str]:
    presses = [p for run in runs for p in run.presses]
    answered = [latency for _, _, latency in presses if latency is not None]
    dropped = len(presses) - len(answered)
    refused = sum(run.refused for run in runs)
    lines = [f"start-up keys first frame at {ms(statistics.median(r.first_frame for r in runs))}; "
             f"{len(presses)} keys in the first seconds after it ({len(runs)} fresh process"
             f"{'es' if len(runs) > 1 else ''}, --demo, poller on)"]
    if answered:
        worst = max(presses, key=lambda p: p[2] if p[2] is not None else 1e9)
        lines.append(f"  key latency  median {ms(statistics.median(answered))}  worst {ms(max(answered))} "
                     f"('{worst[0]}' at {worst[1]:.2f} s after the first key)  dropped {dropped}"
                     f"  [target: worst < 100 ms, none dropped]")
    by_key: dict[str, list[float]] = {}
    for key, _, latency in presses:
        if latency is not None:
            by_key.setdefault(key, []).append(latency)
    for key, values in by_key.items():
        lines.append(f"    {key:<10} median {ms(statistics.median(values))}  worst {ms(max(values))}  ({len(values)})")
    for run in runs:
        for screen in run.unanswered[:1]:   # what the screen showed when a key had no answer
            lines.append(f"    no answer to {screen}")
    if refused:
        lines.append(f"    n refused {refused} time{'s' if refused > 1 else ''} with 'not connected yet' (no dialog to "
                     "type in)")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--after", type=float, default=0.0,
                        help="start the keys this many seconds after the first frame (the same keys once started)")
    parser.add_argument("--verbose", action="store_true", help="every key with its time and latency")
    args = parser.parse_args()
    runs = [asyncio.run(measure(args.seconds, after=args.after)) for _ in range(args.runs)]
    if args.verbose:
        for run in runs:
            for key, at, latency in run.presses:
                print(f"  {at:6.2f} s  {key:<10} {ms(latency) if latency is not None else 'no answer'}")
    print("\n".join(report(runs)))


if __name__ == "__main__":
    main()
