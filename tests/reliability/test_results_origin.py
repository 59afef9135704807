"""The API key never follows `results_url` to another origin. A hostile server (loopback) answers an ended batch
whose `results_url` points at a second loopback server, or redirects its own results path there; that second
server records every request it gets. Ingest refuses, says which origin and which one it is configured with,
and the second server gets nothing: not the key, not a connection's worth of request."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import anthropic
import pytest
from aiohttp import web

from tests.reliability.cli_run import CANARY_KEY, cli
from tests.reliability.hostile_server import PREFIX, HostileServer, ended_batch, record_batch, succeeded_line
from tui.core.journal.batches import get_batch, server_fields
from tui.core.poll.ingest import foreign_origin, ingest, origin


class Recorder:
    """A loopback server that records every request (method, path, headers) and answers with `answer`."""

    def __init__(self, answer: Callable[[web.Request], Awaitable[web.StreamResponse]] | None = None) -> None:
        self.got: list[tuple[str, str, dict[str, str]]] = []
        self.answer = answer
        self._runner: web.AppRunner | None = None
        self.base_url = ""

    async def _any(self, request: web.Request) -> web.StreamResponse:
        self.got.append((request.method, request.path_qs, dict(request.headers)))
        if self.answer is not None:
            return await self.answer(request)
        return web.Response(body=succeeded_line("r0"), content_type="application/x-jsonl")

    async def __aenter__(self) -> Recorder:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._any)
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        self.base_url = f"http://127.0.0.1:{self._runner.addresses[0][1]}"
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._runner is not None
        await self._runner.cleanup()


def _port(url: str) -> str:
    return url.rsplit(":", 1)[1]


@pytest.mark.parametrize("where", ["other port", "other host", "other scheme", "scheme-relative"])
async def test_a_results_url_on_another_origin_is_refused_and_gets_nothing(journal, where):
    async with HostileServer() as server, Recorder() as elsewhere:
        port = _port(elsewhere.base_url)
        url = {"other port": f"{elsewhere.base_url}/steal",
               "other host": f"http://localhost:{port}/steal",     # the same machine by another name: another origin
               "other scheme": f"https://127.0.0.1:{_port(server.base_url)}/steal",
               "scheme-relative": f"//127.0.0.1:{port}/steal"}[where]
        batch = ended_batch("msgbatch_elsewhere", server.base_url, 1, results_url=url)
        server.batches[batch["id"]] = batch
        server.results[batch["id"]] = succeeded_line("r0")
        local_id = await record_batch(journal, batch)
        async with anthropic.AsyncAnthropic(api_key=CANARY_KEY, base_url=server.base_url) as client:
            report = await ingest(journal, client, local_id)
        assert elsewhere.got == []                       # the key never went there
        assert server.stats["results"] == 0
        assert report.refused and not report.complete
        theirs = origin(url, server.base_url)
        assert report.error.startswith(f"refused to fetch the results of msgbatch_elsewhere from {theirs}")
        assert f"only from {origin(server.base_url)}" in report.error
        row = await get_batch(journal, local_id)
        assert row.ingest_error == report.error and row.ingest_state == "none"


async def test_a_redirect_of_the_results_is_not_followed(journal):
    async with Recorder() as elsewhere:
        async def redirect(request: web.Request) -> web.StreamResponse:
            if request.path.endswith("/results"):
                raise web.HTTPFound(f"{elsewhere.base_url}/steal")
            return web.json_response(ended_batch("msgbatch_redirect", own.base_url, 1))

        async with Recorder(redirect) as own:
            batch = ended_batch("msgbatch_redirect", own.base_url, 1)
            local_id = await record_batch(journal, batch)
            async with anthropic.AsyncAnthropic(api_key=CANARY_KEY, base_url=own.base_url) as client:
                report = await ingest(journal, client, local_id)
            assert [path for _, path, _ in own.got] == [f"{PREFIX}/msgbatch_redirect",
                                                        f"{PREFIX}/msgbatch_redirect/results"]
    assert elsewhere.got == []
    assert report.refused
    assert report.error.startswith(f"refused to follow a redirect (302) of the results of msgbatch_redirect to "
                                   f"{origin(elsewhere.base_url)}")


async def test_the_same_origin_is_fetched_as_before(journal):
    """Relative, default-port and differently-cased forms of the configured origin are the same origin."""
    async with HostileServer() as server:
        host_port = server.base_url.removeprefix("http://")
        for i, url in enumerate([f"{PREFIX}/msgbatch_same{{}}/results",
                                 f"HTTP://{host_port}{PREFIX}/msgbatch_same{{}}/results"]):
            batch_id = f"msgbatch_same{i}"
            batch = ended_batch(batch_id, server.base_url, 1, results_url=url.format(i))
            server.batches[batch_id] = batch
            server.results[batch_id] = succeeded_line("r0")
            local_id = await record_batch(journal, batch)
            async with anthropic.AsyncAnthropic(api_key=CANARY_KEY, base_url=server.base_url) as client:
                report = await ingest(journal, client, local_id)
            assert report.complete and not report.refused, report
    assert foreign_origin("https://api.anthropic.com:443/v1/x", "https://api.anthropic.com", "b") is None
    assert foreign_origin("https://api.anthropic.com.evil.example/v1/x", "https://api.anthropic.com", "b")
    assert foreign_origin("http://api.anthropic.com/v1/x", "https://api.anthropic.com", "b")
    assert "not a URL" in foreign_origin("https://:99999999/x", "https://api.anthropic.com", "b")


def test_watch_says_which_origin_it_refused_and_exits_1(tmp_path):
    """Through the real CLI: the refusal is an error line naming both origins; watch stops (it would never
    change) with exit 1, and the other server got nothing."""
    import asyncio
    import threading

    ready = threading.Event()
    stop: list[Callable[[], None]] = []
    urls: dict[str, str] = {}
    recorded: list = []

    def serve() -> None:
        async def main() -> None:
            async with HostileServer() as server, Recorder() as elsewhere:
                batch = ended_batch("msgbatch_cli", server.base_url, 1, results_url=f"{elsewhere.base_url}/x")
                server.batches[batch["id"]] = batch
                urls.update(server=server.base_url, elsewhere=elsewhere.base_url)
                done = asyncio.Event()
                loop = asyncio.get_running_loop()
                stop.append(lambda: loop.call_soon_threadsafe(done.set))
                ready.set()
                await done.wait()
                recorded.extend(elsewhere.got)

        asyncio.run(main())

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    assert ready.wait(30)
    try:
        journal = tmp_path / "j.sqlite"
        # the journal learns the batch the way an adopted one would be: recorded straight from the server
        import sqlite3

        from tui.core.journal.schema import MIGRATIONS

        db = sqlite3.connect(journal)
        for script in MIGRATIONS:
            db.executescript(script)
        db.execute(f"PRAGMA user_version = {len(MIGRATIONS)}")
        fields = server_fields(ended_batch("msgbatch_cli", urls["server"], 1,
                                           results_url=f"{urls['elsewhere']}/x"))
        db.execute(f"INSERT INTO batches({', '.join(fields)}) VALUES ({', '.join('?' * len(fields))})",
                   tuple(fields.values()))
        db.commit()
        db.close()
        run = cli("--base-url", urls["server"], "watch", "--interval", "0.2", journal=journal)
    finally:
        stop[0]()
        thread.join(30)
    assert run.code == 1, run.text
    assert f"refused to fetch the results of msgbatch_cli from {origin(urls['elsewhere'])}" in run.err
    assert f"only from {origin(urls['server'])}" in run.err
    assert "Traceback" not in run.text
    assert recorded == []
