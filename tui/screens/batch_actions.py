"""The UI side of cancel, retry, export and delete: bindings, `check_action` rules and a mixin whose
actions ask first (modal screens) and then run the `core` verbs in async workers, notifying the outcome.

A screen mixes in `BatchActions`, adds the bindings it wants (`DASHBOARD_BINDINGS` / `BATCH_BINDINGS`),
implements `action_targets()` and, in its `check_action`, returns `self.batch_action_allowed(action)`
for the actions in `BATCH_ACTIONS`. Everything shown from outside goes through `safe_text` and
`notify(..., markup=False)`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from textual import work
from textual.binding import Binding
from textual.notifications import SeverityLevel

from tui.core.actions.cancel import CancelOutcome, cancel_batches, cancel_refusal
from tui.core.actions.delete import DeleteOutcome, delete_batches, delete_refusal
from tui.core.actions.export import ExportError, ExportOptions, export_results
from tui.core.actions.retry import RetryError, RetrySelection, retry_refusal, select_retry, send_retry
from tui.core.journal.batches import get_batch
from tui.core.journal.lineage import family_ids
from tui.core.models import BatchRow, SweepResult
from tui.core.safe_text import safe_text
from tui.core.words import batch_name, plural
from tui.messages import BatchesUpdated
from tui.screens.base import AppScreen
from tui.screens.confirm import ConfirmScreen
from tui.screens.export_dialog import ExportDialog, ExportRequest, export_paths
from tui.screens.retry_dialog import RetryChoice, RetryDialog

DASHBOARD_BINDINGS = [
    Binding("c", "cancel_batches", "Cancel", tooltip="cancel the marked batches (or the one under the cursor)",
            id="batches.cancel"),
    Binding("r", "retry_failures", "Retry",
            tooltip="resend the failed requests of the marked batches (or the one under the cursor)",
            id="batches.retry"),
    Binding("e", "export_results", "Export",
            tooltip="write results to CSV or JSONL: one file per marked batch (or the one under the cursor)",
            id="batches.export"),
    Binding("D", "delete_batches", "Delete", tooltip="delete ended batches on the server (asks first)",
            id="batches.delete"),
]
BATCH_BINDINGS = [
    Binding("c", "cancel_batches", "Cancel", tooltip="cancel this batch (asks first)", id="batch.cancel"),
    Binding("r", "retry_failures", "Retry", tooltip="resend the failed requests of this batch", id="batch.retry"),
    Binding("e", "export_results", "Export", tooltip="write results to CSV or JSONL", id="batch.export"),
]
BATCH_ACTIONS = frozenset({"cancel_batches", "retry_failures", "export_results", "delete_batches"})
MAX_NOTIFIED = 5


def _have(n: int) -> str:
    return "has" if n == 1 else "have"


def _are(n: int) -> str:
    return "is" if n == 1 else "are"


def can_export(row: BatchRow) -> bool:
    return row.results_ingested > 0 or row.parent_id is not None


class BatchActions(AppScreen[None]):
    """c / r / e / D acting on `action_targets()`, for the screens that show batches (mixed in before their
    base: `class DashboardScreen(..., BatchActions, ...)`)."""

    def action_targets(self) -> list[BatchRow]:
        """The batches a key acts on: the dashboard's marked rows or the one under the cursor; a batch's own."""
        return []

    def current_batch(self) -> BatchRow | None:
        """The batch under the cursor."""
        return None

    def clear_marks(self) -> None:
        """After an action on marked batches: unmark them (a screen without marks has nothing to do)."""

    def batch_action_allowed(self, action: str) -> bool:
        """Every action acts on `action_targets()` (the marked batches, else the one under the cursor): it is
        available when at least one of them allows it."""
        targets = self.action_targets()
        if action == "cancel_batches":
            return any(cancel_refusal(r) is None for r in targets)
        if action == "delete_batches":
            return any(delete_refusal(r) is None for r in targets)
        if action == "retry_failures":
            return any(retry_refusal(r) is None for r in targets)
        if action == "export_results":
            return any(can_export(r) for r in targets)
        return True

    def on_data_table_row_highlighted(self, _: Any) -> None:
        """The cursor moved: what the keys act on changed, so the footer may too."""
        self.refresh_bindings()

    def _connected(self) -> bool:
        if self.app.client is None or self.app.journal is None:
            self.notify("Not connected yet; try again in a moment.", severity="warning", timeout=3)
            return False
        return True

    def _tell(self, text: str, *, severity: SeverityLevel = "information", timeout: float = 6) -> None:
        self.notify(safe_text(text, limit=400), markup=False, severity=severity, timeout=timeout)

    def _allowed(self, refusal: Callable[[BatchRow], str | None], nothing: str) -> list[BatchRow]:
        """The targets `refusal` lets through; when none, says why (`nothing`: what to say first)."""
        targets = self.action_targets()
        rows = [r for r in targets if refusal(r) is None]
        if not rows:
            self._tell(f"{nothing}: {refusal(targets[0]) if targets else 'no batch selected'}", severity="warning")
        return rows

    def _changed(self, rows: Sequence[BatchRow | None]) -> None:
        self.app.broadcast(BatchesUpdated, SweepResult(changed=[r for r in rows if r is not None]))

    # -- cancel --------------------------------------------------------------------------------------------------

    def action_cancel_batches(self) -> None:
        targets = self.action_targets()
        rows = self._allowed(cancel_refusal, "Nothing to cancel")
        if not rows or not self._connected():
            return
        lines = [f"{batch_name(r)}  ({r.id}) — {plural(r.counts.processing or r.total, 'request')} still processing"
                 for r in rows]
        if len(targets) > len(rows):
            left = len(targets) - len(rows)
            lines.append(f"{plural(left, 'selected batch')} {_have(left)} ended or {_are(left)} already canceling: "
                         "left alone")
        lines.append("Requests already running may still finish; the rest end as canceled.")
        ids = [r.local_id for r in rows]
        title = f"Cancel {plural(len(rows), 'batch')}?" if len(rows) > 1 else f"Cancel {batch_name(rows[0])}?"
        self.ask(ConfirmScreen(title, lines, yes_label="Cancel batch" + ("es" if len(rows) > 1 else ""),
                               no_label="Keep running"),
                 lambda yes: self._run_cancel(ids))

    @work(group="actions", exit_on_error=False)
    async def _run_cancel(self, local_ids: list[int]) -> None:
        outcomes = await cancel_batches(self.journal, self.client, local_ids, actor="tui")
        self._changed([o.batch for o in outcomes])
        self._report(outcomes, "canceling")
        if any(o.ok for o in outcomes):
            self.clear_marks()
            self.app.poll_now()

    def _report(self, outcomes: Sequence[CancelOutcome | DeleteOutcome], verb: str) -> None:
        ok = [o for o in outcomes if o.ok]
        failed = [o for o in outcomes if not o.ok]
        if ok:
            names = ", ".join(batch_name(o.batch) if o.batch else o.key for o in ok[:MAX_NOTIFIED])
            more = f" and {len(ok) - MAX_NOTIFIED} more" if len(ok) > MAX_NOTIFIED else ""
            self._tell(f"{verb}: {names}{more}")
        for o in failed[:MAX_NOTIFIED]:
            self._tell(o.message, severity="error", timeout=12)
        if len(failed) > MAX_NOTIFIED:
            self._tell(f"… and {len(failed) - MAX_NOTIFIED} more failures", severity="error", timeout=12)

    # -- retry ---------------------------------------------------------------------------------------------------

    def action_retry_failures(self) -> None:
        targets = self.action_targets()
        rows = self._allowed(retry_refusal, "Cannot retry")
        if not rows or not self._connected():
            return
        if len(targets) == 1:
            self._prepare_retry(rows[0].local_id)
            return
        skipped = [(r, why) for r in targets if (why := retry_refusal(r)) is not None]
        self._prepare_retries([r.local_id for r in rows], skipped)

    @work(group="actions", exit_on_error=False)
    async def _prepare_retry(self, local_id: int) -> None:
        try:
            selection = await select_retry(self.journal, local_id)
        except RetryError as exc:
            self._tell(f"Cannot retry: {exc}", severity="warning")
            return
        if _nothing_to_offer(selection):
            self._tell("Nothing to resend: " + "; ".join(selection.summary_lines()[1:] or ["no failures"]),
                       severity="warning")
            return
        self.ask(RetryDialog(selection), lambda choice: self._send_retries([local_id], choice))

    @work(group="actions", exit_on_error=False)
    async def _prepare_retries(self, local_ids: list[int], skipped: list[tuple[BatchRow, str]]) -> None:
        """Several marked batches: one retry batch for each that has something to resend (said in the dialog)."""
        selections = []
        for local_id in local_ids:
            try:
                selection = await select_retry(self.journal, local_id)
            except RetryError as exc:
                row = await get_batch(self.journal, local_id)
                if row is not None:
                    skipped.append((row, str(exc)))
                continue
            if _nothing_to_offer(selection):
                skipped.append((selection.source, "; ".join(selection.summary_lines()[1:]) or "no failures"))
                continue
            selections.append(selection)
        if not selections:
            names = "; ".join(f"{batch_name(r)}: {why}" for r, why in skipped[:MAX_NOTIFIED])
            self._tell(f"Nothing to resend from the marked batches: {names}", severity="warning")
            return
        ids = [s.source.local_id for s in selections]
        self.ask(RetryDialog(selections, skipped=skipped), lambda choice: self._send_retries(ids, choice))

    @work(group="actions", exit_on_error=False)
    async def _send_retries(self, local_ids: list[int], choice: RetryChoice) -> None:
        """One retry batch for each of these batches (the one of a batch's own view, or each marked one)."""
        sent = 0
        for local_id in local_ids:
            try:
                selection = await select_retry(self.journal, local_id, all_errors=choice.all_errors,
                                               include=["canceled"] if choice.include_canceled else [])
                if selection.count == 0:
                    self._tell(f"Nothing to resend from {batch_name(selection.source)} with these choices",
                               severity="warning")
                    continue
                self._tell(f"Sending {plural(selection.count, 'request')} again…", timeout=3)
                rows = await send_retry(self.journal, self.client, selection, actor="tui")
            except RetryError as exc:
                self._tell(f"Retry not sent: {exc}", severity="error", timeout=12)
                continue
            self._changed(rows)
            for row in rows:
                if row.id:
                    sent += 1
                    self._tell(f"Retry sent: {row.id} with {plural(row.total, 'request')}, "
                               f"parent {selection.source.id}")
                else:
                    self._tell(f"Retry batch not confirmed: {row.intent_error or row.intent_state}",
                               severity="error", timeout=12)
        if sent:
            self.clear_marks()
        self.app.poll_now()

    # -- export --------------------------------------------------------------------------------------------------

    def action_export_results(self) -> None:
        targets = self.action_targets()
        rows = [r for r in targets if can_export(r)]
        if not rows:
            self._tell("Nothing to export: no results in the journal yet" if targets else
                       "Nothing to export: no batch selected", severity="warning")
            return
        if self.app.journal is None:
            self._tell("The journal is not open yet.", severity="warning")
            return
        if len(targets) == 1:
            self._prepare_export(rows[0])
            return
        skipped = [r for r in targets if not can_export(r)]
        self.ask(ExportDialog(rows[0], batches=rows, skipped=skipped),
                 lambda request: self._confirm_export_many(rows, request))

    @work(group="actions", exit_on_error=False)
    async def _prepare_export(self, row: BatchRow) -> None:
        family = await family_ids(self.journal, row)
        self.ask(ExportDialog(row, family_size=len(family)), lambda request: self._confirm_export(row, request))

    def _confirm_export(self, row: BatchRow, request: ExportRequest) -> None:
        self._export_jobs([(row.local_id, Path(request.path))], request.options)

    def _confirm_export_many(self, rows: list[BatchRow], request: ExportRequest) -> None:
        """Several marked batches: one file for each, named after it, in the folder the dialog asked for."""
        folder = Path(request.path)
        if not folder.is_dir():
            self._tell(f"Export failed: {folder} is not a folder", severity="error", timeout=12)
            return
        paths = export_paths(folder, rows, final=request.options.final, fmt=request.options.fmt)
        self._export_jobs([(r.local_id, p) for r, p in zip(rows, paths)], request.options)

    def _export_jobs(self, jobs: list[tuple[int, Path]], options: ExportOptions) -> None:
        """Write each (batch, file); files that exist already are replaced only once the user says so."""
        existing = [str(path) for _, path in jobs if path.exists()]
        run = [(local_id, str(path)) for local_id, path in jobs]
        if not existing:
            self._run_exports(run, options)
            return
        title = "Replace the existing file?" if len(jobs) == 1 else \
            f"Replace {plural(len(existing), 'existing file')}?"
        self.ask(ConfirmScreen(title, existing[:MAX_NOTIFIED * 2], yes_label="Replace",
                               no_label="Keep it" if len(jobs) == 1 else "Keep them"),
                 lambda yes: self._run_exports(run, dataclasses.replace(options, force=True)))

    @work(group="actions", exit_on_error=False)
    async def _run_exports(self, jobs: list[tuple[int, str]], options: ExportOptions) -> None:
        written = 0
        for local_id, path in jobs:
            try:
                outcome = await export_results(self.journal, local_id, path, options, actor="tui")
            except ExportError as exc:
                self._tell(f"Export failed: {exc}", severity="error", timeout=12)
                continue
            written += 1
            empty = " (no matching results in the journal yet)" if outcome.rows == 0 else ""
            self._tell(f"Wrote {plural(outcome.rows, 'row')} of {outcome.target.description} to "
                       f"{outcome.path}{empty}", timeout=12)
        if written:
            self.clear_marks()

    # -- delete --------------------------------------------------------------------------------------------------

    def action_delete_batches(self) -> None:
        targets = self.action_targets()
        rows = self._allowed(delete_refusal, "Nothing to delete")
        if not rows or not self._connected():
            return
        lines = [f"{batch_name(r)}  ({r.id or 'never sent'}) — {plural(r.results_ingested, 'result')} in the journal"
                 for r in rows]
        if len(targets) > len(rows):
            left = len(targets) - len(rows)
            lines.append(f"{plural(left, 'selected batch')} {_have(left)} not ended: left alone")
        lines.append("The server forgets them; the journal keeps their results unless you tick the box.")
        ids = [r.local_id for r in rows]
        screen = ConfirmScreen(f"Delete {plural(len(rows), 'batch')} on the server?", lines, yes_label="Delete",
                               no_label="Keep", checkbox="also forget the local results (cannot be undone)")
        self.ask(screen, lambda yes: self._run_delete(ids, screen.checked))

    @work(group="actions", exit_on_error=False)
    async def _run_delete(self, local_ids: list[int], forget: bool) -> None:
        outcomes = await delete_batches(self.journal, self.client, local_ids, forget=forget, actor="tui")
        self._changed([o.batch for o in outcomes])
        self._report(outcomes, "forgotten" if forget else "deleted")
        if any(o.ok for o in outcomes):
            self.clear_marks()


def _nothing_to_offer(selection: RetrySelection) -> bool:
    """No request to resend, none held back and none left out by choice: the retry dialog would offer nothing."""
    return selection.count == 0 and not selection.held_back and not selection.not_included
