"""The API key never leaves the process: a canary key used in a full headless run (submit, watch, list, export,
a 401) appears in no journal byte, export, log or error output. Every file
written is private, even under umask 000. And the emulator only listens on loopback and refuses a wrong key."""

from __future__ import annotations

import socket

import anthropic
import orjson
import pytest

from tests.builders import items, requests, write_requests
from tests.reliability.cli_run import CANARY_KEY, cli, files_holding, mode
from tui.emulator import EmulatorConfig
from tui.emulator.threaded import EmulatorThread

FAST = {"host": "127.0.0.1", "port": 0, "seed": 3, "request_ms": 1.0}


@pytest.fixture
def guarded_emulator():
    """An emulator that accepts only the canary key, with some errored requests."""
    with EmulatorThread(EmulatorConfig(**FAST, api_key=CANARY_KEY, fail_requests=0.3)) as emu:
        yield emu


def test_full_headless_run_keeps_the_key_out_of_every_file_and_output(tmp_path, guarded_emulator):
    emu = guarded_emulator
    journal = tmp_path / "state" / "journal.sqlite"
    source = write_requests(tmp_path / "in.jsonl", 30)
    base = ["--base-url", emu.base_url]
    runs = [cli("submit", str(source), "--max-per-batch", "10", *base, journal=journal)]
    assert runs[-1].code == 0, runs[-1].err
    runs.append(cli("watch", "--interval", "0.2", *base, journal=journal))
    assert runs[-1].code == 0, runs[-1].text
    runs.append(cli("list", "--json", journal=journal))
    batch_id = orjson.loads(runs[-1].out)[0]["id"]
    exports = tmp_path / "exports"
    exports.mkdir()
    for fmt in ("jsonl", "csv"):
        runs.append(cli("export", batch_id, "-o", str(exports / f"out.{fmt}"), "--format", fmt, "--joined",
                        journal=journal))
        assert runs[-1].code == 0, runs[-1].err
    # a wrong key: the 401 message must not echo either key
    runs.append(cli("submit", str(write_requests(tmp_path / "b.jsonl", 2, ids="b-{i}")), *base, journal=journal,
                    key="sk-ant-wrong-key-0000"))
    assert runs[-1].code != 0 and "401" in runs[-1].err
    assert "Traceback" not in runs[-1].err and "sk-ant-wrong-key-0000" not in runs[-1].text

    for run in runs:
        assert CANARY_KEY not in run.text, run.text
    written = files_holding(tmp_path, CANARY_KEY.encode())
    assert written == [], f"the API key was written to {written}"

    # modes, under umask 000: the journal's folder 0700 (made by us), journal and its WAL/SHM 0600, exports 0600
    assert mode(journal.parent) == 0o700
    for path in journal.parent.iterdir():
        if path.name.startswith("journal.sqlite"):
            assert mode(path) == 0o600, (path.name, oct(mode(path)))
    for path in exports.iterdir():
        assert mode(path) == 0o600, (path.name, oct(mode(path)))


def test_emulator_listens_on_loopback_only_and_refuses_a_wrong_key():
    assert EmulatorConfig().host == "127.0.0.1"
    with EmulatorThread(EmulatorConfig(port=0, api_key=CANARY_KEY)) as emu:
        port = int(emu.base_url.rsplit(":", 1)[1])
        bound = {sock.getsockname()[0] for site in emu._runner.sites for sock in site._server.sockets}
        assert bound == {"127.0.0.1"}
        outside = _outside_address()
        if outside is not None:   # the port must not answer on the machine's other addresses
            with pytest.raises(OSError):
                socket.create_connection((outside, port), timeout=2).close()
        for key in ("sk-ant-wrong", CANARY_KEY[:-1]):
            with anthropic.Anthropic(api_key=key, base_url=emu.base_url, max_retries=0) as client:
                with pytest.raises(anthropic.AuthenticationError) as caught:
                    client.messages.batches.list()
                assert key not in str(caught.value)
        with anthropic.Anthropic(api_key=CANARY_KEY, base_url=emu.base_url, max_retries=0) as client:
            assert client.messages.batches.list().data == []


