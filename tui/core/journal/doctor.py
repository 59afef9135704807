"""Check a journal and copy what is readable out of a damaged one (`claude-batch-tui doctor`).

`check_journal` opens the file read-only (SQLite's `mode=ro`: nothing is ever written into a journal under
suspicion) and runs `PRAGMA quick_check`, then `PRAGMA integrity_check`. `recover_journal` makes a new
journal with this program's own schema (`Journal.open`) and copies every table into it, row by row where
a scan fails: forward from the first row until the damage, backward from the last row until the damage,
then each rowid in between on its own, so only the rows on unreadable pages are lost. It reports what was
copied and what was lost, per table. (SQLite's `.recover` is a shell command, not part of Python's sqlite3.)
"""

from __future__ import annotations

import asyncio
import sqlite3
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from tui.core.journal import search
from tui.core.journal.connection import Journal
from tui.core.journal.schema import SCHEMA_VERSION

SQLITE_MAGIC = b"SQLite format 3\x00"
MAX_PROBLEMS = 100            # integrity_check stops after this many
_OUR_TABLES = ("jobs", "batches")   # a database without these is not a journal


@dataclass
class CheckReport:
    path: Path
    readable: bool                     # SQLite could open it and read its schema
    ok: bool                           # quick_check and integrity_check found nothing
    verdict: str                       # one line, plain words
    problems: list[str] = field(default_factory=list)   # integrity_check's own lines (at most MAX_PROBLEMS)
    version: int | None = None
    tables: dict[str, int | None] = field(default_factory=dict)   # rows per table; None: could not count
    missing: bool = False              # there is no file at all


@dataclass
class TableCopy:
    name: str
    copied: int = 0
    lost: int = 0                      # rowids that could not be read, or rows the new journal refused
    unknown_loss: bool = False         # a part of the table could not be reached at all: how much is unknown
    note: str = ""


@dataclass
class RecoverReport:
    source: Path
    out: Path
    tables: list[TableCopy] = field(default_factory=list)
    placeholders: list[str] = field(default_factory=list)   # parent rows made up to keep their children

    @property
    def lost(self) -> int:
        return sum(t.lost for t in self.tables)

    @property
    def complete(self) -> bool:
        return not self.lost and not any(t.unknown_loss for t in self.tables)


class DoctorError(Exception):
    """The check or the copy cannot be done at all (no file, an output that exists): one line."""


def _q(name: str) -> str:
    """An SQL identifier, quoted (a damaged schema may hold any name)."""
    return '"' + name.replace('"', '""') + '"'


def _read_only(path: Path) -> sqlite3.Connection:
    uri = "file:" + urllib.parse.quote(str(path.resolve())) + "?mode=ro"
    con = sqlite3.connect(uri, uri=True, isolation_level=None)
    con.execute("PRAGMA query_only = ON")
    # lets SQLite read a file shorter than its header says (a truncated copy): the missing pages read as damage.
    # Nothing is written: the connection is read-only.
    con.execute("PRAGMA writable_schema = ON")
    return con


def _first_bytes_problem(path: Path) -> str | None:
    """Why the file cannot be a journal at all, before SQLite is asked; None if it may be one."""
    try:
        path.stat()
    except FileNotFoundError:
        pass
    except OSError as exc:   # a folder on the way that may not be entered
        return f"cannot read {path}: {exc.strerror or exc}"
    if not path.exists():
        return f"there is no journal at {path}"
    if path.is_dir():
        return f"{path} is a folder, not a journal file"
    if not path.is_file():
        return f"{path} is not a regular file"
    try:
        with path.open("rb") as handle:
            head = handle.read(len(SQLITE_MAGIC))
    except OSError as exc:
        return f"cannot read {path}: {exc.strerror or exc}"
    if not head:
        return None   # an empty file: a journal not yet written (SQLite reads it as an empty database)
    if head != SQLITE_MAGIC:
        return f"{path} is not an SQLite database (it does not start with SQLite's header): not a journal"
    return None


