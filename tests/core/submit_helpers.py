"""Shared by the submit tests: polling a batch to its end through the SDK, the journal's ids, a relay that
holds back a create's answer. (Request files: tests/builders.py.)"""

from __future__ import annotations

import asyncio


async def wait_ended(client, batch_id: str, timeout: float = 60.0):
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        batch = await client.messages.batches.retrieve(batch_id)
        if batch.processing_status == "ended":
            return batch
        assert loop.time() < deadline, f"{batch_id} did not end in {timeout} s"
        await asyncio.sleep(0.05)


async def journal_ids(journal) -> list[str]:
    async with journal.db.execute("SELECT id FROM batches WHERE id IS NOT NULL") as cur:
        return [r[0] for r in await cur.fetchall()]


class CreateAnswerDelay:
    """A loopback TCP relay in front of the emulator that holds back the answer to a create.

    On a connection whose first request is `POST /v1/messages/batches`, the request reaches the emulator
    at once (so the batch is created) but the answer is held for `delay` seconds, or never sent when
    `delay` is None (the connection is closed instead). Other connections pass straight through.
    This is the one fault the emulator itself cannot make: a create that happened but whose answer was lost.
    """

    def __init__(self, target_url: str, delay: float | None) -> None:
        from urllib.parse import urlsplit

        parts = urlsplit(target_url)
        self.host, self.port = parts.hostname, parts.port
        self.delay = delay
        self.held = 0
        self.creates = 0
        self._server: asyncio.AbstractServer | None = None
        self._tasks: set[asyncio.Task] = set()
        self._writers: list[asyncio.StreamWriter] = []

    async def __aenter__(self) -> CreateAnswerDelay:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.close()
        for writer in self._writers:
            writer.close()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    @property
    def base_url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.sockets[0].getsockname()[1]}"

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._tasks.add(asyncio.current_task())
        up_reader, up_writer = await asyncio.open_connection(self.host, self.port)
        self._writers += [writer, up_writer]
        first = await reader.read(65536)
        is_create = first.startswith(b"POST /v1/messages/batches ")
        number = None
        if is_create:
            number = self.creates
            self.creates += 1
        up_writer.write(first)

        async def pump(src: asyncio.StreamReader, dst: asyncio.StreamWriter, hold: bool) -> None:
            try:
                while data := await src.read(65536):
                    if hold:
                        if not await self._hold(number):
                            break
                        hold = False
                    dst.write(data)
                    await dst.drain()
            except (ConnectionError, OSError):
                pass
            finally:
                dst.close()

        await asyncio.gather(pump(reader, up_writer, False), pump(up_reader, writer, is_create))

    async def _hold(self, number: int | None) -> bool:
        """A create's answer has come back (`number`: the creates' order): False drops it (closes the connection)."""
        self.held += 1
        if self.delay is None:
            return False
        await asyncio.sleep(self.delay)
        return True


class CreateAnswerGate(CreateAnswerDelay):
    """The relay, holding every create's answer until `open()` (or, for the creates numbered in `lose`, in
    the order they reached it, dropping the answer: the connection is closed instead). `creates` counts the
    creates that reached the server side of the relay; `held` the answers being held back. A connection is
    judged by its first request: the client must open one per request (no keep-alive)."""

    def __init__(self, target_url: str, lose: set[int] = frozenset()) -> None:
        super().__init__(target_url, 0.0)
        self.lose = set(lose)
        self.gate = asyncio.Event()

    def open(self) -> None:
        self.gate.set()

    async def __aexit__(self, *exc: object) -> None:
        self.open()   # nothing stays held past the test
        await super().__aexit__(*exc)

    async def _hold(self, number: int | None) -> bool:
        self.held += 1
        if number in self.lose:
            return False
        await self.gate.wait()
        self.held -= 1
        return True
