"""Export results from the journal (never the server, so results it has deleted still export) as JSONL or
CSV. Streams in keyset-paged chunks, writes a temporary file in the target folder and renames it into
place (mode 0600), and never replaces an existing file unless told to (`force`).

- JSONL: each result line exactly as received, or (`joined`) `{"custom_id", "batch_id", "params", "result"}`.
- CSV: one row per custom_id (UTF-8, RFC 4180: CRLF between rows, fields with commas, quotes or newlines
  quoted; `bom` adds a byte-order mark so Excel detects UTF-8), columns in `CSV_COLUMNS` (+ `params`
  when joined). Every cell goes through `spreadsheet_cell`: text that a spreadsheet would run as a formula
  gets a leading `'` unless `raw_cells` asks for the values verbatim (for programs, not spreadsheets).
- A job (or `final` on a batch) merges the family's batches and retries: the newest success per custom_id.
"""

from __future__ import annotations

import csv
import io
import math
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from tui.core.journal.connection import Journal, all_rows
from tui.core.journal.lineage import family_ids, family_of_job, iter_final_results
from tui.core.models import BatchRow
from tui.core.words import plural, response_text
from tui.core.journal.batches import get_batch

FORMATS = ("jsonl", "csv")
ONLY = ("succeeded", "failed")
CSV_COLUMNS = (
    "custom_id", "result_type", "error_type", "error_message", "stop_reason", "response_text",
    "input_tokens", "output_tokens", "cache_creation_input_tokens", "cache_read_input_tokens",
    "cost_usd", "batch_id",
)
# A spreadsheet runs a cell starting with one of these as a formula (OWASP, "CSV Injection"; a leading tab or
# carriage return can hide one from a quick look and some spreadsheets strip it and read on).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_cell(value: object, *, raw: bool = False) -> str:
    """One cell of a spreadsheet export, as text: the CSV writer's only way to a cell, and the one any later
    spreadsheet format (XLSX, ODS) must use too.

    Formula injection: Excel, LibreOffice and Google Sheets run a cell whose text starts with `=`, `+`, `-` or
    `@` as a formula (`=HYPERLINK(...)` leaks data, `=cmd|...` runs programs), whether or not the CSV quotes it;
    a leading tab or carriage return is treated the same way. Model answers, custom_ids, error types and
    messages, stop reasons, result types, batch ids and the joined params all come from outside, so any of them
    starting with one of `FORMULA_TRIGGERS` gets a single quote in front, as OWASP recommends: the spreadsheet
    shows the text and runs nothing. Nothing else in the cell changes (the csv module still quotes it), and a
    cell that does not start with a trigger is written exactly as it is.

    Numbers are told apart by type, never by how a text looks. An `int` or a finite `float` is a value the
    journal stores as a number (token counts, cost in USD) and is written as the number it is, negative or not:
    `-5` or `-0.25` is read by every spreadsheet as a number, not a formula, and purely numeric fields may be
    left alone (OWASP). Text that merely looks like a number is still text and gets its quote: a model's
    answer "-5" becomes `'-5`, because "looks numeric" is exactly the test that escapes get wrong (`-2+3`,
    `-1e5`, `-inf` all look nearly numeric and are formulas or errors to a spreadsheet). A float that is not
    finite is text to a spreadsheet and is handled as text. `None` is an empty cell.

    `raw=True` (`export --raw-cells`, the dialog's "raw cells" box) writes every cell verbatim, for programs
    that read the file; such a file must not be opened in a spreadsheet. The quote is not undone on reading
    (a text that itself started with `'=` would look the same), so a program that needs the exact text asks for
    raw cells or reads the JSONL export, which is never changed."""
    if type(value) is str:
        text = value
    elif value is None:
        return ""
    elif isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    elif isinstance(value, float) and math.isfinite(value):
        return repr(value)
    else:
        text = str(value)
    if not raw and text.startswith(FORMULA_TRIGGERS):
        return "'" + text
    return text


class ExportError(Exception):
    """An export that cannot be done; the message is one line for the user."""


