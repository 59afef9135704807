"""The SQLite journal: one file, WAL, mode 0600 in a 0700 folder, schema migrated forward on open.

One `Journal` holds one aiosqlite connection in autocommit mode; every write goes through
`async with journal.transaction():` which takes the write lock up front (`BEGIN IMMEDIATE`), so two
processes on one file queue politely (busy_timeout) instead of failing with "database is locked".
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import os
import shlex
import sqlite3
import stat
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any, cast

import aiosqlite
import orjson

from tui.core.clock import Clock
from tui.core.journal.schema import MIGRATIONS, SCHEMA_VERSION

BUSY_TIMEOUT_MS = 30_000
WAL_AUTOCHECKPOINT = 1000            # pages (SQLite's default)
DEFAULT_CACHE_KIB = -2000            # SQLite's default page cache: 2 MB (negative = KiB)
BULK_CACHE_KIB = -16384              # during bulk writes: 16 MB
JOURNAL_SIZE_LIMIT = 64 * 1024 * 1024   # the WAL file is cut back to this after a checkpoint
_BUSY = (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_BUSY_SNAPSHOT)


class JournalError(Exception):
    """The journal cannot be opened, read or written: its one-line message says what is wrong with which file
    and what to do. `kind`: "damaged" (not a database, or a damaged page), "foreign" (another program's
    database), "newer" (a newer schema), "access" (not a file, cannot be opened), "full" (the disk is full),
    "io" (the disk failed a read or write)."""

    def __init__(self, message: str, kind: str = "access") -> None:
        super().__init__(message)
        self.kind = kind

    @property
    def fatal(self) -> bool:
        """Nothing more can be done with this journal until the user acts (a full disk or an I/O error may pass)."""
        return self.kind not in ("full", "io")


def doctor_hint(path: Path) -> str:
    """What to do with a journal that cannot be read: the words every front end uses."""
    where = shlex.quote(str(path))
    return (f"restore it from a backup, or run `claude-batch-tui doctor --journal {where}` to check it and "
            "copy what is readable into a new journal")


def journal_problem(exc: BaseException, path: str | os.PathLike[str]) -> JournalError | None:
    """`exc` as a `JournalError` when it says the journal file itself is unusable (not a database, damaged,
    the disk full or failing, cannot be opened); None for anything else (a busy lock, a constraint, a bug)."""
    path = Path(path)
    if isinstance(exc, JournalError):
        return exc
    if isinstance(exc, UnicodeDecodeError) and _raised_by_sqlite(exc):   # text this program never wrote
        return JournalError(f"journal {path} is damaged (a stored text is not UTF-8): {doctor_hint(path)}",
                            "damaged")
    if not isinstance(exc, sqlite3.DatabaseError):
        return None
    code = (getattr(exc, "sqlite_errorcode", None) or 0) & 0xFF
    text = " ".join((str(exc) or type(exc).__name__).split())
    if len(text) > 160:
        text = text[:159] + "…"
    if code == sqlite3.SQLITE_NOTADB or (not code and "not a database" in text):
        return JournalError(f"{path} is not a journal ({text}): {doctor_hint(path)}", "damaged")
    if code == sqlite3.SQLITE_CORRUPT or (not code and "malformed" in text):
        return JournalError(f"journal {path} is damaged ({text}): {doctor_hint(path)}", "damaged")
    if code == sqlite3.SQLITE_FULL:
        return JournalError(f"journal {path}: the disk is full ({text}); the change was not saved and nothing "
                            "was lost. Free some space and try again", "full")
    if code == sqlite3.SQLITE_IOERR:
        return JournalError(f"journal {path}: the disk failed to read or write it ({text}); nothing more was "
                            "saved. Check free space, file size limits and the disk, then run "
                            f"`claude-batch-tui doctor --journal {shlex.quote(str(path))}`", "io")
    if "Could not decode to UTF-8" in text:   # text this program never wrote
        return JournalError(f"journal {path} is damaged ({text}): {doctor_hint(path)}", "damaged")
    if code == sqlite3.SQLITE_ERROR and ("no such table" in text or "no such column" in text):
        return JournalError(f"journal {path} lacks the tables this program keeps ({text}): it is damaged or was "
                            f"changed by another program: {doctor_hint(path)}", "damaged")
    if code in (sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_PERM, sqlite3.SQLITE_AUTH, sqlite3.SQLITE_READONLY):
        return JournalError(f"cannot use journal {path} ({text}): it must be a file you can read and write, "
                            "in a folder you can write", "access")
    return None


async def one_row(cur: aiosqlite.Cursor) -> sqlite3.Row:
    """The row of a query that always yields one: an aggregate (COUNT, MIN, EXISTS), a PRAGMA, or a row the
    caller knows is there."""
    row = await cur.fetchone()
    assert row is not None, "the query yielded no row"
    return row


async def all_rows(cur: aiosqlite.Cursor) -> list[sqlite3.Row]:
    """`cur.fetchall()` as the list it is (aiosqlite hands back sqlite3's list but declares an Iterable)."""
    return cast("list[sqlite3.Row]", await cur.fetchall())


def _unopenable(exc: BaseException, path: Path) -> JournalError | None:
    """Any other SQLite error while opening (an unsupported file format, a schema SQLite cannot parse), except a
    lock held by another process: the file cannot be used as a journal."""
    if not isinstance(exc, sqlite3.DatabaseError):
        return None
    code = (getattr(exc, "sqlite_errorcode", None) or 0) & 0xFF
    if code in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED):
        return None
    text = " ".join(str(exc).split())[:160]
    return JournalError(f"journal {path} cannot be opened as a journal ({text}): {doctor_hint(path)}", "damaged")