def test_emulator_command_binds_loopback_by_default():
    from tui.cli import build_parser

    args = build_parser().parse_args(["emulator"])
    assert args.host == "127.0.0.1"


def _outside_address() -> str | None:
    """A non-loopback address of this machine, if it has one."""
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            probe.connect(("10.255.255.255", 1))   # no packet is sent: this only picks a route
            address = probe.getsockname()[0]
    except OSError:
        return None
    return None if address.startswith("127.") else address


async def test_tui_session_and_its_401_keep_the_key_off_the_screen(tmp_path, journal_path):
    """The real app with the canary key: a batch polled, ingested and opened; then the same app with a wrong
    key, whose 401 shows in the status line. No screenshot or notification holds either key."""
    from tests.tui.harness import record_notifications, wait_until
    from tui.app import make_app
    from tui.core.journal.connection import Journal
    from tui.core.submit.check import plan_from_requests
    from tui.core.submit.send import submit
    from tui.emulator import Emulator
    from tui.screens.batch import BatchScreen

    async with Emulator(EmulatorConfig(**FAST, api_key=CANARY_KEY)) as emu:
        journal = await Journal.open(journal_path)
        async with anthropic.AsyncAnthropic(api_key=CANARY_KEY, base_url=emu.base_url) as client:
            [row] = await submit(journal, client, plan_from_requests(items(requests(5)), source="tui"), label="tui")
        await journal.close()
        await emu.wait_until_ended(row.id)

        async def session(key: str, done) -> list[str]:
            app = make_app(journal_path=journal_path, api_key=key, base_url=emu.base_url)
            notes = record_notifications(app)
            seen = []
            async with app.run_test(size=(120, 36)) as pilot:
                await wait_until(pilot, lambda: done(app, notes), "the session's end", timeout=60)
                await app.push_screen(BatchScreen(row.local_id))
                for _ in range(10):
                    await pilot.pause(0.05)
                seen += [app.export_screenshot(), app.status[0]]
                seen += [f"{n.title} {n.message}" for n in notes]
            return seen

        shown = await session(CANARY_KEY, lambda app, notes: any("Batch ended" in n.title for n in notes))
        shown += await session("sk-ant-wrong-key-1111", lambda app, notes: app.status[1] and "401" in app.status[0])
    for text in shown:
        assert CANARY_KEY not in text and "sk-ant-wrong-key-1111" not in text
    assert files_holding(journal_path.parent, CANARY_KEY.encode()) == []


def test_a_key_pasted_with_a_line_ending_works_and_is_not_echoed(tmp_path, guarded_emulator):
    """`ANTHROPIC_API_KEY` read from a file written on Windows ends in CR LF: that is not part of the key (a
    header cannot hold it, and before this the failure read 'could not reach the server')."""
    journal = tmp_path / "j" / "journal.sqlite"
    source = write_requests(tmp_path / "in.jsonl", 2)
    run = cli("submit", str(source), "--base-url", guarded_emulator.base_url, journal=journal,
              key=f"  {CANARY_KEY}\r\n")
    assert run.code == 0, run.err
    assert CANARY_KEY not in run.text and guarded_emulator.batch_ids() == run.out.split()


def test_the_key_object_hides_itself_from_repr_and_tracebacks(monkeypatch):
    from tui.core import config

    monkeypatch.setenv("ANTHROPIC_API_KEY", "  sk-ant-canary-REPR-0000\n")
    key = config.api_key()
    assert key == "sk-ant-canary-REPR-0000" and f"Bearer {key}" == "Bearer sk-ant-canary-REPR-0000"
    assert "canary" not in repr(key) and "canary" not in repr({"api_key": key})
