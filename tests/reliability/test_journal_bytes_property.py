"""Arbitrary bytes as the journal file never crash a command: `list`, `list --json` and `doctor` end with exit 0
(the bytes happen to be a usable journal), 1 or 2, and a failure is one line naming the file, never a traceback.

Three kinds of bytes: anything at all; SQLite's 16-byte header followed by anything; and a real journal (batches,
requests, results) with bytes overwritten at random places or cut short, which reaches far deeper into SQLite
and the commands than random bytes do.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import io
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.drilldown_journal import add_batch, new_journal
from tui.cli import main

SQLITE_MAGIC = b"SQLite format 3\x00"


@functools.cache
def real_journal() -> bytes:
    folder = Path(tempfile.mkdtemp(prefix="journal-bytes-"))
    path = folder / "journal.sqlite"
    asyncio.run(new_journal(path))
    add_batch(path, 1, 40)
    add_batch(path, 2, 20, with_results=False)
    return path.read_bytes()


@st.composite
def damaged_journal(draw) -> bytes:
    data = bytearray(real_journal())
    for _ in range(draw(st.integers(1, 12))):
        at = draw(st.integers(0, len(data) - 1))
        chunk = draw(st.binary(min_size=1, max_size=64))
        data[at:at + len(chunk)] = chunk
    if draw(st.booleans()):
        data = data[: draw(st.integers(0, len(data)))]
    return bytes(data)


JOURNAL_BYTES = st.one_of(
    st.binary(max_size=8192),
    st.binary(max_size=8192).map(lambda tail: SQLITE_MAGIC + tail),
    damaged_journal(),
)


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue(), err.getvalue()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=JOURNAL_BYTES)
def test_arbitrary_bytes_as_the_journal_never_crash_a_command(data):
    with tempfile.TemporaryDirectory() as folder:
        for argv in (["list"], ["list", "--json"], ["doctor"]):
            path = Path(folder) / "journal.sqlite"
            for leftover in Path(folder).iterdir():
                leftover.unlink()
            path.write_bytes(data)
            code, out, err = run(*argv, "--journal", str(path))   # raises if a command crashes
            assert code in (0, 1, 2), (argv, code, out, err)
            assert "Traceback" not in out + err
            if argv[0] == "list" and code != 0:
                lines = err.strip().splitlines()
                assert len(lines) == 1 and lines[0].startswith("claude-batch-tui: ") and str(path) in lines[0], \
                    (argv, err)
