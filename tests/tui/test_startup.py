"""Start-up: the no-key message, --demo without a key, and a first frame that does not wait for the SDK."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

from tui import launch


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("ANTHROPIC_API_KEY", "ANTHROPIC_BASE_URL")}
    env.update(extra)
    return env


def test_no_key_prints_how_to_start_and_exits_2(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "tui", "--journal", str(tmp_path / "j.sqlite")],
                          capture_output=True, text=True, env=_env(), timeout=60)
    assert proc.returncode == 2
    assert "ANTHROPIC_API_KEY" in proc.stderr
    assert "--demo" in proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout
    assert not (tmp_path / "j.sqlite").exists()   # nothing touched before a key is known


def test_key_and_base_url_reach_the_app(monkeypatch, tmp_path):
    made = {}

    class FakeApp:
        return_code = 0

        def run(self):
            made["ran"] = True

    def fake_make_app(**kwargs):
        made.update(kwargs)
        return FakeApp()

    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-test")
    monkeypatch.setenv("ANTHROPIC_BASE_URL", "http://127.0.0.1:1")
    monkeypatch.setattr("tui.app.make_app", fake_make_app)
    from tui.cli import build_parser

    args = build_parser().parse_args(["--journal", str(tmp_path / "j.sqlite")])
    assert launch.run(args) == 0
    assert made["ran"] and made["api_key"] == "sk-test" and made["base_url"] == "http://127.0.0.1:1"
    assert made["journal_path"] == tmp_path / "j.sqlite" and made["demo"] is False


def test_demo_needs_no_key_and_uses_a_temporary_journal(monkeypatch):
    made = {}

    class FakeApp:
        return_code = 0

        def run(self):
            made["existed"] = made["journal_path"].parent.is_dir()

    monkeypatch.setattr("tui.app.make_app", lambda **kw: made.update(kw) or FakeApp())
    from tui.cli import build_parser

    assert launch.run(build_parser().parse_args(["--demo"])) == 0
    assert made["demo"] is True and made["api_key"] is None and made["existed"]
    assert not made["journal_path"].parent.exists()   # the demo's folder is removed on exit


FIRST_FRAME = textwrap.dedent("""
    import asyncio, sys
    from tui.app import make_app

    async def main():
        app = make_app(journal_path=sys.argv[1], api_key="k", base_url="http://127.0.0.1:9", poll=False)
        app._startup = lambda: None          # stop before the staged start-up: only the first frame
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            assert type(app.screen).__name__ == "DashboardScreen"
            print("anthropic" in sys.modules, "aiohttp" in sys.modules, app.journal is None)

    asyncio.run(main())
""")


def test_first_frame_does_not_import_the_sdk(tmp_path):
    proc = subprocess.run([sys.executable, "-c", FIRST_FRAME, str(tmp_path / "j.sqlite")],
                          capture_output=True, text=True, env=_env(), timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split()[-3:] == ["False", "False", "True"]


async def test_staged_start_up_opens_journal_and_client_after_the_first_frame(journal_path):
    from tui.app import make_app

    app = make_app(journal_path=journal_path, api_key="k", base_url="http://127.0.0.1:9", poll=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await app.ready.wait()
        await pilot.pause()
        assert app.journal is not None and app.client is not None and app.poller is not None
        assert journal_path.exists()
        assert "127.0.0.1:9" in app.status[0]


async def test_journal_that_cannot_open_is_a_quiet_error(tmp_path):
    from tests.tui.harness import wait_until
    from tui.app import make_app

    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    app = make_app(journal_path=blocker / "j.sqlite", api_key="k", poll=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: app.status[1], "the error in the status line", timeout=5)
        assert app.status[1] and "start-up failed" in app.status[0]
        assert app.is_running
