"""Soak: many batches submitted and watched to the end through faults and SIGKILLs; then checked exactly.

    .venv/bin/python bench/soak.py                 # full: ~200 batches, >= 50 watch kills (a few minutes)
    .venv/bin/python bench/soak.py --short         # the CI size: ~10 batches, 5 watch kills (< ~60 s)
    .venv/bin/python bench/soak.py --short --foreign-results 0.02 --missing-results 0.02 --duplicate-results 0.02

Loopback only, bounded in time (--max-seconds) and in requests. The emulator runs inside this process (its
ground truth, `results_for` and `stats`, is read directly, not over a faulty network) with 20% of HTTP
answers failing (429 with retry-after, 500, 529), 10% of results streams cut off, errored requests and added
latency. Headless `claude-batch-tui submit` processes send the files (some are SIGKILLed part-way and run
again); `claude-batch-tui watch` processes poll and ingest and are SIGKILLed at random moments, then
restarted, until the kill count is reached; a last watch runs to its end. The watch processes reach the
emulator through a counting relay, so their request rate is measured exactly.

At the end: every batch of the journal matches the emulator (status, counts, every result line byte for
byte), every request of every file is in the journal once, no batch was created twice (a chunk whose creates
kept failing is given up as `failed`, by design, and counted), `PRAGMA
integrity_check` is ok, the poll rate stayed under --poll-budget, and the API key (a canary) appears in no
file written. The results streams are checked against what was sent: the foreign (unknown id), missing and
duplicate result lines the journal found are reported, and must be zero in a clean run, or exactly what the
emulator injected when told to (`--foreign-results`, `--missing-results`, `--duplicate-results`: shares of
lines); the lines checked byte for byte are then the emulator's less the missing ones, and `watch` ends with
exit 3 (results do not match what was sent) instead of 0. Prints the figures; exit 1 if any check fails.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import random
import re
import signal
import sqlite3
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import orjson

from tui.emulator import Emulator, EmulatorConfig

CANARY_KEY = "sk-ant-soak-CANARY-3f9c1e7a"
SIZES = [1, 3, 10, 40, 150, 400, 1200, 3000]     # requests per batch, mixed
SIZE_WEIGHTS = [2, 2, 3, 4, 4, 3, 2, 1]
MODELS = ["claude-haiku-4-5", "claude-sonnet-4-5", "claude-opus-4-1"]


@dataclass
class Settings:
    batches: int
    watch_kills: int
    submit_kill_share: float
    kill_after: tuple[float, float]   # seconds a watch runs before its SIGKILL
    interval: float                   # watch --interval
    poll_budget: float                # poll requests (list + retrieve) per second of watching, at most
    max_seconds: float
    seed: int
    fail_http: float = 0.2
    cut_results: float = 0.1
    fail_requests: float = 0.05
    latency_ms: float = 15.0
    request_ms: float = 2.0
    max_size: int = max(SIZES)
    max_chunks: int = 3               # batches per file (a file's equal-sized chunks are created one at a time)
    foreign_results: float = 0.0      # results-stream faults of the emulator: shares of lines
    missing_results: float = 0.0
    duplicate_results: float = 0.0

    @property
    def mismatch_injected(self) -> bool:
        """Results missing or foreign: the last `watch` says so with exit 3."""
        return bool(self.foreign_results or self.missing_results)


@dataclass
class SourceFile:
    path: Path
    per_batch: int
    chunks: int
    custom_ids: list[str]


def make_files(settings: Settings, folder: Path, rng: random.Random) -> list[SourceFile]:
    """JSONL files whose chunks add up to `settings.batches` batches of mixed sizes (1 to 3 per file)."""
    files: list[SourceFile] = []
    made = 0
    sizes = [s for s in SIZES if s <= settings.max_size]
    while made < settings.batches:
        per_batch = rng.choices(sizes, SIZE_WEIGHTS[:len(sizes)])[0]
        chunks = min(rng.choice([1, 1, 2, 3][:settings.max_chunks + 1]), settings.batches - made)
        n = per_batch * (chunks - 1) + rng.randint(1, per_batch)
        path = folder / f"soak-{len(files):03d}.jsonl"
        ids = [f"f{len(files)}-r{i}" for i in range(n)]
        with open(path, "wb") as out:
            for cid in ids:
                model = rng.choice(MODELS) if rng.random() > 0.02 else "claude-unknown-9"   # errored at processing
                out.write(orjson.dumps({"custom_id": cid, "params": {
                    "model": model, "max_tokens": rng.choice([16, 256, 1024]),
                    "messages": [{"role": "user", "content": f"Soak request {cid}: " + "words " * rng.randint(1, 60)}]}})
                          + b"\n")
        files.append(SourceFile(path, per_batch, chunks, ids))
        made += chunks
    return files


class CountingRelay:
    """A loopback TCP relay in front of the emulator, for the watch processes only: counts their requests."""

    REQUEST = re.compile(rb"(GET|POST|DELETE) /v1/messages/batches(/[A-Za-z0-9_]+)?(/results|/cancel)?(\?\S*)? HTTP/1")

    def __init__(self, port: int) -> None:
        self.port = port
        self.counts: Counter[str] = Counter()
        self.poll_times: list[float] = []
        self._server: asyncio.AbstractServer | None = None

    async def start(self) -> str:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        return f"http://127.0.0.1:{self._server.sockets[0].getsockname()[1]}"

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.port)
        except OSError:
            writer.close()
            return
        await asyncio.gather(self._pump(reader, up_writer, True), self._pump(up_reader, writer, False))

    def _count(self, match: re.Match) -> None:
        method, batch_id, tail = match.group(1), match.group(2), match.group(3)
        kind = {b"/results": "results", b"/cancel": "cancel"}.get(tail) if tail else None
        kind = kind or ("create" if method == b"POST" else "delete" if method == b"DELETE"
                        else "retrieve" if batch_id else "list")
        self.counts[kind] += 1
        if kind in ("list", "retrieve"):
            self.poll_times.append(time.monotonic())

    async def _pump(self, src: asyncio.StreamReader, dst: asyncio.StreamWriter, count: bool) -> None:
        tail = b""
        try:
            while data := await src.read(1 << 16):
                if count:
                    buf = tail + data
                    end = 0
                    for match in self.REQUEST.finditer(buf):
                        self._count(match)
                        end = match.end()
                    tail = buf[max(end, len(buf) - 300):]
                dst.write(data)
                await dst.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            dst.close()


class Runner:
    def __init__(self, settings: Settings, folder: Path, emulator_url: str, relay_url: str) -> None:
        self.s = settings
        self.folder = folder
        self.rng = random.Random(settings.seed)
        self.env = {**os.environ, "CLAUDE_BATCH_TUI_JOURNAL": str(folder / "journal" / "journal.sqlite"),
                    "ANTHROPIC_API_KEY": CANARY_KEY, "HOME": str(folder / "home"), "PYTHONUNBUFFERED": "1"}
        self.emulator_url, self.relay_url = emulator_url, relay_url
        self.figures: Counter[str] = Counter()
        self.watch_seconds = 0.0
        self.submits_done = asyncio.Event()
        self.submitted = asyncio.Event()   # set when a submit process finishes
        self.problems: list[str] = []
        self._log = 0

    async def _spawn(self, kind: str, *args: str, base_url: str) -> asyncio.subprocess.Process:
        self._log += 1
        log = open(self.folder / "logs" / f"{self._log:04d}-{kind}.log", "wb")
        try:
            return await asyncio.create_subprocess_exec(
                sys.executable, "-m", "tui", "--base-url", base_url, kind, *args,
                stdout=log, stderr=log, stdin=asyncio.subprocess.DEVNULL, env=self.env)
        finally:
            log.close()

    async def _run_for(self, proc: asyncio.subprocess.Process, seconds: float | None) -> int | None:
        """Wait for the process; SIGKILL it after `seconds` (returns None then)."""
        try:
            return await asyncio.wait_for(proc.wait(), seconds)
        except TimeoutError:
            try:
                proc.send_signal(signal.SIGKILL)
            except ProcessLookupError:   # it ended on its own just as the timer ran out
                return await proc.wait()
            await proc.wait()
            return None

    async def submit_one(self, source: SourceFile) -> None:
        args = [str(source.path), "--max-per-batch", str(source.per_batch), "--label", source.path.stem]
        if self.rng.random() < self.s.submit_kill_share:
            proc = await self._spawn("submit", *args, base_url=self.emulator_url)
            if await self._run_for(proc, self.rng.uniform(0.8, 4.0)) is None:   # start-up takes ~1 s
                self.figures["submit kills"] += 1
        proc = await self._spawn("submit", *args, base_url=self.emulator_url)
        code = await proc.wait()
        self.figures[f"submit exit {code}"] += 1
        self.submitted.set()

    async def submit_all(self, files: list[SourceFile]) -> None:
        # spread the submits over the time the watch kills take, so the kills land on live work
        spread = self.s.watch_kills * (sum(self.s.kill_after) / 2 + 0.8) * 0.7
        slots = asyncio.Semaphore(4)   # an ambiguous create makes its submit settle for ~20 s: keep others going

        async def one(source: SourceFile, delay: float) -> None:
            await asyncio.sleep(delay)
            async with slots:
                await self.submit_one(source)

        await asyncio.gather(*(one(f, i * spread / len(files)) for i, f in enumerate(files)))
        self.submits_done.set()

    async def watch_until_done(self, deadline: float) -> None:
        """Start watches and SIGKILL them at random moments: at least `watch_kills` times, and on as long as
        submits are still going; then let the last one run to its end."""
        kills = 0
        while time.monotonic() < deadline:
            started = time.monotonic()
            proc = await self._spawn("watch", "--interval", str(self.s.interval), base_url=self.relay_url)
            self.figures["watch starts"] += 1
            killing = kills < self.s.watch_kills or not self.submits_done.is_set()
            if killing:
                code = await self._run_for(proc, self.rng.uniform(*self.s.kill_after))
            else:
                code = await self._run_for(proc, max(1.0, deadline - time.monotonic()))
            self.watch_seconds += time.monotonic() - started
            if code is None:
                if killing:
                    kills += 1
                    self.figures["watch kills"] += 1
                else:
                    self.problems.append("the last watch did not finish before --max-seconds")
                continue
            self.figures[f"watch exit {code}"] += 1
            if code == 3 and self.s.mismatch_injected:
                code = 0   # results do not match what was sent, as the emulator was told: checked in `check`
            if code == 0 and self.submits_done.is_set() and kills >= self.s.watch_kills:
                return
            if code == 0 and self.submits_done.is_set():
                self.problems.append(f"everything ended after only {kills} watch kills; raise --batches")
                return
            # nothing left to watch for now: start the next watch once another submit has finished
            self.submitted.clear()
            await self._wait_any(self.submitted.wait(), self.submits_done.wait(), timeout=5.0)

    @staticmethod
    async def _wait_any(*waits, timeout: float) -> None:
        tasks = [asyncio.ensure_future(w) for w in waits]
        await asyncio.wait(tasks, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
        for task in tasks:
            task.cancel()


def check(emu: Emulator, runner: Runner, files: list[SourceFile]) -> list[str]:
    """Compare the journal with the emulator's ground truth; return the problems (empty when all is well)."""
    problems = list(runner.problems)
    f = runner.figures
    db = sqlite3.connect(runner.env["CLAUDE_BATCH_TUI_JOURNAL"])
    db.row_factory = sqlite3.Row
    integrity = db.execute("PRAGMA integrity_check").fetchone()[0]
    if integrity != "ok":
        problems.append(f"PRAGMA integrity_check: {integrity}")
    rows = db.execute("SELECT b.*, j.name AS job FROM batches b LEFT JOIN jobs j ON j.id = b.job_id").fetchall()
    jobs = Counter(r["name"] for r in db.execute("SELECT name FROM jobs"))
    truth = set(emu.batch_ids())
    created = [r for r in rows if r["id"] is not None]
    f["batches in the emulator"], f["batches in the journal"] = len(truth), len(created)
    if {r["id"] for r in created} != truth:
        problems.append(f"journal ids != emulator ids: {len(truth - {r['id'] for r in created})} missing, "
                        f"{len({r['id'] for r in created} - truth)} unknown")
    for r in rows:
        if r["id"] is None and r["intent_state"] == "failed":
            # submit gives up after a few creates answered 5xx (by design): the journal says so and keeps the
            # requests; nothing was created for it (the id check above), so nothing is lost or doubled
            f["creates given up"] += 1
        elif r["id"] is None:
            problems.append(f"batch #{r['local_id']} of {r['job']} has no id ({r['intent_state']}: {r['intent_error']})")
    for source in files:
        if jobs[source.path.stem] != 1:
            problems.append(f"{source.path.name}: {jobs[source.path.stem]} jobs (expected exactly 1)")
        mine = [r for r in rows if r["job"] == source.path.stem and (r["id"] or r["intent_state"] == "failed")]
        if len(mine) != source.chunks:
            problems.append(f"{source.path.name}: {len(mine)} batches created or given up, planned {source.chunks}")
        stored = [cid for (cid,) in db.execute(
            "SELECT q.custom_id FROM requests q JOIN batches b ON b.local_id = q.batch_local_id "
            "JOIN jobs j ON j.id = b.job_id WHERE j.name = ?", (source.path.stem,))]
        if sorted(stored) != sorted(source.custom_ids):
            problems.append(f"{source.path.name}: requests in the journal differ from the file")
    lines = 0
    for r in created:
        if r["id"] not in truth:
            continue
        server = emu.get_batch(r["id"])
        counts = server["request_counts"]
        mine = {k: r[f"n_{k}"] for k in counts}
        if server["processing_status"] != r["processing_status"] or counts != mine:
            problems.append(f"{r['id']}: journal {r['processing_status']} {mine} != server "
                            f"{server['processing_status']} {counts}")
            continue
        injected = emu.results_injected(r["id"])
        left_out = set(injected["missing"])
        expected = {cid: orjson.dumps(line) for cid, line in emu.results_for(r["id"]).items() if cid not in left_out}
        got = dict(db.execute("SELECT custom_id, raw FROM results WHERE batch_local_id = ?", (r["local_id"],)))
        lines += len(got)
        state = "partial" if left_out else "complete"
        if got != expected or r["ingest_state"] != state:
            wrong = sum(1 for k, v in expected.items() if got.get(k) != v)
            problems.append(f"{r['id']}: {r['ingest_state']} (expected {state}), {wrong} of {len(expected)} result "
                            f"lines missing or different, {len(set(got) - set(expected))} extra")
        found = {"foreign": r["results_unknown"], "missing": r["results_missing"],
                 "duplicate": r["results_duplicate"]}
        aside = dict(db.execute("SELECT kind, COUNT(*) FROM result_anomalies WHERE batch_local_id = ? GROUP BY kind",
                                (r["local_id"],)))
        for kind, n in found.items():
            f[f"{kind} result lines found"] += n
            f[f"{kind} result lines injected"] += len(injected[kind])
        if found != {k: len(v) for k, v in injected.items()} or r["results_compared"] != 1 \
                or aside.get("unknown_id", 0) != found["foreign"] or aside.get("duplicate", 0) != found["duplicate"]:
            problems.append(f"{r['id']}: the journal found {found} (compared: {r['results_compared']}, kept aside: "
                            f"{aside}); the emulator injected { {k: len(v) for k, v in injected.items()} }")
    f["result lines checked"] = lines
    f["events: recover"] = db.execute("SELECT COUNT(*) FROM events WHERE kind = 'recover'").fetchone()[0]
    f["events: matched by listing"] = db.execute(
        "SELECT COUNT(*) FROM events WHERE kind = 'submitted' AND detail LIKE '%listing%'").fetchone()[0]
    db.close()
    leaks = [p.name for p in runner.folder.rglob("*") if p.is_file() and CANARY_KEY.encode() in p.read_bytes()]
    f["files holding the API key"] = len(leaks)
    if leaks:
        problems.append(f"the API key appears in {leaks[:5]}")
    return problems