@dataclass(slots=True, frozen=True)
class ExportOptions:
    fmt: str = "csv"
    only: str | None = None        # None | "succeeded" | "failed"
    joined: bool = False
    final: bool = False            # for a batch: export its whole job, newest success per custom_id
    force: bool = False            # replace an existing file
    bom: bool = False              # CSV: start with a UTF-8 byte-order mark (for Excel)
    raw_cells: bool = False        # CSV: cells verbatim, no quote before formula-like text (for programs)


@dataclass(slots=True, frozen=True)
class ExportTarget:
    description: str               # "batch msgbatch_…" or "job 3 (name), 4 batches"
    local_ids: list[int]           # newest first
    batch: BatchRow | None         # the batch named, if a batch was named
    job_id: int | None


@dataclass(slots=True, frozen=True)
class ExportOutcome:
    path: Path                     # absolute
    rows: int
    target: ExportTarget


async def resolve_target(journal: Journal, key: str | int, *, final: bool = False) -> ExportTarget:
    """A batch (id, short id, local id) or a job (`job:N`, or its exact name)."""
    text = str(key).strip()
    batch = None
    if not text.startswith("job:"):
        batch = await get_batch(journal, key if isinstance(key, int) else text)
    if batch is not None:
        if not final:
            return ExportTarget(f"batch {batch.id or batch.local_id}", [batch.local_id], batch, batch.job_id)
        ids = await family_ids(journal, batch)
        return ExportTarget(f"the job of {batch.id} ({plural(len(ids), 'batch')})", ids, batch, batch.job_id)
    job = await _find_job(journal, text.removeprefix("job:"))
    if job is None:
        raise ExportError(f"no batch or job matches {text!r} in the journal")
    ids = await family_of_job(journal, job["id"])
    if not ids:
        raise ExportError(f"job {job['id']} ({job['name']}) has no batches in the journal")
    return ExportTarget(f"job {job['id']} ({job['name']}, {plural(len(ids), 'batch')})", ids, None, job["id"])


async def _find_job(journal: Journal, text: str) -> Any:
    if text.isdigit():
        async with journal.db.execute("SELECT id, name FROM jobs WHERE id = ?", (int(text),)) as cur:
            return await cur.fetchone()
    async with journal.db.execute("SELECT id, name FROM jobs WHERE name = ? LIMIT 2", (text,)) as cur:
        rows = await all_rows(cur)
    if len(rows) > 1:
        raise ExportError(f"several jobs are named {text!r}; name one as job:N (see `list`)")
    return rows[0] if rows else None


def check_destination(dest: str | os.PathLike[str], *, force: bool) -> Path:
    """The absolute path to write, or an ExportError saying why not (before any work is done)."""
    path = Path(os.path.abspath(Path(dest).expanduser()))
    if path.is_dir():
        raise ExportError(f"{path} is a folder; give a file name")
    if path.exists() and not force:
        raise ExportError(f"{path} already exists; choose another name or add --force to replace it")
    if not path.parent.is_dir():
        raise ExportError(f"folder {path.parent} does not exist")
    return path


async def export_results(journal: Journal, key: str | int, dest: str | os.PathLike[str],
                         options: ExportOptions = ExportOptions(), *, actor: str = "cli",
                         chunk: int = 2000) -> ExportOutcome:
    if options.fmt not in FORMATS:
        raise ExportError(f"unknown format {options.fmt!r}; use one of: {', '.join(FORMATS)}")
    if options.only not in (None, *ONLY):
        raise ExportError(f"--only takes one of: {', '.join(ONLY)}")
    path = check_destination(dest, force=options.force)
    target = await resolve_target(journal, key, final=options.final)
    try:
        fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    except OSError as exc:
        raise ExportError(f"cannot write in {path.parent}: {exc.strerror or exc}") from None
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as out:
            rows = await _write(journal, out, target, options, chunk)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(tmp, 0o600)
        _place(tmp, path, force=options.force)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise ExportError(f"cannot write {path}: {exc.strerror or exc}") from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    async with journal.transaction():
        await journal.record_event(
            "exported", batch_local_id=target.batch.local_id if target.batch else None, job_id=target.job_id,
            detail={"by": actor, "path": str(path), "rows": rows, "format": options.fmt,
                    "final": options.final, "only": options.only, "joined": options.joined,
                    "raw_cells": options.raw_cells})
    return ExportOutcome(path, rows, target)


