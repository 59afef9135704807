"""`n` on the dashboard: pick a JSONL file, check it, see what it will send and cost, then confirm.

One modal, three steps: the form (file, optional label and batch size) → the check (`core.plan.plan` in a
thread: it reads the whole file) → either the problems (`FILE:LINE: what`, scrollable, nothing can be
sent) or the plan (requests, batches, bytes, the cost range) with Submit. A file whose content was
submitted before gets a warning and only an explicit "Submit again". Editing any field drops the result.
Escape closes at every step. Returns a `SubmitRequest` (the checked plan) or None; the caller sends it.

File names and file content are outside text: they reach widgets only as `Text(safe_text(...))`, and the
path box shows control characters as visible symbols.
"""

from __future__ import annotations

import asyncio
import itertools
import os
from dataclasses import dataclass

from rich.highlighter import Highlighter
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.suggester import Suggester
from textual.widgets import Button, Input, Static

from tui.core.actions.label import LabelError, check_label
from tui.core.submit.check import MAX_REQUESTS, Plan, PlanError
from tui.core.submit.send import find_submitted
from tui.core.submit.summary import plan_summary
from tui.core.safe_text import safe_text
from tui.screens.dialog import DialogScreen

MAX_LISTED = 5000          # names read from one folder for completion
MAX_CHUNK_LINES = 8        # per-batch lines shown before "and N more"

# Length-preserving: each control or invisible character becomes one visible one (the cursor stays right).
_PICTURES = {i: 0x2400 + i for i in range(0x20)} | {0x7F: 0x2421}
_PICTURES |= {i: 0xFFFD for i in range(0x80, 0xA0)}
_PICTURES |= {ord(c): 0xFFFD for c in "\u061c\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e"
              "\u2060\u2061\u2062\u2063\u2064\u2066\u2067\u2068\u2069\ufeff\u00ad"}


@dataclass(frozen=True, slots=True)
class SubmitRequest:
    plan: Plan
    label: str | None
    again: bool


def complete_path(value: str) -> str | None:
    """Shell-like completion of the last part of `value` (`~` understood): the one matching name (a folder
    gets a `/`) or the longest prefix all matches share. Names with control characters are never offered."""
    if not value:
        return None
    head, stem = os.path.split(os.path.expanduser(value))
    try:
        with os.scandir(head or ".") as entries:
            names = [(e.name, e.is_dir()) for e in itertools.islice(entries, MAX_LISTED)]
    except OSError:
        return None
    matches = sorted((n, d) for n, d in names if n.startswith(stem) and safe_text(n) == n
                     and (stem.startswith(".") or not n.startswith(".")))
    if not matches:
        return None
    if len(matches) == 1:
        name, is_dir = matches[0]
        completion = name + (os.sep if is_dir else "")
    else:
        completion = os.path.commonprefix([n for n, _ in matches])
    return value + completion[len(stem):] if len(completion) > len(stem) else None


class PathSuggester(Suggester):
    def __init__(self) -> None:
        super().__init__(use_cache=False, case_sensitive=True)

    async def get_suggestion(self, value: str) -> str | None:
        return await asyncio.to_thread(complete_path, value)


class VisibleControls(Highlighter):
    """Shows control characters in an Input's value as symbols (␛, ␇, …) instead of sending them out."""

    def highlight(self, text: Text) -> None:
        text.plain = text.plain.translate(_PICTURES)


class PathInput(Input):
    """An Input for a file path: the completion shows greyed; `tab` (or `→`) takes it, else moves on."""

    BINDINGS = [Binding("tab", "complete", "Complete", show=False)]

    def __init__(self, **kwargs) -> None:
        super().__init__(suggester=PathSuggester(), highlighter=VisibleControls(), **kwargs)

    def action_complete(self) -> None:
        before = self.value
        if self.cursor_at_end:
            self.action_cursor_right()   # accepts the suggestion, if there is one
        if self.value == before:
            self.screen.focus_next()


