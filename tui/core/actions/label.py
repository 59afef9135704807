"""Naming a batch: the label a user gives it (an adopted "batch 6", a chunk), stored in the journal.

A label is the name shown everywhere (`words.batch_name`); without one a batch is named after its file, its
job or its number. What a user types is checked here, once, for the TUI's rename dialog and the `label`
command alike: one line of plain text, at most `MAX_LABEL` characters, no control or invisible characters
(they could drive a terminal or hide what a name says). Setting it is one small transaction with an event.
"""

from __future__ import annotations

import unicodedata

from tui.core.journal.batches import get_batch, list_batches
from tui.core.journal.connection import Journal
from tui.core.models import BatchRow
from tui.core.words import batch_name

MAX_LABEL = 100


class LabelError(ValueError):
    """A label or a batch name that cannot be used; the message says what and where."""


def _refused_char(ch: str) -> bool:
    """Control (C0, DEL, C1), format (bidi overrides, zero-width), line/paragraph separators, surrogates,
    private use and unassigned characters."""
    return unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp", "Cs", "Co", "Cn")


def check_label(text: str) -> str:
    """The label to store (surrounding spaces removed), or LabelError saying what is wrong and where."""
    label = text.strip()
    if not label:
        raise LabelError("the label is empty (to go back to the default name, clear the label instead)")
    for position, ch in enumerate(label, start=1):
        if _refused_char(ch):
            what = {"\n": "a line break", "\r": "a carriage return", "\t": "a tab", "\x1b": "an escape (ESC)"}.get(
                ch, "a control or invisible character")
            raise LabelError(f"the label holds {what} (U+{ord(ch):04X}) at character {position}: "
                             "a label is one line of plain text")
    if len(label) > MAX_LABEL:
        raise LabelError(f"the label is {len(label)} characters long; at most {MAX_LABEL}")
    return label


async def find_batch(journal: Journal, key: str) -> BatchRow:
    """The one batch `key` names: its id (or a unique start or end of it, as shown), `#N` (its local number,
    shown before it has an id), or its name as shown (case ignored). LabelError when none or several match."""
    key = key.strip()
    if not key:
        raise LabelError("no batch named: give its id (or the end of it shown by `list`) or its name")
    if key.startswith("#") and key[1:].isdigit():
        row = await get_batch(journal, int(key[1:]))
        if row is None:
            raise LabelError(f"no batch {key} in the journal")
        return row
    row = await get_batch(journal, key)
    if row is not None:
        return row
    wanted = key.casefold()
    named = [r for r in await list_batches(journal) if batch_name(r).casefold() == wanted
             or (r.label or "").casefold() == wanted]
    if len(named) == 1:
        return named[0]
    if named:
        ids = ", ".join(r.id or f"#{r.local_id}" for r in named[:5]) + (" …" if len(named) > 5 else "")
        raise LabelError(f"{len(named)} batches are named {batch_name(named[0])!r}: give the id of one ({ids})")
    raise LabelError(f"no batch matches {key!r} in the journal (by id, the end of an id, #N or name)")


async def set_label(journal: Journal, local_id: int, label: str | None, *, actor: str = "cli") -> BatchRow:
    """Give the batch this label (checked with `check_label`), or with None its default name back.
    Returns the row as it is now; LabelError if the label is refused or the batch is not in the journal."""
    clean = None if label is None else check_label(label)
    async with journal.transaction() as db:
        async with db.execute("SELECT label FROM batches WHERE local_id = ?", (local_id,)) as cur:
            found = await cur.fetchone()
        if found is None:
            raise LabelError(f"batch #{local_id} is not in the journal (deleted meanwhile?)")
        await db.execute("UPDATE batches SET label = ? WHERE local_id = ?", (clean, local_id))
        await journal.record_event("labeled", batch_local_id=local_id,
                                   detail={"by": actor, "label": clean, "was": found[0]})
    row = await get_batch(journal, local_id)
    if row is None:   # forgotten (`delete --forget`) by another process in between
        raise LabelError(f"batch #{local_id} is no longer in the journal")
    return row