def _raised_by_sqlite(exc: BaseException) -> bool:
    """Whether `exc` came out of the SQLite driver (a row being read), not from the program's own code."""
    tb = exc.__traceback__
    while tb is not None:
        if str(tb.tb_frame.f_globals.get("__name__", "")).startswith(("aiosqlite", "sqlite3")):
            return True
        tb = tb.tb_next
    return False


def _secure_paths(path: Path) -> None:
    folder = path.parent
    if not folder.exists():
        folder.mkdir(parents=True, mode=0o700, exist_ok=True)  # another process may create it meanwhile
    if path.exists() and not path.is_file():
        what = "a folder" if path.is_dir() else "not a regular file"
        raise JournalError(f"journal {path} is {what}, not a journal file: point --journal at a file "
                           "(or remove it to start a new journal there)", "access")
    if not path.exists():
        fd = os.open(path, os.O_CREAT | os.O_WRONLY, 0o600)
        os.close(fd)
    os.chmod(path, 0o600)


def _fix_modes(path: Path) -> None:
    """WAL and SHM files are created by SQLite with the umask; tighten them too."""
    for suffix in ("", "-wal", "-shm"):
        p = Path(str(path) + suffix)
        if p.exists() and stat.S_IMODE(p.stat().st_mode) != 0o600:
            os.chmod(p, 0o600)


