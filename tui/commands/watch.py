"""`claude-batch-tui watch [--interval S]`: poll and ingest until every batch in the journal has ended.

Runs what the TUI runs in the background: recovery of interrupted submissions, the poll loop, results
ingest. Prints one line per change (short id, status, counts, results ingested) and one-line warnings for
network trouble, which is retried. Each batch's results are checked against what was sent: missing
results, lines for custom_ids never sent (unknown ids) and repeated lines get a warning line.
It follows the batches the journal knows and, as the TUI does, adopts those it finds on the account that were made
elsewhere (another machine, a script, the console): one listing call at the start, then the poller's own look
every minute. `--no-adopt` follows only the journal's batches.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
from typing import Any

from tui.commands._session import finish, make_cli_client, open_journal, say, warn
from tui.core.words import plural, result_anomalies, short_id, status_word

DEFAULT_INTERVAL = 5.0
EXIT_INCOMPLETE = 1      # some results could not be read whole (a broken stream, results on another origin)
EXIT_MISMATCH = 3        # results do not match what was sent: some are missing, or came for ids never sent
EXIT_CODES = (f"exit codes: 0 every batch has ended and its results are in the journal (or are no longer on the "
              f"server); {EXIT_INCOMPLETE} some results could not be read whole; {EXIT_MISMATCH} some results do "
              f"not match what was sent (results missing, or lines for custom_ids never sent: `list` shows which; "
              f"`retry` resends the missing); 130 interrupted (Ctrl-C)")


def _interval(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if not 0.1 <= value <= 3600:
        raise argparse.ArgumentTypeError(f"must be between 0.1 and 3600 seconds, got {text}")
    return value


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.epilog = EXIT_CODES
    parser.add_argument("--interval", type=_interval, default=DEFAULT_INTERVAL, metavar="S",
                        help=f"poll young batches every S seconds (default {DEFAULT_INTERVAL:g}); "
                             "older ones less often")
    parser.add_argument("--no-adopt", dest="adopt", action="store_false",
                        help="follow only the batches in the journal; by default batches made elsewhere and "
                             "found on the account are adopted and followed too (as the TUI does)")


def run(args: argparse.Namespace) -> int:
    return finish(_run(args))


async def _run(args: argparse.Namespace) -> int:
    from tui.core.clock import Clock

    clock = Clock()   # one for both: the server's answers measure its clock against the journal's
    client = make_cli_client(args, clock=clock)
    try:
        journal = await open_journal(args, clock)
        try:
            return await Watch(journal, client, args.interval, adopt=getattr(args, "adopt", True)).run()
        finally:
            await journal.close()
    finally:
        await client.close()


def progress_line(row: Any) -> str:
    c = row.counts
    total = row.total
    line = (f"{short_id(row)}  {status_word(row):<9}  {c.done}/{total} done  succeeded {c.succeeded}  "
            f"errored {c.errored}  canceled {c.canceled}  expired {c.expired}")
    if row.processing_status == "ended" and not row.gone:
        line += f"  results {row.results_ingested}/{total} {row.ingest_state}"
        if result_anomalies(row):
            line += f" ({result_anomalies(row)})"
    return line


class Watch:
    def __init__(self, journal: Any, client: Any, interval: float, *, adopt: bool = True) -> None:
        from tui.core.poll.loop import Poller

        self.journal = journal
        self.client = client
        self.adopt = adopt
        self.interval = interval
        self.poller = Poller(journal, client, adopt=adopt, min_interval=interval,
                             max_interval=max(interval, 60.0))
        self.stop = asyncio.Event()
        self.interrupted = False
        self.shown: dict[int, str] = {}
        self.stuck: dict[int, str] = {}      # read to the end of the stream, still incomplete: why
        self.mismatched: dict[int, str] = {}  # results that do not match what was sent: what is wrong

    async def run(self) -> int:
        from tui.core.journal.batches import list_batches

        rows = await list_batches(self.journal)   # first: a journal in trouble is said before any call is made
        looked = await self.adopt_from_account() if self.adopt else False
        if looked:
            rows = await list_batches(self.journal)
        tracked = [r for r in rows if r.id]
        if not rows:
            say("nothing to watch: the journal has no batches" + (" and none were found on the account" if
                looked else "") + " (submit some first)")
            return 0
        from tui.core.poll.ingest import READ_WHOLE

        retried = {r.parent_id for r in rows if r.parent_id}
        for r in tracked:   # read whole before and still incomplete: nothing new will come (no wait for it)
            if r.id in retried:
                continue   # its failures were resent: the retry carries them now (and is watched itself)
            if r.ingest_state == "partial" and (r.ingest_error or "").startswith(READ_WHOLE):
                self.stuck[r.local_id] = r.ingest_error or ""
            if r.results_missing:
                self.mismatched[r.local_id] = result_anomalies(r)
        waiting = [r for r in tracked if self.waiting(r)]
        done = len(tracked) - len(waiting)
        unsent = [r for r in rows if not r.id and self.waiting(r)]   # the poller sends them, then they are followed
        say(f"watching {plural(len(waiting) + len(unsent), 'batch')} "
            f"({sum(1 for r in waiting if r.unfinished)} unfinished, "
            f"{sum(1 for r in waiting if not r.unfinished)} to ingest"
            + (f", {len(unsent)} to send" if unsent else "") + ")"
            + (f"; {done} already done" if done else "") + "; Ctrl-C stops")
        for row in waiting:
            self.show(row)
        if unsent:
            warn(f"note: {len(unsent)} batch{'es have' if len(unsent) != 1 else ' has'} no id yet (being submitted, "
                 "not sent while the server was out of reach, or left by an interrupted submit); watch sends them "
                 "when the server answers and follows them from there")
        loop = asyncio.get_running_loop()
        try:
            loop.add_signal_handler(signal.SIGINT, self._interrupt)
            handled = True
        except (ValueError, RuntimeError, NotImplementedError):   # not the main thread: Ctrl-C stays the CLI's
            handled = False
        try:
            await self.poller.run(self.on_sweep, stop_event=self.stop, on_ingest=self.on_ingest)
        finally:
            if handled:
                loop.remove_signal_handler(signal.SIGINT)
        if self.interrupted:
            warn("interrupted: what was learned is in the journal; run watch again to go on")
            return 130
        return await self.summary()

    async def adopt_from_account(self) -> bool:
        """The batches made elsewhere, found on the account, are followed too (one bounded listing call).
        True when the account could be read."""
        from tui.core.poll.adopt import adopt_from_account

        report = await adopt_from_account(self.journal, self.client, min_interval=self.interval,
                                          max_interval=max(self.interval, 60.0))
        if report.error:
            warn(f"warning: could not look for batches made elsewhere: {report.error} (will retry)")
        if report.unreadable:
            warn(f"warning: {plural(report.unreadable, 'batch')} on the account could not be read (left alone)")
        self.say_adopted(report.adopted)
        return report.error is None

    def say_adopted(self, rows: list[Any]) -> None:
        if rows:
            say(f"adopted {plural(len(rows), 'batch')} made elsewhere (found on the account): "
                + ", ".join(short_id(r) for r in rows[:10]) + (f" and {len(rows) - 10} more" if len(rows) > 10 else ""))

    def _interrupt(self) -> None:
        self.interrupted = True
        self.stop.set()

    def show(self, row: Any) -> None:
        line = progress_line(row)
        if self.shown.get(row.local_id) != line:
            self.shown[row.local_id] = line
            say(line)

    async def on_sweep(self, result: Any) -> None:
        for error in result.errors:
            warn(f"warning: {error} (will retry)")
        self.say_adopted(result.adopted)
        for row in result.changed:
            self.show(row)
        for row in result.adopted:
            if self.waiting(row):
                self.show(row)
        from tui.core.timing.deadlines import expiry_notice, take_expiry_warnings

        for row in await take_expiry_warnings(self.journal):
            warn(f"warning: {expiry_notice(row, self.journal.clock.server_now())}")
        await self.check_done()

    async def on_ingest(self, report: Any, row: Any) -> None:
        if row is not None:
            self.show(row)
        name = row.id if row is not None and row.id else f"#{report.batch_local_id}"
        if report.error and not report.complete:
            warn(f"warning: results of {name}: {report.error}")
        if report.compared is not None and (report.anomalies or report.compared is False):
            self.warn_anomalies(name, report)
        if report.compared is not None and report.mismatch:
            self.mismatched[report.batch_local_id] = report.anomalies
        elif report.compared is not None:
            self.mismatched.pop(report.batch_local_id, None)
        if ((report.stream_complete or report.results_gone or report.refused)
                and report.state not in ("complete", "unavailable")):
            self.stuck[report.batch_local_id] = (row.ingest_error if row is not None else None) or report.error or ""
        await self.check_done()

    def warn_anomalies(self, name: str, report: Any) -> None:
        if report.compared is False:
            if report.anomalies:
                warn(f"warning: results of {name}: {report.anomalies} (the first of each kept)")
            return   # adopted: nothing sent from here to compare with; said once in the summary
        what = [report.anomalies]
        if report.missing:
            what.append("`retry` resends the missing")
        if report.unknown:
            what.append("the lines for unknown ids are kept aside, not counted")
        if report.duplicates:
            what.append("the first line of each custom_id is kept")
        warn(f"warning: results of {name} do not match what was sent: " + "; ".join(what))

    async def check_done(self) -> None:
        from tui.core.journal.batches import list_batches

        if not any(self.waiting(row) for row in await list_batches(self.journal)):
            self.stop.set()

    def waiting(self, row: Any) -> bool:
        """Still to be sent (the poller sends it when the server answers), to end, or to have its results in."""
        if not row.id:
            return row.intent_state in ("intent", "sending")
        if row.gone or row.deleted_at is not None:
            return False
        if row.processing_status != "ended":
            return True
        from tui.core.poll.ingest import READ_WHOLE

        if (row.ingest_error or "").startswith(READ_WHOLE):
            return False   # read to its end before: the poller does not read it again (nothing new would come)
        return row.ingest_state not in ("complete", "unavailable") and row.local_id not in self.stuck

    async def summary(self) -> int:
        from tui.core.money.pricing import format_usd
        from tui.core.journal.batches import list_batches

        rows = [r for r in await list_batches(self.journal) if r.id]
        results = sum(r.results_ingested for r in rows)
        unavailable = [r for r in rows if r.ingest_state == "unavailable"]
        gone = [r for r in rows if r.gone]
        say(f"{'all ' if len(rows) > 1 else ''}{len(rows)} batch{'es' if len(rows) != 1 else ''} ended; "
            f"{plural(results, 'result')} in the journal")
        from tui.core.money.spend import total_spend

        spend = await total_spend(self.journal)
        if spend.saving_usd is not None:
            say(f"cost {spend.text()} at batch prices; saved {format_usd(spend.saving_usd)} against standard prices")
        if unavailable:
            warn(f"note: the results of {plural(len(unavailable), 'batch')} are no longer on the server")
        if gone:
            are = "is" if len(gone) == 1 else "are"
            warn(f"note: {plural(len(gone), 'batch')} {are} gone from the server (kept in the journal)")
        unchecked = [r for r in rows if r.results_compared is False]
        if unchecked:
            warn(f"note: the results of {plural(len(unchecked), 'batch')} were not checked against what was sent "
                 f"(not sent from this journal: nothing to compare with)")
        for local_id, why in self.stuck.items():
            if local_id in self.mismatched:
                continue   # said below, in the words of the check
            row = next((r for r in rows if r.local_id == local_id), None)
            warn(f"error: results of {row.id if row else local_id} are incomplete: {why}")
        for local_id, what in self.mismatched.items():
            row = next((r for r in rows if r.local_id == local_id), None)
            warn(f"error: results of {row.id if row else local_id} do not match what was sent: {what}")
        if self.mismatched:
            return EXIT_MISMATCH
        return EXIT_INCOMPLETE if self.stuck else 0