class SubmitDialog(DialogScreen[SubmitRequest]):
    DEFAULT_CSS = """
    SubmitDialog #dialog { width: 78; }
    SubmitDialog .row { height: auto; }
    SubmitDialog .label { width: 15; color: $text-muted; }
    SubmitDialog Input { width: 1fr; }
    SubmitDialog #heading { color: $error; text-style: bold; margin-top: 1; }
    SubmitDialog #result { height: auto; max-height: 10; }
    SubmitDialog #result.errors { border-left: thick $error; }
    SubmitDialog #warning { color: $warning; text-style: bold; margin-top: 1; }
    """
    BINDINGS = [
        Binding("escape", "close", "Close", id="submit.close"),
        Binding("y", "send(False)", "Submit", id="submit.send"),
        Binding("a", "send(True)", "Submit again", id="submit.again"),
    ]

    class Checked(Message):
        """The file of one version of the form (`token`) was read: a plan and its summary, or a problem."""

        def __init__(self, token: int, plan: Plan | None, problem: str | None, summary: list[str]) -> None:
            super().__init__()
            self.token, self.plan, self.problem, self.summary = token, plan, problem, summary

    class Ready(Message):
        """A good plan, and the job that already sent the same content (None when it is new)."""

        def __init__(self, token: int, plan: Plan, summary: list[str], seen: tuple[int, str] | None) -> None:
            super().__init__()
            self.token, self.plan, self.summary, self.seen = token, plan, summary, seen

    def __init__(self, path: str = "") -> None:
        super().__init__()
        self.initial_path = path
        self.token = 0
        self.plan: Plan | None = None          # a checked, sendable plan for the current form
        self.seen: tuple[int, str] | None = None   # (job id, name) when this content was submitted before

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Static("New batch from a JSONL file", id="title")
            with Horizontal(classes="row"):
                yield Static("file", classes="label")
                yield PathInput(value=self.initial_path, placeholder="path/to/requests.jsonl (tab completes)",
                                id="path", compact=True)
            with Horizontal(classes="row"):
                yield Static("label", classes="label")
                yield Input(placeholder="optional (default: the file name)", id="label", compact=True)
            with Horizontal(classes="row"):
                yield Static("max per batch", classes="label")
                yield Input(placeholder=f"default {MAX_REQUESTS:,}, the most a batch holds", type="integer",
                            id="per_batch", compact=True)
            yield Static(id="heading")
            with VerticalScroll(id="result"):
                yield Static(id="result-text")
            yield Static(id="warning")
            with Horizontal(id="buttons"):
                yield Button("Check (enter)", variant="primary", id="check", compact=True)
                yield Button("Submit (y)", variant="success", id="send", compact=True)
                yield Button("Submit again (a)", variant="warning", id="again", compact=True)
                yield Button("Cancel (esc)", id="close", compact=True)

    def on_mount(self) -> None:
        self._show(None)
        self.query_one("#path", Input).focus()

    # -- showing ---------------------------------------------------------------------------------------------------

    def _show(self, lines: list[str] | None, *, errors: bool = False, warning: str = "", heading: str = "") -> None:
        self.query_one("#heading", Static).update(Text(heading))
        self.query_one("#heading", Static).display = bool(heading)
        box = self.query_one("#result", VerticalScroll)
        box.styles.margin = (0 if heading or lines is None else 1, 0, 0, 0)
        box.display = lines is not None
        box.set_class(errors, "errors")
        box.can_focus = errors        # a long list of problems scrolls from the keyboard (tab to it)
        self.query_one("#result-text", Static).update(Text("\n".join(lines or [])))
        box.scroll_home(animate=False)
        self.query_one("#warning", Static).display = bool(warning)
        self.query_one("#warning", Static).update(Text(warning))
        ready = self.plan is not None
        self.query_one("#check", Button).display = not ready
        self.query_one("#send", Button).display = ready and self.seen is None
        self.query_one("#again", Button).display = ready and self.seen is not None
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "send":
            return self.plan is not None and bool(parameters[0]) == (self.seen is not None)
        return True

    # -- the form --------------------------------------------------------------------------------------------------

    @on(Input.Changed)
    def _edited(self, _: Input.Changed) -> None:
        """Any edit makes an earlier check stale."""
        self.token += 1
        if self.plan is not None or self.query_one("#result").display:
            self.plan = self.seen = None
            self._show(None)

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_check()

    def _per_batch(self) -> int | None | str:
        text = self.query_one("#per_batch", Input).value.strip().replace(",", "").replace("_", "")
        if not text:
            return None
        if not text.isdigit() or not 1 <= int(text) <= MAX_REQUESTS:
            return f"max per batch must be a whole number from 1 to {MAX_REQUESTS:,}"
        return int(text)

    def action_check(self) -> None:
        raw = self.query_one("#path", Input).value.strip()
        if not raw:
            self._show(["Type the path of a JSONL file: one {\"custom_id\": …, \"params\": …} per line."],
                       errors=True)
            return
        per_batch = self._per_batch()
        if isinstance(per_batch, str):
            self._show([per_batch], errors=True)
            return
        try:
            self._label()
        except LabelError as exc:
            self._show([f"label: {exc}"], errors=True)
            return
        self.token += 1
        self.plan = self.seen = None
        path = os.path.expanduser(raw)
        self._show([f"checking {safe_text(path, limit=200)} …"])
        self._check(self.token, path, per_batch)

    def _label(self) -> str | None:
        """The label typed (checked as every label is), or None for the default name; LabelError if refused."""
        text = self.query_one("#label", Input).value
        return check_label(text) if text.strip() else None

    @work(thread=True, group="submit-check", exclusive=True, exit_on_error=False)
    def _check(self, token: int, path: str, per_batch: int | None) -> None:
        """Blocking: reads the whole file (and once more for its hash when it is good), prices the plan."""
        from tui.core.submit.check import plan as make_plan

        try:
            result = make_plan(path, max_per_batch=per_batch)
            summary = []
            if result.ok:
                result.sha256   # computed here, off the loop; cached on the plan
                summary = plan_summary(result, max_batch_lines=MAX_CHUNK_LINES)
        except (PlanError, OSError, ValueError) as exc:
            self.post_message(self.Checked(token, None, str(exc), []))
            return
        self.post_message(self.Checked(token, result, None, summary))

    def on_submit_dialog_checked(self, message: Checked) -> None:
        if message.token != self.token:
            return                       # the form changed since: a newer check is coming (or none)
        plan = message.plan
        if plan is None:
            self._show([safe_text(message.problem, limit=400)], errors=True)
        elif not plan.ok:
            more = " · tab, then ↑↓ to scroll" if len(plan.error_lines()) > 8 else ""
            self._show([safe_text(line, limit=300) for line in plan.error_lines()], errors=True,
                       heading=f"{plan.error_count:,} problem{'s' if plan.error_count != 1 else ''}: nothing can "
                               f"be sent until the file is fixed{more}")
        else:
            self._look_up(message)

    @work(group="submit-check", exit_on_error=False)
    async def _look_up(self, checked: Checked) -> None:
        """Has this content been submitted before? (the journal, on the app's loop)"""
        assert checked.plan is not None, "only a checked plan is looked up"
        seen = await find_submitted(self.journal, checked.plan.sha256)
        self.post_message(self.Ready(checked.token, checked.plan, checked.summary, seen))

    def on_submit_dialog_ready(self, message: Ready) -> None:
        if message.token != self.token:
            return
        self.plan, self.seen = message.plan, message.seen
        warning = ""
        if self.seen is not None:
            warning = (f"⚠ This file's content was already submitted (job #{self.seen[0]} "
                       f"{safe_text(self.seen[1], limit=60, single_line=True)}). Submitting again sends "
                       "every request once more and is billed again.")
        self._show([safe_text(line, limit=300) for line in [f"{message.plan.source}:", *message.summary]],
                   warning=warning)
        self.query_one("#close" if self.seen else "#send", Button).focus()

    # -- answers ---------------------------------------------------------------------------------------------------

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        {"check": self.action_check, "send": lambda: self.action_send(False),
         "again": lambda: self.action_send(True), "close": self.action_close}[event.button.id or "close"]()

    def action_send(self, again: bool) -> None:
        if self.plan is None or again != (self.seen is not None):
            return
        self.dismiss(SubmitRequest(self.plan, self._label(), again))

    def action_close(self) -> None:
        self.dismiss(None)
