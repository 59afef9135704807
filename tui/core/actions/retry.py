"""Retry the failures of a batch: a new batch from the journal's stored params of its failed requests,
sent through the same journal-first submit path as `submit` (no duplicate after a crash), with its parent
recorded so the job's final answer per custom_id is the newest success (see `lineage`).

Chosen by default: `errored` with a retryable error type (server trouble: api_error, overloaded_error,
rate_limit_error, timeouts, unknown types) and `expired`. Errors the request itself caused
(`invalid_request_error`, ...) are held back and listed: they fail again unless the params change, so they
go out only with `all_errors`. `canceled` goes out only when included. A request sent with no line in the
results stream (`missing`, found when ingest read the stream to its end) counts as failed: it is resent too.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from tui.core.journal.connection import Journal, all_rows
from tui.core.models import BatchRow
from tui.core.words import batch_name, plural
from tui.core.journal.batches import get_batch

HELD_BACK_ERRORS = frozenset({
    "invalid_request_error", "authentication_error", "permission_error", "not_found_error",
    "request_too_large", "billing_error",
})
INCLUDABLE = ("canceled", "expired")
DEFAULT_INCLUDE = frozenset({"expired"})
MAX_LISTED = 50
MISSING = "missing (no line in the results)"
CHUNK = 5000


class RetryError(Exception):
    """A retry that cannot be done; the message is one line for the user."""


@dataclass(slots=True)
class RetrySelection:
    """What a retry of `source` would resend, before anything goes out."""

    source: BatchRow
    kinds: Counter = field(default_factory=Counter)       # "errored (api_error)" / "expired" / ... -> count
    held_back: Counter = field(default_factory=Counter)   # error type -> count (not resent)
    held_back_ids: list[str] = field(default_factory=list)  # the first MAX_LISTED of them
    not_included: Counter = field(default_factory=Counter)  # "canceled" -> count, when not included
    missing_params: int = 0                               # failures whose params the journal never had
    retried_by: list[str] = field(default_factory=list)   # earlier retries of this batch (server ids)
    items: list[tuple[str, bytes]] = field(default_factory=list)
    all_errors: bool = False
    include: frozenset = DEFAULT_INCLUDE

    @property
    def count(self) -> int:
        return len(self.items)

    def summary_lines(self) -> list[str]:
        """Human lines: what goes out per kind, then what stays behind and why."""
        name = self.source.id or f"#{self.source.local_id}"
        lines = [f"resend {plural(self.count, 'request')} of {name}:" if self.count
                 else f"nothing to resend from {name}"]
        lines += [f"  {n:>7}  {kind}" for kind, n in sorted(self.kinds.items())]
        for etype, n in sorted(self.held_back.items()):
            lines.append(f"held back: {n} {etype} (they fail again unless the params change; "
                         f"--all-errors sends them too)")
        if self.held_back_ids:
            more = sum(self.held_back.values()) - len(self.held_back_ids)
            lines.append("  " + ", ".join(self.held_back_ids) + (f" … and {more} more" if more > 0 else ""))
        for kind, n in sorted(self.not_included.items()):
            lines.append(f"not included: {n} {kind} (--include {kind} sends them too)")
        if self.retried_by:
            lines.append(f"note: already retried by {', '.join(self.retried_by)}; sending again resends the "
                         f"same requests (retry that batch instead to resend only what still failed)")
        if self.missing_params:
            lines.append(f"skipped: {plural(self.missing_params, 'failed request')} whose params this journal never "
                         f"had (batch submitted elsewhere)")
        return lines


def retry_refusal(batch: BatchRow) -> str | None:
    """Why this batch's failures cannot be retried now, or None (cheap: from the row alone)."""
    name = batch.id or f"#{batch.local_id}"
    if batch.processing_status != "ended":
        return f"{name} has not ended yet; retry its failures once it has"
    if batch.results_missing:   # the stream was read to its end and these never came: resent like failures
        return None
    if batch.counts.failed == 0:
        return f"{name} has no failed requests"
    if batch.ingest_state != "complete":
        return f"the results of {name} are not all in the journal yet ({batch.ingest_state}); wait for them"
    return None


def retry_label(source: BatchRow) -> str:
    """"retry of NAME", then "retry #2 of NAME" for a retry of that retry, and so on."""
    base = batch_name(source)
    found = re.fullmatch(r"retry(?: #(\d+))? of (.+)", base, flags=re.DOTALL)
    if found is None:
        return f"retry of {base}"
    return f"retry #{int(found.group(1) or 1) + 1} of {found.group(2)}"