def check_journal(path: Path) -> CheckReport:
    """Read-only: is this file a journal, and does SQLite find anything wrong in it?"""
    path = Path(path)
    why = _first_bytes_problem(path)
    if why is not None:
        return CheckReport(path, readable=False, ok=False, verdict=why, missing=why.startswith("there is no"))
    try:
        con = _read_only(path)
    except sqlite3.Error as exc:
        return CheckReport(path, readable=False, ok=False, verdict=f"SQLite cannot open {path}: {exc}")
    try:
        try:
            (version,) = con.execute("PRAGMA user_version").fetchone()
            names = {name for (name,) in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        except sqlite3.Error as exc:
            return CheckReport(path, readable=False, ok=False,
                               verdict=f"SQLite cannot read the list of tables in {path} ({exc}): nothing can "
                                       "be copied out of it")
        report = CheckReport(path, readable=True, ok=False, verdict="", version=version)
        stopped = False
        for label in ("quick_check", "integrity_check"):
            try:
                report.problems = [line for (line,) in con.execute(f"PRAGMA {label}({MAX_PROBLEMS})")]
            except sqlite3.Error as exc:
                report.problems = [f"{label} could not read on: {exc}"]
                stopped = True
            if report.problems != ["ok"]:
                break
        report.ok = report.problems == ["ok"]
        if report.ok:
            report.problems = []
        for name in sorted(names):
            try:
                (report.tables[name],) = con.execute(f'SELECT count(*) FROM {_q(name)}').fetchone()
            except sqlite3.Error:
                report.tables[name] = None
        if not names:
            report.verdict = f"{path} is an empty database: a journal with nothing in it yet" if report.ok else \
                f"{path} is damaged and holds no readable table"
        elif not all(t in names for t in _OUR_TABLES):
            report.ok = False
            report.verdict = f"{path} is an SQLite database but not a claude-batch-tui journal (no jobs or " \
                "batches table)"
        elif version > SCHEMA_VERSION:
            report.verdict = (f"{path} has schema version {version}; this program knows up to {SCHEMA_VERSION}: "
                              "upgrade claude-batch-tui" + ("" if report.ok else " (and it is damaged)"))
        elif report.ok:
            report.verdict = f"{path}: no problems found (quick_check and integrity_check say ok)"
        elif stopped:
            report.verdict = f"{path} is damaged: SQLite's check stopped at a page it could not read"
        else:
            count = len(report.problems)
            more = "+" if count >= MAX_PROBLEMS else ""
            report.verdict = f"{path} is damaged: SQLite's integrity check found {count}{more} problem" + \
                ("s" if count != 1 else "")
        return report
    finally:
        con.close()


# -- recovery -----------------------------------------------------------------------------------------------------

async def recover_journal(source: Path, out: Path) -> RecoverReport:
    """Copy what is readable in `source` (opened read-only) into a new journal at `out`."""
    source, out = Path(source), Path(out)
    if out.exists() or Path(f"{out}-wal").exists():
        raise DoctorError(f"{out} already exists: name a new file for the recovered journal")
    if out.resolve() == source.resolve():
        raise DoctorError("the recovered journal must be a new file, not the journal itself")
    why = _first_bytes_problem(source)
    if why is not None:
        raise DoctorError(f"{why}; nothing can be copied out of it")
    try:
        src = _read_only(source)
        try:
            _tables(src)
        finally:
            src.close()
    except sqlite3.Error as exc:
        raise DoctorError(f"SQLite cannot read the list of tables in {source} ({exc}): nothing can be copied "
                          "out of it; restore it from a backup") from None
    journal = await Journal.open(out)   # the schema, as this program makes it
    await journal.close()
    return await asyncio.to_thread(_copy_all, source, out)


def _tables(con: sqlite3.Connection) -> dict[str, list[str]]:
    """The journal's tables, less the search index (`search_*`: rebuilt from the rows copied, never copied)."""
    names = [name for (name,) in con.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        " AND name NOT LIKE 'search\\_%' ESCAPE '\\'")]
    return {name: [row[1] for row in con.execute(f'PRAGMA table_info({_q(name)})')] for name in names}


def _copy_all(source: Path, out: Path) -> RecoverReport:
    report = RecoverReport(source, out)
    src = _read_only(source)
    dst = sqlite3.connect(out, isolation_level=None)
    try:
        src_tables = _tables(src)
        dst.execute("PRAGMA foreign_keys = OFF")   # parents may be lost: placeholders are added after the copy
        dst_tables = _tables(dst)
        order = [t for t in ("jobs", "batches") if t in dst_tables] + \
            sorted(t for t in dst_tables if t not in ("jobs", "batches"))
        for name in order:
            if name not in src_tables:
                report.tables.append(TableCopy(name, note="not in the old journal (a newer table)"))
                continue
            columns = [c for c in dst_tables[name] if c in src_tables[name]]
            copy = _copy_table(src, dst, name, columns)
            _count_lost(src, name, copy)
            report.tables.append(copy)
        report.placeholders = _keep_orphans(dst)
        dst.execute(search.INDEX_REQUESTS_AFTER, (0,))   # the words of the rows copied, for `/` search
        dst.execute(search.INDEX_RESULTS_AFTER, (0,))
    finally:
        dst.close()
        src.close()
    return report


def _copy_table(src: sqlite3.Connection, dst: sqlite3.Connection, name: str, columns: list[str]) -> TableCopy:
    copy = TableCopy(name)
    cols = ", ".join(_q(c) for c in columns)
    insert = f'INSERT INTO {_q(name)} ({cols}) VALUES ({", ".join("?" for _ in columns)})'
    dst.execute("BEGIN")
    try:
        for row in _readable_rows(src, name, cols, copy):
            try:
                dst.execute(insert, row)
                copy.copied += 1
            except sqlite3.Error:        # a damaged value the schema refuses (NULL in NOT NULL, a duplicate key)
                copy.lost += 1
        dst.execute("COMMIT")
    except BaseException:
        dst.execute("ROLLBACK")
        raise
    return copy