class Journal:
    def __init__(self, db: aiosqlite.Connection, path: Path, clock: Clock) -> None:
        self.db = db
        self.path = path
        self.clock = clock
        self._in_tx = False
        self._tx_task: asyncio.Task | None = None
        self._tx_lock = asyncio.Lock()
        self._bulk_writers = 0
        # {local_id: (version, sums)}: per-batch result sums, kept by `tui.core.journal.sums`
        self.kept_sums: dict[int, tuple[tuple[Any, ...], tuple[Any, ...]]] = {}

    @classmethod
    async def open(cls, path: str | os.PathLike[str], clock: Clock | None = None) -> Journal:
        path = Path(path)
        try:
            _secure_paths(path)
            db = await aiosqlite.connect(path, isolation_level=None)
        except OSError as exc:
            raise JournalError(f"cannot open journal {path}: {exc.strerror or exc}; it must be a file you can "
                               "read and write, in a folder you can write", "access") from exc
        except sqlite3.DatabaseError as exc:
            raise (journal_problem(exc, path) or JournalError(f"cannot open journal {path}: {exc}")) from exc
        db.row_factory = aiosqlite.Row
        journal = cls(db, path, clock or Clock())
        try:
            await journal._configure()
            await journal._migrate()
            await journal._check_tables()
        except BaseException as exc:
            await db.close()
            problem = journal_problem(exc, path) or _unopenable(exc, path)
            if problem is not None and problem is not exc:
                raise problem from exc
            raise
        _fix_modes(path)
        return journal

    async def _configure(self) -> None:
        await self.db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        await self._refuse_foreign()   # before WAL mode is set: that rewrites the file's header
        await self.db.execute("PRAGMA page_size = 16384")   # a new journal only: rows of ~1 KB (results, params)
        # switching a new file to WAL takes an exclusive lock: SQLite answers BUSY at once, without its busy
        # wait, while another process creating the same journal holds one
        await self._execute_when_free("PRAGMA journal_mode = WAL")
        await self.db.execute("PRAGMA synchronous = NORMAL")
        await self.db.execute("PRAGMA foreign_keys = ON")
        await self.db.execute(f"PRAGMA journal_size_limit = {JOURNAL_SIZE_LIMIT}")

    async def _migrate(self) -> None:
        async with self.db.execute("PRAGMA user_version") as cur:
            (version,) = await one_row(cur)
        if version > SCHEMA_VERSION:
            raise JournalError(
                f"journal {self.path} has schema version {version}; this program knows up to "
                f"{SCHEMA_VERSION}. Upgrade claude-batch-tui.", "newer"
            )
        if version < SCHEMA_VERSION:
            await self._check_before_migrating(version)
        for number in range(version, SCHEMA_VERSION):
            async with self.transaction():
                # re-check under the write lock: another process may have migrated meanwhile
                async with self.db.execute("PRAGMA user_version") as cur:
                    (now_version,) = await one_row(cur)
                if now_version != number:
                    continue
                for statement in _split_sql(MIGRATIONS[number]):
                    await self.db.execute(statement)
                await self.db.execute(f"PRAGMA user_version = {number + 1}")

    async def _refuse_foreign(self) -> None:
        """Never touch another program's database (tables, and no journal schema version)."""
        async with self.db.execute("PRAGMA user_version") as cur:
            (version,) = await one_row(cur)
        if version < 0:
            raise JournalError(f"journal {self.path} has an impossible schema version ({version}): it is damaged: "
                               f"{doctor_hint(self.path)}", "damaged")
        if version:
            return
        async with self.db.execute("SELECT count(*) FROM sqlite_master") as cur:
            (objects,) = await one_row(cur)
        if objects:
            raise JournalError(f"{self.path} is an SQLite database but not a claude-batch-tui journal (it has "
                               "tables and no journal schema version); point --journal at your journal file",
                               "foreign")

    async def _check_tables(self) -> None:
        """Every table and column this program reads is there (a damaged or edited schema fails here, once,
        instead of in whichever query meets it first)."""
        for table, columns in _expected_columns().items():
            async with self.db.execute("SELECT name FROM pragma_table_info(?)", (table,)) as cur:
                have = {name for (name,) in await all_rows(cur)}
            missing = [c for c in columns if c not in have]
            if missing:
                what = f"no table {table}" if not have else f"table {table} lacks {', '.join(missing[:3])}"
                raise JournalError(f"journal {self.path} is not laid out as this program keeps it ({what}): it is "
                                   f"damaged or was changed by another program: {doctor_hint(self.path)}", "damaged")

    async def _check_before_migrating(self, version: int) -> None:
        """Migrations rewrite tables: never in a damaged journal."""
        if version:
            await self.ensure_sound("so it was not upgraded")

    async def ensure_sound(self, consequence: str) -> None:
        """SQLite's `quick_check` of the whole file (it reads every page: about a second a gigabyte); raises a
        "damaged" `JournalError` saying `consequence` ("so nothing was sent") when it finds a problem."""
        try:
            async with self.db.execute("PRAGMA quick_check(1)") as cur:
                (verdict,) = await one_row(cur)
        except sqlite3.DatabaseError as exc:
            problem = journal_problem(exc, self.path)
            if problem is None:
                raise
            verdict = str(exc)
        if verdict != "ok":
            verdict = " ".join(verdict.replace("*** in database main ***", "").split())
            raise JournalError(f"journal {self.path} is damaged ({verdict}), {consequence}: "
                               f"{doctor_hint(self.path)}", "damaged")

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """One write transaction. Nested use (in the same task) joins the outer one; other tasks sharing
        this connection (poller, ingest, actions) wait for it instead of writing into it."""
        task = asyncio.current_task()
        if self._in_tx and self._tx_task is task:
            yield self.db
            return
        async with self._tx_lock:
            await self._begin()
            self._in_tx, self._tx_task = True, task
            try:
                yield self.db
            except BaseException as exc:
                self._in_tx, self._tx_task = False, None
                await self._rollback()
                problem = journal_problem(exc, self.path)
                if problem is not None and problem is not exc:
                    raise problem from exc
                raise
            self._in_tx, self._tx_task = False, None
            try:
                await self.db.execute("COMMIT")
            except sqlite3.DatabaseError as exc:   # a full disk at commit: SQLite may have rolled back already
                await self._rollback()
                problem = journal_problem(exc, self.path)
                if problem is not None:
                    raise problem from exc
                raise

    async def _rollback(self) -> None:
        """ROLLBACK if a transaction is still open: after a full disk, an I/O error or damage SQLite may have
        rolled it back itself, and a failing ROLLBACK must not hide the error that caused it."""
        if not self.db.in_transaction:
            return
        try:
            await self.db.execute("ROLLBACK")
        except sqlite3.DatabaseError:
            pass

    async def _begin(self) -> None:
        """BEGIN IMMEDIATE. While another task's read on this connection is still open (between its `execute`
        and its last fetch) and another process writes, SQLite answers SQLITE_BUSY at once, without its busy
        wait (waiting could deadlock). That read ends as soon as its task runs: yield, and try again."""
        await self._execute_when_free("BEGIN IMMEDIATE")

    async def _execute_when_free(self, sql: str) -> None:
        """Run `sql`, trying again for up to the busy timeout while SQLite answers BUSY without waiting."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + BUSY_TIMEOUT_MS / 1000
        while True:
            try:
                await self.db.execute(sql)
                return
            except sqlite3.OperationalError as exc:
                if getattr(exc, "sqlite_errorcode", None) not in _BUSY or loop.time() >= deadline:
                    raise
            await asyncio.sleep(0.02)

    @contextlib.asynccontextmanager
    async def bulk_writes(self) -> AsyncIterator[None]:
        """Around a long run of large transactions (results ingest): no automatic WAL checkpoint in between
        (the writer checkpoints between its own flushes, when it suits it), one when the last bulk writer is
        done; meanwhile a larger page cache holds the indexes that every row's insert walks."""
        self._bulk_writers += 1
        if self._bulk_writers == 1:
            await self.db.execute("PRAGMA wal_autocheckpoint = 0")
            await self.db.execute(f"PRAGMA cache_size = {BULK_CACHE_KIB}")
        try:
            yield
        finally:
            self._bulk_writers -= 1
            if self._bulk_writers == 0:
                await self.db.execute(f"PRAGMA cache_size = {DEFAULT_CACHE_KIB}")
                await self.db.execute(f"PRAGMA wal_autocheckpoint = {WAL_AUTOCHECKPOINT}")
                try:
                    await self.db.execute("PRAGMA wal_checkpoint(PASSIVE)")
                except sqlite3.OperationalError:
                    pass  # "table is locked" while a reader's statement is open: the autocheckpoint does it later

    async def record_event(self, kind: str, *, batch_local_id: int | None = None,
                           job_id: int | None = None, detail: dict | None = None) -> None:
        """Append to the audit trail (inside the caller's transaction if there is one)."""
        await self.db.execute(
            "INSERT INTO events(at, kind, batch_local_id, job_id, detail) VALUES (?,?,?,?,?)",
            (self.clock.now(), kind, batch_local_id, job_id,
             orjson.dumps(detail).decode() if detail is not None else None),
        )

    async def close(self) -> None:
        await self.db.close()


@functools.cache
def _expected_columns() -> dict[str, list[str]]:
    """{table: columns} of a journal made by this program: the migrations applied to an in-memory database."""
    con = sqlite3.connect(":memory:")
    try:
        for script in MIGRATIONS:
            for statement in _split_sql(script):
                con.execute(statement)
        tables = [name for (name,) in con.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")]
        return {t: [name for (name,) in con.execute("SELECT name FROM pragma_table_info(?)", (t,))] for t in tables}
    finally:
        con.close()


def _split_sql(script: str) -> list[str]:
    """Split a migration into statements (our migrations hold no ';' inside literals or triggers)."""
    lines = [line.split("--", 1)[0] for line in script.splitlines()]
    return [s.strip() for s in "\n".join(lines).split(";") if s.strip()]