def _parse_include(include: Iterable[str]) -> frozenset:
    kinds = frozenset(k.strip() for k in include if k.strip())
    unknown = kinds - set(INCLUDABLE)
    if unknown:
        raise RetryError(f"--include takes {', '.join(INCLUDABLE)}; not {', '.join(sorted(unknown))}")
    return DEFAULT_INCLUDE | kinds


async def select_retry(journal: Journal, key: int | str, *, include: Iterable[str] = (),
                       all_errors: bool = False) -> RetrySelection:
    """Read the failed requests of a batch and sort them into resend / held back. Sends nothing."""
    kinds = _parse_include(include)
    batch = await get_batch(journal, key)
    if batch is None:
        raise RetryError(f"no batch matches {str(key)!r} in the journal")
    if (why := retry_refusal(batch)) is not None:
        raise RetryError(why)
    sel = RetrySelection(batch, all_errors=all_errors, include=kinds)
    async with journal.db.execute("SELECT COALESCE(id, '(being sent)') FROM batches WHERE parent_id = ? "
                                  "ORDER BY local_id", (batch.id,)) as cur:
        sel.retried_by = [row[0] for row in await cur.fetchall()]
    sql = """
        SELECT r.custom_id, r.result_type, r.error_type, q.params
        FROM results r LEFT JOIN requests q ON q.batch_local_id = r.batch_local_id AND q.custom_id = r.custom_id
        WHERE r.batch_local_id = ? AND r.result_type != 'succeeded' AND r.custom_id > ?
        ORDER BY r.custom_id LIMIT ?
    """
    after = ""
    while True:
        async with journal.db.execute(sql, (batch.local_id, after, CHUNK)) as cur:
            rows = await all_rows(cur)
        if not rows:
            break
        for cid, rtype, etype, params in rows:
            _sort(sel, cid, rtype, etype, params)
        after = rows[-1][0]
    if batch.results_missing:
        await _add_missing(journal, sel)
    return sel


async def _add_missing(journal: Journal, sel: RetrySelection) -> None:
    """The requests of the batch with no result line: one set difference, in keyset pages."""
    sql = """
        SELECT q.custom_id, q.params FROM requests q
        WHERE q.batch_local_id = ?1 AND q.custom_id > ?2
          AND NOT EXISTS (SELECT 1 FROM results r WHERE r.batch_local_id = ?1 AND r.custom_id = q.custom_id)
        ORDER BY q.custom_id LIMIT ?3
    """
    after = ""
    while True:
        async with journal.db.execute(sql, (sel.source.local_id, after, CHUNK)) as cur:
            rows = await all_rows(cur)
        if not rows:
            break
        for cid, params in rows:
            sel.kinds[MISSING] += 1
            sel.items.append((cid, params.encode() if isinstance(params, str) else bytes(params)))
        after = rows[-1][0]


def _sort(sel: RetrySelection, cid: str, rtype: str, etype: str | None, params: Any) -> None:
    if rtype == "errored":
        if etype in HELD_BACK_ERRORS and not sel.all_errors:
            sel.held_back[etype] += 1
            if len(sel.held_back_ids) < MAX_LISTED:
                sel.held_back_ids.append(cid)
            return
        kind = f"errored ({etype or 'unknown'})"
    elif rtype in sel.include:
        kind = rtype
    elif rtype in INCLUDABLE:
        sel.not_included[rtype] += 1
        return
    else:
        kind = f"{rtype} (unknown result type)"
    if params is None:
        sel.missing_params += 1
        return
    sel.kinds[kind] += 1
    sel.items.append((cid, params.encode() if isinstance(params, str) else bytes(params)))


async def send_retry(journal: Journal, client: Any, sel: RetrySelection, *, actor: str = "cli") -> list[BatchRow]:
    """Submit the selection as new batch(es) whose parent is the source; record who retried what."""
    from tui.core.submit.check import plan_from_requests
    from tui.core.submit.send import submit

    if not sel.items:
        raise RetryError(f"nothing to resend from {sel.source.id}")
    plan = plan_from_requests(sel.items, source=f"failures of {sel.source.id}")
    if not plan.ok:
        raise RetryError("; ".join(plan.error_lines()[:3]))
    source = sel.source
    label = retry_label(source)
    rows = await submit(journal, client, plan, label=label, again=True, parent_id=source.id,
                        job_name=label)
    async with journal.transaction():
        await journal.record_event("retried", batch_local_id=source.local_id, job_id=source.job_id, detail={
            "by": actor, "batch_id": source.id, "requests": sel.count, "kinds": dict(sel.kinds),
            "held_back": dict(sel.held_back), "new_batches": [r.id for r in rows]})
    return rows
