"""The SQLite journal: one file, WAL, mode 0600 in a 0700 folder, schema migrated forward on open.

One `Journal` holds one aiosqlite connection in autocommit mode; every write goes through
`async with journal.transaction():` which takes the write lock up front (`BEGIN IMMEDIATE`), so two
processes on one file queue politely (busy_timeout) instead of failing with "database is locked".
"""

from __future__ import annotations

import asyncio
import contextlib
import os
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
    """The journal cannot be opened or is newer than this program."""


async def one_row(cur: aiosqlite.Cursor) -> sqlite3.Row:
    """The row of a query that always yields one: an aggregate (COUNT, MIN, EXISTS), a PRAGMA, or a row the
    caller knows is there."""
    row = await cur.fetchone()
    assert row is not None, "the query yielded no row"
    return row


async def all_rows(cur: aiosqlite.Cursor) -> list[sqlite3.Row]:
    """`cur.fetchall()` as the list it is (aiosqlite hands back sqlite3's list but declares an Iterable)."""
    return cast("list[sqlite3.Row]", await cur.fetchall())


def _secure_paths(path: Path) -> None:
    folder = path.parent
    if not folder.exists():
        folder.mkdir(parents=True, mode=0o700, exist_ok=True)  # another process may create it meanwhile
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
            raise JournalError(f"cannot open journal {path}: {exc.strerror or exc}") from exc
        db.row_factory = aiosqlite.Row
        journal = cls(db, path, clock or Clock())
        try:
            await journal._configure()
            await journal._migrate()
        except BaseException:
            await db.close()
            raise
        _fix_modes(path)
        return journal

    async def _configure(self) -> None:
        await self.db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
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
                f"{SCHEMA_VERSION}. Upgrade claude-batch-tui."
            )
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
            except BaseException:
                self._in_tx, self._tx_task = False, None
                await self.db.execute("ROLLBACK")
                raise
            self._in_tx, self._tx_task = False, None
            await self.db.execute("COMMIT")

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


def _split_sql(script: str) -> list[str]:
    """Split a migration into statements (our migrations hold no ';' inside literals or triggers)."""
    lines = [line.split("--", 1)[0] for line in script.splitlines()]
    return [s.strip() for s in "\n".join(lines).split(";") if s.strip()]