def _place(tmp: Path, path: Path, *, force: bool) -> None:
    if force:
        os.replace(tmp, path)
        return
    try:
        os.link(tmp, path)             # atomic and refuses to replace a file that appeared meanwhile
    except FileExistsError:
        tmp.unlink(missing_ok=True)
        raise ExportError(f"{path} already exists; choose another name or add --force to replace it") from None
    except OSError:                    # a filesystem without hard links
        if path.exists():
            tmp.unlink(missing_ok=True)
            raise ExportError(f"{path} already exists; choose another name or add --force to replace it") from None
        os.replace(tmp, path)
        return
    tmp.unlink()


async def _write(journal: Journal, out: Any, target: ExportTarget, options: ExportOptions, chunk: int) -> int:
    count = 0
    writer = None
    if options.fmt == "csv":
        text = io.TextIOWrapper(out, encoding="utf-8-sig" if options.bom else "utf-8", newline="",
                                write_through=True)
        writer = csv.writer(text)
        writer.writerow(CSV_COLUMNS + (("params",) if options.joined else ()))
    async for rows in iter_final_results(journal, target.local_ids, chunk=chunk):
        if options.only == "succeeded":
            rows = [r for r in rows if r["result_type"] == "succeeded"]
        elif options.only == "failed":
            rows = [r for r in rows if r["result_type"] != "succeeded"]
        params = await _params_for(journal, rows) if options.joined else {}
        if writer is not None:
            raw = options.raw_cells
            writer.writerows([spreadsheet_cell(cell, raw=raw) for cell in _csv_row(r, params, options.joined)]
                             for r in rows)
        else:
            out.write(b"".join(_jsonl_line(r, params, options.joined) for r in rows))
        count += len(rows)
    if writer is not None:
        text.detach()
    return count


async def _params_for(journal: Journal, rows: list[dict[str, Any]]) -> dict[tuple[int, str], bytes]:
    by_batch: dict[int, list[str]] = {}
    for r in rows:
        by_batch.setdefault(r["batch_local_id"], []).append(r["custom_id"])
    found: dict[tuple[int, str], bytes] = {}
    for lid, cids in by_batch.items():
        for start in range(0, len(cids), 500):
            part = cids[start:start + 500]
            sql = (f"SELECT custom_id, params FROM requests WHERE batch_local_id = ? "
                   f"AND custom_id IN ({','.join('?' * len(part))})")
            async with journal.db.execute(sql, (lid, *part)) as cur:
                for cid, blob in await cur.fetchall():
                    found[(lid, cid)] = _bytes(blob)
    return found


def _bytes(value: Any) -> bytes:
    return value.encode("utf-8") if isinstance(value, str) else bytes(value)


def _parse(raw: Any) -> dict[str, Any]:
    try:
        value = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return {}
    return value if isinstance(value, dict) else {}


def _csv_row(r: dict[str, Any], params: dict[tuple[int, str], bytes], joined: bool) -> list[Any]:
    """The cells of one row as values (text, numbers, None); `spreadsheet_cell` turns each into its text."""
    cost = r["cost_usd"]
    row = [
        r["custom_id"], r["result_type"], r["error_type"], r["error_message"],
        r["stop_reason"], response_text(_parse(r["raw"])),
        *(r[c] for c in CSV_COLUMNS[6:10]),
        float(cost) if isinstance(cost, int) else cost, r["batch_id"],
    ]
    if joined:
        blob = params.get((r["batch_local_id"], r["custom_id"]))
        row.append(blob.decode("utf-8", "replace") if blob is not None else None)
    return row


def _jsonl_line(r: dict[str, Any], params: dict[tuple[int, str], bytes], joined: bool) -> bytes:
    raw = _bytes(r["raw"]).rstrip(b"\r\n")
    if not joined:
        return raw + b"\n"
    blob = params.get((r["batch_local_id"], r["custom_id"]))
    line = {
        "custom_id": r["custom_id"],
        "batch_id": r["batch_id"],
        "params": orjson.Fragment(blob) if blob is not None else None,
        "result": _parse(raw).get("result"),
    }
    return orjson.dumps(line) + b"\n"