def _count_lost(src: sqlite3.Connection, name: str, copy: TableCopy) -> None:
    """SQLite may still count the rows through an index when their own pages are damaged: then the loss is
    known exactly (rows counted but not copied)."""
    try:
        (counted,) = src.execute(f'SELECT count(*) FROM {_q(name)}').fetchone()
    except sqlite3.Error:
        return
    if counted >= copy.copied and (copy.unknown_loss or counted - copy.copied > copy.lost):
        copy.lost = counted - copy.copied
        copy.unknown_loss = False
        copy.note = ""


def _readable_rows(src: sqlite3.Connection, name: str, cols: str, copy: TableCopy) -> Iterator[tuple]:
    """Every row that can be read: forward until the damage, backward until the damage, then the rowids in
    between one at a time (each lookup walks only the pages on its own path)."""
    try:
        src.execute(f'SELECT rowid FROM {_q(name)} LIMIT 0')
        has_rowid = True
    except sqlite3.Error as exc:
        if "no such column" not in str(exc):
            copy.unknown_loss = True
            copy.note = f"the table could not be read ({' '.join(str(exc).split())[:120]})"
            return
        has_rowid = False            # a WITHOUT ROWID table (an old journal): both ends only
    key = "rowid" if has_rowid else "1"
    select = f'SELECT {key}, {cols} FROM {_q(name)}'
    low: int | None = None           # the last rowid read going forward
    forward_done = False
    try:
        for row in src.execute(f"{select} ORDER BY {key}" if has_rowid else select):
            low = row[0]
            yield tuple(row[1:])
        forward_done = True
    except sqlite3.Error:
        pass
    if forward_done:
        return
    if not has_rowid:
        copy.unknown_loss = True
        copy.note = "the rest of the table could not be read"
        return
    high: int | None = None          # the lowest rowid read going backward
    try:
        where = f" WHERE rowid > {low}" if low is not None else ""
        for row in src.execute(f"{select}{where} ORDER BY rowid DESC"):
            high = row[0]
            yield tuple(row[1:])
    except sqlite3.Error:
        pass
    if low is None and high is None:
        copy.unknown_loss = True
        copy.note = "no row of this table could be reached"
        return
    if low is None or high is None:
        copy.unknown_loss = True     # one end is unreachable: how many rows it held is unknown
        copy.note = "one end of the table could not be reached"
        return
    for rowid in range(low + 1, high):
        try:
            found = src.execute(f"{select} WHERE rowid = ?", (rowid,)).fetchone()
        except sqlite3.Error:
            copy.lost += 1
            continue
        if found is not None:
            yield tuple(found[1:])


def _keep_orphans(dst: sqlite3.Connection) -> list[str]:
    """Rows whose parent row was lost. A lost job or batch gets a placeholder row, so its children stay
    readable and a new batch never inherits them; a link the schema would set to NULL on delete is set to NULL."""
    made: list[str] = []
    tables = [t for t in _tables(dst) if t not in ("jobs", "batches")]
    dst.execute("BEGIN")
    try:
        for table in ["batches", *tables]:
            for link in dst.execute(f'PRAGMA foreign_key_list("{table}")').fetchall():
                parent, column, parent_column, on_delete = link[2], link[3], link[4] or "rowid", link[6]
                lost = f'"{column}" IS NOT NULL AND "{column}" NOT IN (SELECT "{parent_column}" FROM "{parent}")'
                if on_delete == "SET NULL":
                    dst.execute(f'UPDATE "{table}" SET "{column}" = NULL WHERE {lost}')
                    continue
                for (value,) in dst.execute(f'SELECT DISTINCT "{column}" FROM "{table}" WHERE {lost}').fetchall():
                    if parent == "jobs":
                        dst.execute("INSERT INTO jobs(id, name, request_count, created_at) VALUES (?, ?, 0, 0)",
                                    (value, f"recovered job #{value} (its own row was lost)"))
                    elif parent == "batches":
                        dst.execute(
                            "INSERT INTO batches(local_id, label, intent_state, intent_error, processing_status,"
                            " ingest_state) VALUES (?, ?, 'failed', ?, 'ended', 'unavailable')",
                            (value, f"recovered #{value}",
                             "recovered by doctor: this batch's own row was lost; what belonged to it was kept"))
                    else:   # pragma: no cover - the schema's only parents are jobs and batches
                        continue
                    made.append(f"{'job' if parent == 'jobs' else 'batch'} #{value}")
        dst.execute("COMMIT")
    except BaseException:
        dst.execute("ROLLBACK")
        raise
    return made
