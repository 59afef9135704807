"""Reading a create body (`{"requests": [{"custom_id", "params"}, ...]}`) as it arrives.

A 100,000-request body is about 100 MB. It is never held whole: the bytes are decoded piece by piece and
each item is parsed on its own and handed to a callback, which keeps only a compact summary. Every problem
raises `BadBody` with a message naming it; the caller then creates nothing.
"""

from __future__ import annotations

import codecs
import json
import re
from collections.abc import AsyncIterator, Callable
from typing import Any

MAX_REQUESTS = 100_000
CUSTOM_ID = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")
_WS = re.compile(r"[ \t\n\r]*")
_DECODER = json.JSONDecoder()


class BadBody(Exception):
    """The create body is not acceptable; the message says why (an HTTP 400)."""


class _Reader:
    """A growing window of decoded text over an async stream of bytes."""

    def __init__(self, chunks: AsyncIterator[bytes]) -> None:
        self._chunks = chunks
        self._utf8 = codecs.getincrementaldecoder("utf-8")()
        self.buf = ""
        self.pos = 0
        self.eof = False

    async def more(self) -> bool:
        """Append the next piece of the stream; False at the end."""
        if self.eof:
            return False
        try:
            chunk = await anext(self._chunks)
        except StopAsyncIteration:
            self.eof = True
            try:
                tail = self._utf8.decode(b"", final=True)
            except UnicodeDecodeError as exc:
                raise BadBody(f"request body is not valid UTF-8: {exc.reason}") from None
            self.buf = self.buf[self.pos:] + tail
            self.pos = 0
            return bool(tail)
        try:
            text = self._utf8.decode(chunk)
        except UnicodeDecodeError as exc:
            raise BadBody(f"request body is not valid UTF-8: {exc.reason}") from None
        self.buf = self.buf[self.pos:] + text
        self.pos = 0
        return True

    async def _grow(self) -> bool:
        """Read until the unparsed text has doubled (a big item is re-parsed a few times, not per piece)."""
        target = 2 * (len(self.buf) - self.pos) + 1
        grew = False
        while len(self.buf) - self.pos < target and await self.more():
            grew = True
        return grew

    async def peek(self) -> str:
        """The next non-whitespace character ('' at the end of the body)."""
        while True:
            blank = _WS.match(self.buf, self.pos)
            assert blank is not None   # `*` matches the empty string too
            self.pos = blank.end()
            if self.pos < len(self.buf):
                return self.buf[self.pos]
            if not await self.more():
                return ""

    async def expect(self, char: str, where: str) -> None:
        got = await self.peek()
        if got != char:
            found = repr(got) if got else "the end of the body"
            raise BadBody(f"request body is not valid JSON: expected {char!r} {where}, found {found}")
        self.pos += 1

    async def value(self, where: str) -> Any:
        """Parse one JSON value, reading more of the stream while it is incomplete."""
        await self.peek()
        while True:
            try:
                value, end = _DECODER.raw_decode(self.buf, self.pos)
            except json.JSONDecodeError as exc:
                if await self._grow():
                    continue
                raise BadBody(f"request body is not valid JSON ({where}): {exc.msg}") from None
            except RecursionError:
                raise BadBody(f"{where}: JSON nested too deeply") from None
            if end == len(self.buf) and not self.eof and not isinstance(value, (dict, list, str)):
                # A number or literal may continue in the next piece: read on and parse again.
                if await self.more():
                    continue
            self.pos = end
            return value


async def parse_create_body(chunks: AsyncIterator[bytes], on_item: Callable[[int, str, dict], None]) -> int:
    """Parse a create body, calling `on_item(index, custom_id, params)` per request; return the count."""
    reader = _Reader(chunks)
    if await reader.peek() == "":
        raise BadBody("request body is empty: expected a JSON object with a `requests` list")
    if reader.buf[reader.pos] != "{":
        raise BadBody("request body is not valid JSON object: expected '{' at the start")
    reader.pos += 1
    seen_requests = False
    count = 0
    first = True
    while True:
        char = await reader.peek()
        if char == "}":
            reader.pos += 1
            break
        if not first:
            await reader.expect(",", "between top-level keys")
        first = False
        if await reader.peek() != '"':
            raise BadBody("request body is not valid JSON: expected a key string in the top-level object")
        key = await reader.value("a top-level key")
        await reader.expect(":", f"after key {key!r}")
        if key != "requests":
            raise BadBody(f"{key}: Extra inputs are not permitted (a create body has only `requests`)")
        if seen_requests:
            raise BadBody("requests: given twice")
        seen_requests = True
        count = await _parse_requests(reader, on_item)
    if await reader.peek() != "":
        raise BadBody("request body is not valid JSON: extra data after the top-level object")
    if not seen_requests:
        raise BadBody("requests: Field required")
    if count == 0:
        raise BadBody("requests: List should have at least 1 item after validation, not 0")
    return count


async def _parse_requests(reader: _Reader, on_item: Callable[[int, str, dict], None]) -> int:
    if await reader.peek() != "[":
        raise BadBody("requests: Input should be a valid list")
    reader.pos += 1
    seen: set[str] = set()
    index = 0
    while True:
        char = await reader.peek()
        if char == "]":
            reader.pos += 1
            return index
        if index:
            await reader.expect(",", f"after requests.{index - 1}")
        item = await reader.value(f"requests.{index}")
        if index >= MAX_REQUESTS:
            raise BadBody(f"requests: List should have at most {MAX_REQUESTS} items after validation, "
                          f"not more")
        custom_id = _check_item(item, index, seen)
        on_item(index, custom_id, item["params"])
        index += 1


def _check_item(item: Any, index: int, seen: set[str]) -> str:
    where = f"requests.{index}"
    if not isinstance(item, dict):
        raise BadBody(f"{where}: Input should be an object with `custom_id` and `params`")
    extra = sorted(set(item) - {"custom_id", "params"})
    if extra:
        raise BadBody(f"{where}.{extra[0]}: Extra inputs are not permitted")
    if "custom_id" not in item:
        raise BadBody(f"{where}.custom_id: Field required")
    if "params" not in item:
        raise BadBody(f"{where}.params: Field required")
    custom_id = item["custom_id"]
    if not isinstance(custom_id, str) or not CUSTOM_ID.match(custom_id):
        raise BadBody(f"{where}.custom_id: String should match pattern '^[a-zA-Z0-9_-]{{1,64}}$', "
                      f"got {json.dumps(custom_id)[:80]}")
    if custom_id in seen:
        raise BadBody(f"{where}.custom_id: duplicate custom_id {custom_id!r}; "
                      f"each custom_id must be unique within a batch")
    seen.add(custom_id)
    if not isinstance(item["params"], dict):
        raise BadBody(f"{where}.params: Input should be a valid object")
    return custom_id