def poll_rates(relay: CountingRelay, watch_seconds: float) -> tuple[float, float]:
    """(average poll requests per second of watching, the busiest 10 s window's rate)."""
    times = relay.poll_times
    average = len(times) / watch_seconds if watch_seconds else 0.0
    peak, start = 0, 0
    for end, t in enumerate(times):
        while t - times[start] > 10.0:
            start += 1
        peak = max(peak, end - start + 1)
    return average, peak / 10.0


async def soak(settings: Settings, folder: Path) -> int:
    # clients SIGKILLed mid-request are the point here: the server's tracebacks about them are noise
    for name in ("aiohttp.server", "tui.emulator"):
        logging.getLogger(name).setLevel(logging.CRITICAL)
    for sub in ("logs", "home", "journal", "files"):
        (folder / sub).mkdir(parents=True, exist_ok=True)
    rng = random.Random(settings.seed)
    files = make_files(settings, folder / "files", rng)
    config = EmulatorConfig(host="127.0.0.1", port=0, seed=settings.seed, api_key=CANARY_KEY,
                            request_ms=settings.request_ms, fail_http=settings.fail_http,
                            cut_results=settings.cut_results, fail_requests=settings.fail_requests,
                            latency_ms=settings.latency_ms, foreign_results=settings.foreign_results,
                            missing_results=settings.missing_results, duplicate_results=settings.duplicate_results)
    started = time.monotonic()
    async with Emulator(config) as emu:
        relay = CountingRelay(int(emu.base_url.rsplit(":", 1)[1]))
        runner = Runner(settings, folder, emu.base_url, await relay.start())
        deadline = started + settings.max_seconds
        submits = asyncio.create_task(runner.submit_all(files))
        await runner.watch_until_done(deadline)
        if not submits.done():
            runner.problems.append("submits still running at the end")
            submits.cancel()
        await relay.stop()
        elapsed = time.monotonic() - started
        problems = check(emu, runner, files)
        average, peak = poll_rates(relay, runner.watch_seconds)
        stats = emu.stats
    if average > settings.poll_budget:
        problems.append(f"poll rate {average:.1f}/s over the budget of {settings.poll_budget:g}/s")
    f = runner.figures
    print(f"soak: {len(files)} files, {sum(len(s.custom_ids) for s in files):,} requests, "
          f"{settings.batches} batches planned, {elapsed:.0f} s")
    print(f"  faults injected: {stats['fault_429']} x 429, {stats['fault_500']} x 500, {stats['fault_529']} x 529 "
          f"of {stats['requests']:,} answers; {stats['fault_cut_results']} results streams cut")
    print(f"  kills: {f['watch kills']} watch (of {f['watch starts']} started), {f['submit kills']} submit; "
          f"submit exits {dict(sorted((k[12:], v) for k, v in f.items() if k.startswith('submit exit')))}")
    print(f"  watch requests: {dict(relay.counts)}; poll rate {average:.2f}/s average, {peak:.2f}/s busiest 10 s "
          f"(budget {settings.poll_budget:g}/s) over {runner.watch_seconds:.0f} s of watching")
    print(f"  journal: {f['batches in the journal']} batches (emulator {f['batches in the emulator']}), "
          f"{f['result lines checked']:,} result lines equal to the emulator's, "
          f"{f['events: recover']} recoveries, {f['events: matched by listing']} creates settled by listing")
    print(f"  results check: {f['foreign result lines found']} foreign (unknown ids), "
          f"{f['missing result lines found']} missing, {f['duplicate result lines found']} duplicate result lines "
          f"found; the emulator injected {f['foreign result lines injected']} foreign, "
          f"{f['missing result lines injected']} missing, {f['duplicate result lines injected']} duplicate")
    print(f"  creates given up after repeated 5xx (state 'failed', requests kept): {f['creates given up']}")
    print(f"  integrity_check ok: {not any('integrity' in p for p in problems)}; "
          f"files holding the API key: {f['files holding the API key']}")
    for problem in problems[:30]:
        print(f"  PROBLEM: {problem}")
    print("soak: " + ("OK: nothing lost, nothing duplicated" if not problems else f"{len(problems)} problems"))
    return 1 if problems else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--short", action="store_true", help="the CI size: ~10 batches, 5 watch kills")
    parser.add_argument("--batches", type=int, help="batches to submit (default 200; 10 with --short)")
    parser.add_argument("--kills", type=int, help="watch SIGKILLs (default 50; 5 with --short)")
    parser.add_argument("--poll-budget", type=float, default=10.0, metavar="PER_S",
                        help="most poll requests per second of watching (default 10)")
    parser.add_argument("--interval", type=float, default=1.0, help="watch --interval (default 1 s)")
    parser.add_argument("--max-seconds", type=float, help="give up after this long (default 900; 90 with --short)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep", metavar="DIR", help="work in DIR and keep it (journal, logs, files)")
    for name, what in (("foreign", "add a line for a custom_id never sent after"), ("missing", "leave out"),
                       ("duplicate", "send twice")):
        parser.add_argument(f"--{name}-results", type=float, default=0.0, metavar="RATE",
                            help=f"the emulator's results streams {what} this share of lines (default 0)")
    args = parser.parse_args()
    short = args.short
    settings = Settings(batches=args.batches or (10 if short else 200), watch_kills=args.kills or (5 if short else 50),
                        submit_kill_share=0.3, kill_after=(0.3, 2.5) if short else (0.5, 4.0),
                        interval=args.interval, poll_budget=args.poll_budget,
                        max_seconds=args.max_seconds or (90.0 if short else 900.0), seed=args.seed,
                        max_size=150 if short else max(SIZES), max_chunks=2 if short else 3,
                        foreign_results=args.foreign_results, missing_results=args.missing_results,
                        duplicate_results=args.duplicate_results)
    if args.keep:
        return asyncio.run(soak(settings, Path(args.keep)))
    with tempfile.TemporaryDirectory(prefix="soak-") as folder:
        return asyncio.run(soak(settings, Path(folder)))


if __name__ == "__main__":
    sys.exit(main())
