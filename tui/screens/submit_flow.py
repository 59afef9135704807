"""The UI side of `n` (new batch from a file): open the `SubmitDialog`, then send its checked plan with
`tui.core.submit.send.submit` in an async worker on the app's loop and say what happened.

Submit is journal-first: the intents are committed before anything is sent, so a failure here leaves
either nothing (the journal refused) or rows the poller's `recover()` finishes. Every outcome is a
notification (`markup=False`); the new rows appear on the dashboard at once and the poll loop is woken.
"""

from __future__ import annotations

from textual import work
from textual.notifications import SeverityLevel

from tui.core.api.errors import describe_api_error
from tui.core.models import BatchRow, SweepResult
from tui.core.safe_text import safe_text
from tui.core.submit.check import PlanError
from tui.core.words import plural
from tui.core.submit.send import AlreadySubmitted, submit
from tui.messages import BatchesUpdated
from tui.screens.base import AppScreen
from tui.screens.submit_dialog import SubmitDialog, SubmitRequest

MAX_NOTIFIED = 5


class SubmitFlow(AppScreen[None]):
    """`action_new_batch` (bind it to `n`), for a screen to mix in before its base."""

    def action_new_batch(self) -> None:
        if self.app.journal_problem is not None:
            self.notify(self.app.journal_problem, title="The journal cannot be used", severity="error",
                        markup=False, timeout=10)
            return
        # open at once, from the first frame on: the file is typed and checked while the app connects
        self.ask(SubmitDialog(), self._send_plan)

    def _say(self, text: str, *, severity: SeverityLevel = "information", timeout: float = 8) -> None:
        self.notify(safe_text(text, limit=400), markup=False, severity=severity, timeout=timeout)

    @work(group="submit", exit_on_error=False)
    async def _send_plan(self, request: SubmitRequest) -> None:
        plan = request.plan
        n = len(plan.chunks)
        await self.app.ready.wait()   # connected (at once, unless submitted in the first second or two)
        self._say(f"Sending {plural(plan.request_count, 'request')} in {plural(n, 'batch')}…", timeout=3)
        try:
            rows = await submit(self.journal, self.client, plan, label=request.label, again=request.again)
        except AlreadySubmitted as exc:
            self._say(f"Not sent: {plan.source} was submitted meanwhile (job #{exc.job_id}); press n to "
                      "check it again", severity="error", timeout=15)
            return
        except PlanError as exc:
            self._say(f"Not sent: {exc}", severity="error", timeout=15)
            return
        except Exception as exc:  # the journal or the network: say why, never a traceback
            self._say(f"Submit failed: {describe_api_error(exc)}", severity="error", timeout=15)
            self.app.poll_now()   # whatever intent was recorded, the poller's recover() finishes it
            return
        self.app.broadcast(BatchesUpdated, SweepResult(changed=rows))
        self._report_sent(plan.source, rows)
        self.app.poll_now()

    def _report_sent(self, source: str, rows: list[BatchRow]) -> None:
        created = [r.id for r in rows if r.id]
        if created:
            more = f" and {len(created) - MAX_NOTIFIED} more" if len(created) > MAX_NOTIFIED else ""
            self._say(f"Submitted {source}: {', '.join(created[:MAX_NOTIFIED])}{more}", timeout=12)
        for row in [r for r in rows if not r.id][:MAX_NOTIFIED]:
            name = f"batch {row.chunk_index + 1}" if row.chunk_index is not None else "a batch"
            if row.intent_state == "failed":
                self._say(f"{name} of {source} was not created: {row.intent_error or 'refused'}",
                          severity="error", timeout=15)
            elif row.intent_state == "intent":   # no connection could be made: nothing went out
                self._say(f"{name} of {source}: {row.intent_error or 'not sent yet'}; it goes out when the "
                          "server answers again (R tries now)", severity="warning", timeout=15)
            else:
                self._say(f"{name} of {source} is not confirmed yet ({row.intent_error or 'no answer'}); "
                          "it is settled when the server answers again", severity="warning", timeout=15)
