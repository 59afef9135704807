"""Check a JSONL file of batch requests and split it into chunks: pure, no network, no journal.

`plan(path)` reads the file once, streaming and in binary, checks every line and returns a `Plan`: the
chunks (≤ 100,000 requests and ≤ 256 MB of create body each, or a smaller `max_per_batch`), their sizes,
per-model tallies for a cost estimate, the file's sha256 (computed when first asked for, by submit) — or
the problems found, as `FILE:LINE: what`.

A plan does not hold the requests (a 100,000-line file is ~100 MB): `iter_requests()` reads the file
again and refuses if it changed since it was checked. `plan_from_requests()` builds a plan from
requests already in memory (a retry of stored params).

Each request is re-encoded compactly with orjson: those params bytes are what the journal keeps and
what the create body carries, so `Chunk.bytes` is the exact size of the body that will be sent.
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from tui.core.submit.params import (check_params, describe, max_output_tokens, model_fine, params_fine, text_chars,
                                    type_name)
from tui.core.words import plural

MAX_REQUESTS = 100_000
MAX_BYTES = 256 * 1024 * 1024
MAX_SHOWN_ERRORS = 50
CUSTOM_ID_RE = re.compile(r"[a-zA-Z0-9_-]{1,64}")
_ID_MATCH = CUSTOM_ID_RE.fullmatch
_dumps = orjson.dumps
_BOM = b"\xef\xbb\xbf"
_WS = b" \t\r\n"
# body = {"requests":[ item,item,... ]} ; item = {"custom_id":"ID","params":PARAMS}
BODY_OVERHEAD = len(b'{"requests":[') + len(b"]}")
ITEM_OVERHEAD = len(b'{"custom_id":"') + len(b'","params":') + len(b"}")


class PlanError(Exception):
    """A plan cannot be used: it has problems, or its file changed since it was checked."""


@dataclass(frozen=True, slots=True)
class PlanIssue:
    source: str
    line: int | None
    message: str

    def __str__(self) -> str:
        return f"{self.source}:{self.line}: {self.message}" if self.line else f"{self.source}: {self.message}"


@dataclass(frozen=True, slots=True)
class Chunk:
    """One future batch: requests `first_request .. first_request+request_count-1` of the plan (0-based)."""

    index: int
    request_count: int
    bytes: int            # exact size of its create body
    first_line: int
    last_line: int
    first_request: int


@dataclass(slots=True)
class ModelTally:
    """What a cost estimate needs, per model: how many requests, their input text and output ceiling."""

    requests: int = 0
    input_chars: int = 0      # characters of text in system + messages (images/documents not counted)
    params_bytes: int = 0     # the params JSON, a rough upper bound on input size
    max_tokens: int = 0       # sum of max_tokens: the most output the requests can cost


@dataclass(slots=True)
class Plan:
    source: str                       # the file as given, or a name for requests from memory
    request_count: int = 0
    chunks: list[Chunk] = field(default_factory=list)
    errors: list[PlanIssue] = field(default_factory=list)   # the first MAX_SHOWN_ERRORS problems
    error_count: int = 0                                    # all of them
    models: dict[str, ModelTally] = field(default_factory=dict)
    path: Path | None = None
    items: list[tuple[str, bytes]] | None = None            # requests from memory (plan_from_requests)
    file_stamp: tuple[int, int, int] | None = None          # (size, mtime_ns, inode) of the file as checked
    digest: str | None = None                               # see `sha256`

    @property
    def sha256(self) -> str:
        """The content hash (what makes a second submit of the same file need --again). For a file it is
        computed on first use, not while checking (it would be a third of the check's time), and only if
        the file is still the one that was checked."""
        if self.digest is None:
            assert self.path is not None
            try:
                with _open_regular(self.path, self.source) as f:
                    before = _stamp(f)
                    digest = hashlib.file_digest(f, "sha256").hexdigest()
                    if before != self.file_stamp or _stamp(f) != before:
                        raise PlanError(f"{self.source}: the file changed since it was checked; check it again")
            except NotRegularFile as exc:
                raise PlanError(str(exc)) from exc
            except OSError as exc:
                raise PlanError(f"{self.source}: cannot read it again ({exc.strerror or exc})") from exc
            self.digest = digest
        return self.digest

    @property
    def ok(self) -> bool:
        return self.error_count == 0 and self.request_count > 0

    @property
    def total_bytes(self) -> int:
        return sum(c.bytes for c in self.chunks)

    def error_lines(self) -> list[str]:
        """The problems as `FILE:LINE: what`, with a last line counting those not shown."""
        lines = [str(e) for e in self.errors]
        if self.error_count > len(self.errors):
            lines.append(f"... and {plural(self.error_count - len(self.errors), 'more problem')}")
        return lines

    def iter_requests(self) -> Iterator[tuple[int, str, bytes]]:
        """(chunk index, custom_id, params JSON bytes) for every request, in order.

        A file plan re-reads its file and raises `PlanError` if the content changed since `plan()`."""
        if not self.ok:
            raise PlanError(f"{self.source}: the plan has problems; nothing can be sent")
        bounds = [c.first_request + c.request_count for c in self.chunks]
        chunk = 0
        for n, (custom_id, params) in enumerate(self._raw_requests()):
            if n >= bounds[-1]:   # more requests than were checked: the file grew since
                raise PlanError(f"{self.source}: the file changed since it was checked; check it again")
            while n >= bounds[chunk]:
                chunk += 1
            yield chunk, custom_id, params

    def iter_params(self) -> Iterator[tuple[int, str, dict[str, Any]]]:
        """(chunk index, custom_id, parsed params) for every request: for estimates that need detail."""
        for chunk, custom_id, params in self.iter_requests():
            yield chunk, custom_id, orjson.loads(params)

    def _raw_requests(self) -> Iterator[tuple[str, bytes]]:
        if self.items is not None:
            yield from self.items
            return
        assert self.path is not None
        expected = self.sha256
        digest = hashlib.sha256()
        count = 0
        changed = PlanError(f"{self.source}: the file changed since it was checked; check it again")
        try:
            with _open_regular(self.path, self.source) as f:
                if _stamp(f) != self.file_stamp:
                    raise changed
                for lineno, line in enumerate(f, 1):
                    digest.update(line)
                    s = line.strip(_WS)
                    if lineno == 1 and s.startswith(_BOM):
                        s = s[3:].strip(_WS)
                    if not s:
                        continue
                    try:
                        obj = orjson.loads(s)
                        custom_id, params = obj["custom_id"], orjson.dumps(obj["params"])
                    except (orjson.JSONDecodeError, orjson.JSONEncodeError, KeyError, TypeError):
                        raise changed from None   # a line that passed the check no longer reads
                    if type(custom_id) is not str:
                        raise changed
                    count += 1
                    yield custom_id, params
        except NotRegularFile as exc:
            raise PlanError(str(exc)) from exc
        except OSError as exc:
            raise PlanError(f"{self.source}: cannot read it again ({exc.strerror or exc}); check it again") from exc
        if digest.hexdigest() != expected or count != self.request_count:
            raise changed


def _open_regular(path: str | os.PathLike[str], source: str) -> Any:
    """The file opened for reading in binary, if it is a regular file. A FIFO, a device or a socket is
    refused before anything reads it: a FIFO would block until something writes to it, a device may never
    end. Opened without blocking, then checked, so a FIFO put in its place cannot hang the read either."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    except IsADirectoryError:
        raise NotRegularFile(f"{source}: is a folder, not a file; give the path of a JSONL file") from None
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            why = "" if stat.S_ISDIR(mode) else " (a pipe or a device cannot be checked, then read again to send)"
            raise NotRegularFile(f"{source}: is {_file_kind(mode)}, not a regular file; give the path of a "
                                 f"JSONL file{why}")
        os.set_blocking(fd, True)
        return os.fdopen(fd, "rb", buffering=1 << 20)
    except BaseException:
        os.close(fd)
        raise


def _file_kind(mode: int) -> str:
    for test, kind in ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a FIFO (named pipe)"),
                       (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
                       (stat.S_ISSOCK, "a socket")):
        if test(mode):
            return kind
    return "not a regular file"


class NotRegularFile(OSError):
    """The path is a FIFO, a device, a socket or a folder: nothing is read from it."""


def _stamp(f: Any) -> tuple[int, int, int]:
    st = os.fstat(f.fileno())
    return st.st_size, st.st_mtime_ns, st.st_ino


def _json_problem(s: bytes, exc: orjson.JSONDecodeError) -> str:
    """What is wrong with a line that does not parse, at a column of that line: the parser's own "line 2
    column 1 (char 30)" counts lines of what it was given (a line with its newline), not of the file."""
    nul = s.find(b"\x00")
    if nul >= 0:
        return f"contains a NUL byte at column {nul + 1}"
    try:
        s.decode("utf-8")
    except UnicodeDecodeError as bad:
        return f"not valid UTF-8 (byte {bad.start + 1})"
    doc = exc.doc if isinstance(exc.doc, str) else ""
    column = min(exc.pos, len(doc.rstrip("\r\n"))) + 1   # past the end: just after the line's last character
    return f"not valid JSON: {exc.msg} at column {column}"


class _Builder:
    """Collects checked requests into chunks, problems into a capped list, and tallies per model."""

    __slots__ = ("source", "max_per_batch", "max_bytes", "errors", "error_count", "seen", "chunks", "tallies",
                 "count", "_c_count", "_c_bytes", "_c_first", "_c_last")

    def __init__(self, source: str, max_per_batch: int, max_bytes: int) -> None:
        self.source, self.max_per_batch, self.max_bytes = source, max_per_batch, max_bytes
        self.errors: list[PlanIssue] = []
        self.error_count = 0
        self.seen: dict[str, int] = {}
        self.chunks: list[Chunk] = []
        self.tallies: dict[str, list[int]] = {}   # model -> [requests, input_chars, params_bytes, max_tokens]
        self.count = 0
        self._c_count = self._c_bytes = self._c_first = self._c_last = 0

    def problem(self, line: int | None, message: str) -> None:
        self.error_count += 1
        if len(self.errors) < MAX_SHOWN_ERRORS:
            self.errors.append(PlanIssue(self.source, line, message))

    def add(self, line: int, obj: Any) -> bytes | None:
        """Check one parsed request; count it into the plan. Returns its params bytes, or None if bad."""
        # the fast path: a good line costs a handful of type checks; anything else gets diagnosed
        if type(obj) is dict and len(obj) == 2:
            custom_id, params = obj.get("custom_id"), obj.get("params")
            if (type(custom_id) is str and type(params) is dict and custom_id not in self.seen
                    and _ID_MATCH(custom_id) and type(model := params.get("model")) is str
                    and (model in self.tallies or model and model_fine(model))
                    and type(mt := params.get("max_tokens")) is int and 1 <= mt <= max_output_tokens(model)
                    and type(messages := params.get("messages")) is list and messages
                    and params.get("stream") is not True and params_fine(params, messages)):
                try:
                    encoded = _dumps(params)
                except orjson.JSONEncodeError:   # too deep to re-encode: _diagnose says so
                    return self._diagnose(line, obj)
                self.seen[custom_id] = line
                self._count(line, model, mt, params, len(encoded) + len(custom_id) + ITEM_OVERHEAD)
                return encoded
        return self._diagnose(line, obj)

    def _diagnose(self, line: int, obj: Any) -> bytes | None:
        if not isinstance(obj, dict):
            self.problem(line, f"each line must be a JSON object, got {type_name(obj)}")
            return None
        bad = False
        custom_id = obj.get("custom_id")
        if custom_id is None and "custom_id" not in obj:
            self.problem(line, "custom_id is missing")
            bad = True
        elif not isinstance(custom_id, str) or not CUSTOM_ID_RE.fullmatch(custom_id):
            self.problem(line, f"custom_id {describe(custom_id)} must match ^[a-zA-Z0-9_-]{{1,64}}$")
            bad = True
        elif custom_id in self.seen:
            self.problem(line, f"custom_id {custom_id!r} is a duplicate (first on line {self.seen[custom_id]})")
            bad = True
        else:
            self.seen[custom_id] = line
        if len(obj) != 2 or "params" not in obj or "custom_id" not in obj:
            extra = [k for k in obj if k not in ("custom_id", "params")]
            if extra:
                self.problem(line, f"unexpected key {describe(extra[0])} (a line holds only custom_id and params)")
                bad = True
        if "params" not in obj:
            self.problem(line, "params is missing")
            return None
        params = obj["params"]
        for message in check_params(params):
            self.problem(line, message)
            bad = True
        if bad:
            return None
        try:
            encoded = orjson.dumps(params)
        except orjson.JSONEncodeError:   # parsed fine (up to 1024 levels) but too deep to re-encode (254)
            self.problem(line, "params are nested too deeply (more than 254 levels)")
            return None
        assert isinstance(custom_id, str)   # any other custom_id made the line bad above
        self._count(line, params["model"], params["max_tokens"], params,
                    len(encoded) + len(custom_id) + ITEM_OVERHEAD)
        return encoded

    def _count(self, line: int, model: str, max_tokens: int, params: dict[str, Any], item_bytes: int) -> None:
        c_count = self._c_count
        if c_count and (c_count >= self.max_per_batch or self._c_bytes + 1 + item_bytes > self.max_bytes):
            self._close()
            c_count = 0
        if BODY_OVERHEAD + item_bytes > self.max_bytes:
            self.problem(line, f"the request is {item_bytes:,} bytes; a batch body holds at most "
                               f"{self.max_bytes:,}")
            return
        if c_count:
            self._c_bytes += 1 + item_bytes
        else:
            self._c_bytes, self._c_first = BODY_OVERHEAD + item_bytes, line
        self._c_count = c_count + 1
        self._c_last = line
        self.count += 1
        tally = self.tallies.get(model)
        if tally is None:
            tally = self.tallies[model] = [0, 0, 0, 0]
        tally[0] += 1
        tally[1] += text_chars(params)
        tally[2] += item_bytes - ITEM_OVERHEAD
        tally[3] += max_tokens

    def _close(self) -> None:
        self.chunks.append(Chunk(len(self.chunks), self._c_count, self._c_bytes, self._c_first,
                                 self._c_last, self.count - self._c_count))
        self._c_count = 0

    def finish(self, **extra: Any) -> Plan:
        if self._c_count:
            self._close()
        if self.count == 0 and self.error_count == 0:
            self.problem(None, "no requests (the file holds no lines)")
        return Plan(source=self.source, request_count=self.count, chunks=self.chunks,
                    errors=self.errors, error_count=self.error_count,
                    models={m: ModelTally(*t) for m, t in self.tallies.items()}, **extra)


def _limits(max_per_batch: int | None, max_bytes: int) -> tuple[int, int]:
    if max_per_batch is not None and not 1 <= max_per_batch <= MAX_REQUESTS:
        raise ValueError(f"max_per_batch must be between 1 and {MAX_REQUESTS:,}")
    if not 1 <= max_bytes <= MAX_BYTES:
        raise ValueError(f"max_bytes must be between 1 and {MAX_BYTES:,}")
    return max_per_batch or MAX_REQUESTS, max_bytes


def plan(path: str | os.PathLike[str], *, max_per_batch: int | None = None, max_bytes: int = MAX_BYTES) -> Plan:
    """Read `path` once and check every line; split the good ones into chunks."""
    per_batch, max_bytes = _limits(max_per_batch, max_bytes)
    source = os.fspath(path)
    builder = _Builder(source, per_batch, max_bytes)
    loads, add, problem = orjson.loads, builder.add, builder.problem
    stamp = None
    try:
        with _open_regular(path, source) as f:
            stamp = _stamp(f)
            for lineno, line in enumerate(f, 1):
                try:
                    obj = loads(line)   # JSON allows the surrounding whitespace, CRLF included
                except orjson.JSONDecodeError as exc:
                    s = line.strip(_WS)
                    if lineno == 1 and s.startswith(_BOM):
                        s = s[3:].strip(_WS)
                        if s:
                            try:
                                add(lineno, loads(s))
                                continue
                            except orjson.JSONDecodeError as bom_exc:
                                exc = bom_exc
                    if s:
                        problem(lineno, _json_problem(s, exc))
                    continue
                add(lineno, obj)
            if _stamp(f) != stamp:
                problem(None, "the file changed while it was being checked; check it again")
    except NotRegularFile as exc:
        problem(None, str(exc).removeprefix(f"{source}: "))
    except OSError as exc:
        problem(None, f"cannot read the file: {exc.strerror or exc}")
    return builder.finish(path=Path(path), file_stamp=stamp)


def plan_from_requests(requests: Iterable[tuple[str, bytes]], *, source: str = "stored requests",
                       max_per_batch: int | None = None, max_bytes: int = MAX_BYTES) -> Plan:
    """A plan from (custom_id, params JSON bytes) pairs, e.g. the stored params of failed requests."""
    per_batch, max_bytes = _limits(max_per_batch, max_bytes)
    builder = _Builder(source, per_batch, max_bytes)
    digest = hashlib.sha256()
    items: list[tuple[str, bytes]] = []
    for n, (custom_id, params) in enumerate(requests, 1):
        raw = bytes(params)
        digest.update(custom_id.encode() + b"\x00" + raw + b"\n")
        try:
            parsed = orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            builder.problem(n, f"params of {custom_id!r} are not valid JSON ({exc})")
            continue
        encoded = builder.add(n, {"custom_id": custom_id, "params": parsed})
        if encoded is not None:
            items.append((custom_id, encoded))
    return builder.finish(items=items, digest=digest.hexdigest())
