"""The Textual app: built by `make_app(...)` for the CLI, the tests and the benches.

Start-up is staged so the first frame comes at once: the dashboard is drawn from nothing, then a worker
opens the journal, (in demo mode) starts the emulator on its own thread, imports the SDK in a thread (1-3 s of
CPU) and starts the one poll loop. Keys answer from the first frame on: the threads give way while the user
types (`busy_for`, `_give_way`), and keys are handed on one at a time (`on_event`), so none typed after one that
opens a dialog is lost. Screens learn of changes through `JournalReady` and `BatchesUpdated` messages.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual import events, work
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.dom import DOMNode
from textual.message import Message
from textual.message_pump import MessagePump
from textual.screen import Screen
from textual.signal import Signal
from textual.theme import Theme
from textual.worker import Worker, WorkerState

from tui.core import config
from tui.core.api.client import make_client, preload_sdk
from tui.core.clock import Clock
from tui.core.journal.connection import Journal, journal_problem
from tui.core.models import BatchRow, SweepResult
from tui.core.money.pricing import price_note
from tui.core.safe_text import safe_text
from tui.core.words import batch_name, duration, outcome, plural
from tui.demo import DemoEnvironment
from tui.messages import BatchesUpdated, JournalReady
from tui.screens.dashboard import DashboardScreen
from tui.screens.help import HelpScreen, sections_for

if TYPE_CHECKING:
    from anthropic import AsyncAnthropic

    from tui.core.poll.ingest import IngestReport
    from tui.core.poll.loop import Poller

DEMO_POLL_INTERVAL = 1.0   # the demo's batches last seconds, not hours: poll them often
QUIET_AFTER_INPUT = 0.3    # seconds after a key or a click in which start-up work in threads gives way
GIL_SWITCH_INTERVAL = 0.001
MAX_GIVE_WAY = 5.0         # at most this long in all, so that a user typing on and on still gets connected
MAX_HOLD_REFRESHES = 30    # keys wait for a screen being pushed at most this many refreshes
MAX_KEY_HOLD = 1.0         # seconds: a key is never held longer (were its way lost, say)
_USER_INPUT = (events.Key, events.MouseDown, events.MouseUp, events.MouseScrollDown, events.MouseScrollUp,
               events.Paste)
EXIT_SIGNALS = (signal.SIGTERM, signal.SIGHUP)   # end the app cleanly, restoring the terminal
EXIT_GRACE = 10.0          # seconds: after an exit signal the process has ended within this long, however the
                           # shutdown goes


class BatchApp(App[None]):
    CSS_PATH = "app.tcss"
    TITLE = "claude-batch-tui"
    BINDINGS = [
        Binding("question_mark", "help", "Help", id="app.help"),
        Binding("q", "quit_app", "Quit", id="app.quit"),
        Binding("q", "back", "Back", id="app.back_q"),             # the same key on sub-screens
        Binding("escape", "back", "Back", show=False, id="app.back"),
    ]

    def __init__(self, *, journal_path: str | os.PathLike[str], api_key: str | None = None,
                 base_url: str | None = None, clock: Clock | None = None, demo: bool = False,
                 poll: bool = True, keymap: Mapping[str, str] | None = None) -> None:
        super().__init__()
        self.keymap: dict[str, str] = dict(keymap or {})   # binding id -> keys: the user's own keys
        self.journal_path = Path(journal_path)
        self.api_key = api_key
        self.base_url = base_url
        self.clock = clock or Clock()
        self.demo = demo
        self.poll_enabled = poll
        self.journal: Journal | None = None
        self.client: AsyncAnthropic | None = None
        self.poller: Poller | None = None
        self.demo_env: DemoEnvironment | None = None
        self.status: tuple[str, bool] = ("starting…", False)
        self.status_signal: Signal[tuple[str, bool]] = Signal(self, "status")
        self.ready = asyncio.Event()       # journal, client and poller are set
        self._stop_polling = asyncio.Event()
        self._poll_worker: Worker | None = None
        self._signals_caught: list[int] = []
        self.journal_problem: str | None = None   # the journal cannot be used: what is wrong, what to do
        self._last_poll: float | None = None      # wall time of the last sweep without a failed call
        self._last_ended = ""                     # the newest "batches ended" words, kept on the status line
        self._ingest_problems: dict[int, tuple[str, str]] = {}   # local_id -> (where its download stopped, why)
        self._quiet_after = 0.0     # monotonic time until which the user's last key (and its answer) has the CPU
        self._given_way = 0.0       # seconds the SDK's import has waited for keys
        self._held_keys: list[events.Key] = []   # typed before the key before them had gone its way
        self._key_in_flight = False
        self._keys_sent = 0                         # keys handed on so far
        self._switch_interval = sys.getswitchinterval()   # the process's own, given back on exit
        self._keys_screen: Screen | None = None     # the screen on top when keys were last handed on
        self._saved_theme: str | None = None

    # -- screens -------------------------------------------------------------------------------

    def get_default_screen(self) -> Screen:
        return DashboardScreen()

    def broadcast(self, message_factory: type[Message], *args: Any) -> None:
        """Post a fresh message to every screen on the stack (a screen under a modal stays current)."""
        for screen in self.screen_stack:
            screen.post_message(message_factory(*args))

    def set_status(self, text: str, *, error: bool = False) -> None:
        self.status = (text, error)
        self.status_signal.publish(self.status)

    # -- start-up ------------------------------------------------------------------------------

    def on_mount(self) -> None:
        self._catch_signals()
        if self.keymap:
            self.set_keymap(self.keymap)
        self._restore_theme()
        # Threads (the SDK's import, the demo) hold the GIL in bursts of Python code: a thread waiting for it
        # asks the holder to let go after this long. 5 ms by default; 1 ms keeps the screen's answer to a key
        # within a few such waits while they run.
        self._switch_interval = sys.getswitchinterval()
        sys.setswitchinterval(GIL_SWITCH_INTERVAL)
        self.set_status("opening the journal…")
        self.call_after_refresh(self._startup)

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, _USER_INPUT):
            self._quiet_after = time.monotonic() + QUIET_AFTER_INPUT
        if isinstance(event, events.Key) and not event.is_forwarded:
            if self._key_in_flight or self._held_keys or not self._screen_ready() or \
                    self.screen is not self._keys_screen:
                self._hold(event)
            else:
                await self._send_key(event)
            return
        await super().on_event(event)

    # Keys, one at a time. Textual hands a key to the focused widget's queue; a screen's binding runs only when
    # the key has bubbled back up to the app. Keys typed quickly after `n` would all be queued to the dashboard's
    # table before `n` opened the dialog, and lost. So the next key is handed on only once the one before has
    # gone its whole way, and the screen on top is ready for it (a dialog just pushed gets its focus a moment
    # later). Keys typed meanwhile wait, in order; never longer than `MAX_KEY_HOLD`.

    def _hold(self, event: events.Key) -> None:
        self._held_keys.append(event)
        if len(self._held_keys) == 1:
            self.set_timer(MAX_KEY_HOLD, functools.partial(self._release_stuck, self._keys_sent))
            if not self._key_in_flight:   # else the key in flight releases it when it has gone its way
                self.call_later(self._release_keys)

    async def _send_key(self, event: events.Key) -> None:
        target = self.focused or self.screen
        self._keys_sent += 1
        await super().on_event(event)   # a priority binding, or handed to `target`
        if event.is_forwarded:
            self._key_in_flight = True
            if not target.call_later(self._follow_key, target):   # closing: the key goes no further
                self._key_done()

    def _follow_key(self, node: MessagePump) -> None:
        """Run in each queue the key goes through, after it: there it has been handled, and (if it bubbles) handed
        to the parent, where this follows it. At the app, the key has gone its way."""
        parent = node.parent if isinstance(node, DOMNode) and node is not self else None
        if parent is None or not parent.call_later(self._follow_key, parent):
            self._key_done()

    def _key_done(self) -> None:
        self._key_in_flight = False
        self.call_later(self._release_keys)

    def _release_stuck(self, sent_then: int) -> None:
        """A safety net: keys held for `MAX_KEY_HOLD` while none was handed on go on at once."""
        if not self._held_keys:
            return
        if self._keys_sent != sent_then:   # keys are going: look again later
            self.set_timer(MAX_KEY_HOLD, functools.partial(self._release_stuck, self._keys_sent))
            return
        self._key_in_flight = False
        self.call_later(self._release_keys, MAX_HOLD_REFRESHES)

    def _screen_ready(self) -> bool:
        """The screen on top can take keys: mounted, and its focus set (unless nothing on it takes focus)."""
        try:
            screen = self.screen
        except Exception:   # no screen (the app is ending): nothing to hold keys for
            return True
        return screen.is_mounted and (screen.focused is not None or not screen.focus_chain)

    async def _release_keys(self, attempts: int = 0) -> None:
        """Hand the held keys on, in order: each once the one before has gone its way and the screen is ready
        (a key among them may push another screen: the rest then wait for that one)."""
        while self._held_keys and not self._key_in_flight:
            if attempts < MAX_HOLD_REFRESHES:
                if not self._screen_ready():
                    self.call_after_refresh(self._release_keys, attempts + 1)
                    return
                if self.screen is not self._keys_screen:   # new on top: one more refresh, for its focus to settle
                    self._keys_screen = self.screen
                    self.call_after_refresh(self._release_keys, attempts + 1)
                    return
            await self._send_key(self._held_keys.pop(0))

    def busy_for(self) -> float:
        """Seconds the user's last key (and the screen's answer to it) still has the CPU first; 0 when quiet.
        Safe to call from any thread."""
        return max(0.0, self._quiet_after - time.monotonic())

    def _give_way(self) -> None:
        """Called by the SDK's import thread before each module: while the user types (and the screen answers),
        wait. Each wait is short; in all, start-up is held back at most `MAX_GIVE_WAY` seconds."""
        while (wait := self._quiet_after - time.monotonic()) > 0 and self._given_way < MAX_GIVE_WAY:
            step = min(wait, 0.02)
            time.sleep(step)
            self._given_way += step

    @work(group="startup", exit_on_error=False)
    async def _startup(self) -> None:
        # The SDK takes a second or two to import: do it in a thread, after the first frame, while the
        # journal opens (and the demo emulator starts). The thread gives way to keys (`_give_way`).
        sdk = asyncio.ensure_future(asyncio.to_thread(_import_sdk, self._give_way))
        try:
            if self.demo:
                self.set_status("starting the demo emulator…")
                self.demo_env = await DemoEnvironment.start(self._give_way)
                self.base_url = self.demo_env.base_url
                self.api_key = "demo"
                self.clock = self.demo_env.clock
            self.journal = await Journal.open(self.journal_path, clock=self.clock)
            self.broadcast(JournalReady)
            self.set_status("loading the API client…")
            poller_class = await sdk
        finally:
            if not sdk.done():
                sdk.cancel()
        self.client = make_client(self.api_key or "", self.base_url, clock=self.clock)
        self.poller = poller_class(self.journal, self.client, min_interval=DEMO_POLL_INTERVAL) if self.demo \
            else poller_class(self.journal, self.client)
        self.ready.set()
        where = self.base_url or "api.anthropic.com"
        self.set_status(f"connected to {where}" + (" (demo emulator)" if self.demo else ""))
        if self.demo_env is not None:
            self.demo_env.seed(self)
        if self.poll_enabled:
            self._poll_worker = self._poll_loop()

    async def on_unmount(self) -> None:
        self._release_signals()
        sys.setswitchinterval(self._switch_interval)
        self._stop_polling.set()
        if self._poll_worker is not None:
            self._poll_worker.cancel()
        if self.client is not None:
            await self.client.close()
        if self.journal is not None:
            await self.journal.close()
        if self.demo_env is not None:
            await self.demo_env.stop()

    # -- the theme, remembered ------------------------------------------------------------------

    def _restore_theme(self) -> None:
        """The theme last chosen (ctrl+p → theme), from `settings.toml`; from now on each choice is saved there."""
        path = config.settings_path()
        try:
            theme = config.load_settings(path).get("theme")
        except config.SettingsError as exc:
            theme = None
            self.notify(safe_text(str(exc), limit=300), title="Settings not read", severity="warning",
                        markup=False, timeout=8)
        if theme and theme in self.available_themes:
            self._saved_theme = theme
            self.theme = theme
        self.theme_changed_signal.subscribe(self, self._save_theme)

    def _save_theme(self, theme: Theme) -> None:
        if self._saved_theme == theme.name:
            return
        self._saved_theme = theme.name
        try:
            config.save_setting(config.settings_path(), "theme", theme.name)
        except config.SettingsError as exc:
            self.notify(safe_text(str(exc), limit=300), title="Theme not remembered", severity="warning",
                        markup=False, timeout=8)

    # -- signals -------------------------------------------------------------------------------

    def _catch_signals(self) -> None:
        """SIGTERM (`kill`, a service manager) and SIGHUP (the terminal or the SSH connection went away) end
        the app as `q` does, so the terminal is restored (alternate screen left, cursor shown, mouse off) and
        the journal closed, instead of the process dying mid-screen. Only on a real terminal: a headless run
        (the tests' Pilot) leaves its process's handlers alone."""
        if self.is_headless:
            return
        loop = asyncio.get_running_loop()
        for signum in EXIT_SIGNALS:
            with contextlib.suppress(ValueError, RuntimeError, NotImplementedError):   # not the main thread
                loop.add_signal_handler(signum, self._exit_on_signal, signum)
                self._signals_caught.append(signum)

    def _exit_on_signal(self, signum: int) -> None:
        """The first signal exits cleanly (exit status 128 + the signal, as the shell reports a kill); a second
        one while that is under way is not caught again, so it ends the process at once.

        And it ends within `EXIT_GRACE`. On a hang-up the kernel sends SIGCONT after SIGHUP, and Textual's handler
        for it starts its terminal writer again on a terminal that is gone: that writer dies on its first write,
        and the shutdown then waits forever to hand it more (seen with `tmux kill-session`: a process left
        behind). The journal is closed before the terminal driver (Textual unmounts the app first), and every
        journal write is one transaction, so ending the process there loses nothing."""
        self._release_signals()
        timer = threading.Timer(EXIT_GRACE, os._exit, (128 + signum,))
        timer.daemon = True
        timer.start()
        self.exit(return_code=128 + signum)

    def _release_signals(self) -> None:
        with contextlib.suppress(RuntimeError):     # the loop is already closed
            loop = asyncio.get_running_loop()
            for signum in self._signals_caught:
                loop.remove_signal_handler(signum)
        self._signals_caught.clear()

    # -- polling -------------------------------------------------------------------------------

    def poll_now(self) -> None:
        """`R`, or after a submit/cancel: sweep every unfinished batch now, waking the loop if it sleeps."""
        if self.journal_problem is not None:
            self.notify(self.journal_problem, title="The journal cannot be used", severity="error",
                        markup=False, timeout=10)
        elif self.poller is None:
            self.notify("Not connected yet.", timeout=2)
        elif not self.poll_enabled:
            self._poll_once()
        elif self._poll_worker is None or self._poll_worker.is_finished:
            self.set_status("restarting the poll loop…")
            self._poll_worker = self._poll_loop()
        else:
            self.poller.poke()

    @work(group="poll", exit_on_error=False)
    async def _poll_once(self) -> None:
        assert self.poller is not None, "polled only once connected"
        self.on_sweep(await self.poller.sweep(force=True))

    @work(group="poll", exit_on_error=False)
    async def _poll_loop(self) -> None:
        """The one poll loop (`Poller.run`): awaits its own sweep, then sleeps until due or poked."""
        assert self.poller is not None, "the loop starts only once connected"
        await self.poller.run(self.on_sweep, stop_event=self._stop_polling, on_ingest=self.on_ingest)

    def on_ingest(self, report: IngestReport, row: BatchRow | None) -> None:
        """Results came in (costs are known now): screens re-read; a failed ingest shows quietly."""
        name = batch_name(row) if row is not None else "a batch"
        if report.mismatch:   # read to its end, and not what was sent: no retry of the download helps
            self.notify(f"{name}: the results do not match what was sent: {report.anomalies} (r resends the "
                        "missing ones)", title="Results checked", severity="warning", markup=False, timeout=15)
        if report.error and not report.results_gone:
            got = f"{report.results_ingested:,}/{report.expected:,}" if report.expected else \
                f"{report.results_ingested:,}"
            self._ingest_problems[report.batch_local_id] = (f"results of {name}: download stopped at {got}",
                                                            report.error)
            self.set_status(self._ingest_status(report.batch_local_id), error=True)
        else:
            self._ingest_problems.pop(report.batch_local_id, None)
        self.broadcast(BatchesUpdated, SweepResult(changed=[row] if row is not None else []))

    def _ingest_status(self, local_id: int) -> str:
        """A stopped results download: what it does next, and when."""
        retry_in = self.poller.ingest_retry_in(local_id) if self.poller is not None else None
        when = f"in {duration(retry_in)}" if retry_in is not None else "with the next sweep"
        where, why = self._ingest_problems[local_id]
        return f"{where}, resuming from there {when} — {why}"   # the part that matters first: a line is short

    def on_sweep(self, result: SweepResult) -> None:
        self.broadcast(BatchesUpdated, result)
        if result.ended:
            self.announce_ended(result.ended)
        retry = f"retrying in {duration(result.next_delay)}"
        if result.unreachable_since is not None:
            since = datetime.fromtimestamp(result.unreachable_since, UTC).strftime("%H:%M:%S")
            self.set_status(f"server unreachable since {since} UTC, {retry}", error=True)
        elif result.errors:
            more = f" (+{len(result.errors) - 1} more)" if len(result.errors) > 1 else ""
            self.set_status(f"poll failed, {retry}: {result.errors[0]}{more}", error=True)
        elif self._ingest_problems:
            self._last_poll = self.clock.now()
            self.set_status(self._ingest_status(next(reversed(self._ingest_problems))), error=True)
        else:
            self._last_poll = self.clock.now()
            self.set_status(self._idle_status())

    def announce_ended(self, rows: list[BatchRow]) -> None:
        """The batches one sweep saw end: one notification and one bell, however many. One or two are named;
        more are counted. The words stay on the status line after the toast goes."""
        failed = sum(1 for row in rows if row.counts.failed)
        if len(rows) <= 2:
            text = "; ".join(f"{batch_name(row)}: {outcome(row.counts)}" for row in rows)
            title = "Batch ended" if len(rows) == 1 else "2 batches ended"
        else:
            ok = len(rows) - failed
            parts = ([f"{ok} ok"] if ok else []) + ([f"{failed} with errors"] if failed else [])
            text = f"{plural(len(rows), 'batch')} ended: {', '.join(parts)}"
            title = "Batches ended"
        self._last_ended = text if len(rows) > 2 else f"ended: {text}"
        self.notify(text, title=title, markup=False, severity="warning" if failed else "information", timeout=4)
        self.bell()

    def _idle_status(self) -> str:
        at = datetime.fromtimestamp(self._last_poll or self.clock.now(), UTC).strftime("%H:%M:%S")
        where = "demo emulator" if self.demo else (self.base_url or "api.anthropic.com")
        ended = f" · {self._last_ended}" if self._last_ended else ""
        return f"last poll {at} UTC · {where}{ended}"

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """One place where a failed worker becomes a quiet message (never a crash)."""
        if event.state != WorkerState.ERROR:
            return
        worker = event.worker
        error = worker.error
        problem = journal_problem(error, self.journal_path) if error is not None else None
        if problem is not None and (problem.fatal or worker.group == "startup"):
            self.journal_failed(str(problem), during="start-up failed" if worker.group == "startup" else None)
        elif worker.group == "startup":
            self.set_status(f"start-up failed: {_describe(error)}", error=True)
            self.notify(safe_text(_describe(error), limit=300), title="Could not start",
                        severity="error", markup=False, timeout=30)
        elif worker.group == "poll":
            self.set_status(f"poll stopped: {_describe(error)} — press R to restart", error=True)
        else:
            self.set_status(f"{worker.name or worker.group} failed: {_describe(error)}", error=True)

    def journal_failed(self, problem: str, *, during: str | None = None) -> None:
        """The journal cannot be used (not a database, damaged, unreadable): say what and what to do on the
        dashboard and the status line, stop polling, offer no submit. `q` quits as ever."""
        if self.journal_problem is not None:
            return
        self.journal_problem = safe_text(problem, limit=600, single_line=True)
        self._stop_polling.set()
        if self._poll_worker is not None:
            self._poll_worker.cancel()
        self.set_status(f"{during or 'journal unusable'}: {self.journal_problem}", error=True)
        self.notify(self.journal_problem, title="The journal cannot be used", severity="error", markup=False,
                    timeout=30)
        for screen in self.screen_stack:
            if isinstance(screen, DashboardScreen):
                screen.show_journal_problem()

    # -- keys ----------------------------------------------------------------------------------

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(sections_for(self, self.screen_stack, self.keymap), [price_note()]))

    def action_quit_app(self) -> None:
        self.exit()

    async def action_back(self) -> None:
        if len(self.screen_stack) > 1:
            self.pop_screen()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "back":
            return len(self.screen_stack) > 1
        if action == "quit_app":
            return len(self.screen_stack) == 1
        return True

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        """Every key that applies on this screen is also a command (the palette lists them by name)."""
        seen: set[str] = set()
        for key, active in screen.active_bindings.items():
            binding = active.binding
            if not active.enabled or not binding.description or binding.action in seen:
                continue
            if not binding.show and binding.id is None:   # widgets' own hidden keys (cursor moves, …)
                continue
            if binding.action in ("command_palette",):
                continue
            seen.add(binding.action)
            node = active.node
            help_text = f"{binding.tooltip or binding.description} · key {self.get_key_display(binding)}" + \
                (f" · id {binding.id} (keymap.toml)" if binding.id else "")
            yield SystemCommand(binding.description, help_text,
                                lambda node=node, action=binding.action: self.call_later(self.run_action, action, node))
        yield from super().get_system_commands(screen)


def _import_sdk(pause: Callable[[], None]) -> type[Poller]:
    """The slow imports (the SDK, and the poller that uses it); returns the poller class."""
    preload_sdk(pause)
    from tui.core.poll.loop import Poller

    return Poller


def _describe(exc: BaseException | None) -> str:
    if exc is None:
        return "unknown error"
    text = str(exc) or type(exc).__name__
    return safe_text(f"{type(exc).__name__}: {text}" if str(exc) else text, limit=200, single_line=True)


def make_app(*, journal_path: str | os.PathLike[str], api_key: str | None = None, base_url: str | None = None,
             clock: Clock | None = None, demo: bool = False, poll: bool = True,
             keymap: Mapping[str, str] | None = None) -> BatchApp:
    """The app with its journal path, key, server, clock and the user's keymap injected. Nothing is opened
    until it runs."""
    return BatchApp(journal_path=journal_path, api_key=api_key, base_url=base_url, clock=clock, demo=demo,
                    poll=poll, keymap=keymap)
