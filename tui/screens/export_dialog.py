"""Where and how to export: format, this batch or its whole job (final answer per custom_id), which
results, joined with the requests or not, a BOM for Excel, raw cells (no quote before formula-like CSV cells;
for programs, off by default), and the file. Returns an `ExportRequest` or None.

`enter` in the file name (or the Export button) exports; `escape` closes. Whether an existing file may be
replaced is asked afterwards by the caller (a `ConfirmScreen`), never assumed.

Given several batches (the dashboard's marked ones), it says so: one file for each, named after it
(`export_paths`), in the folder the dialog asks for instead of a file name; the files are listed, and so are
the marked batches left out (no results in the journal yet).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Checkbox, Input, RadioButton, RadioSet, Static

from tui.core.actions.export import ExportOptions
from tui.core.models import BatchRow
from tui.core.safe_text import safe_text
from tui.core.words import batch_name, plural, short_id
from tui.screens.dialog import FormDialog


RAW_CELLS_TIP = ("Off: a CSV cell starting with = + - @, a tab or a carriage return gets a ' in front, so a "
                 "spreadsheet shows it instead of running it as a formula. On: every cell exactly as stored. "
                 "JSONL is always as received.")


@dataclass(frozen=True, slots=True)
class ExportRequest:
    path: str
    options: ExportOptions


def default_name(batch: BatchRow, *, final: bool, fmt: str) -> str:
    short = short_id(batch).replace("#", "local")
    return f"{'job-of-' if final else 'batch-'}{short}{'-final' if final else ''}.{fmt}"


def export_paths(folder: Path, batches: Sequence[BatchRow], *, final: bool, fmt: str) -> list[Path]:
    """The files an export of several batches writes: one per batch, in `folder`, named by `default_name`."""
    return [folder / default_name(row, final=final, fmt=fmt) for row in batches]


class ExportDialog(FormDialog[ExportRequest]):
    DEFAULT_CSS = """
    ExportDialog .row { height: auto; }
    ExportDialog .label { width: 8; color: $text-muted; }
    ExportDialog RadioSet { width: 1fr; }
    ExportDialog RadioSet.across { layout: horizontal; }
    ExportDialog RadioSet.across > RadioButton { width: auto; margin-right: 2; }
    ExportDialog #joined, ExportDialog #bom, ExportDialog #raw_cells { margin-left: 8; }
    ExportDialog #path { width: 1fr; }
    ExportDialog #files_box { height: auto; max-height: 6; margin: 1 0 1 8; }
    ExportDialog #problem { display: none; color: $warning; margin-left: 8; }
    """
    BINDINGS = [Binding("escape", "close", "Close", id="export.close")]

    def __init__(self, batch: BatchRow, *, family_size: int = 1, folder: Path | None = None,
                 batches: Sequence[BatchRow] = (), skipped: Sequence[BatchRow] = ()) -> None:
        super().__init__()
        self.row = batch
        self.family_size = family_size
        self.folder = folder or Path.cwd()
        self.batches = list(batches)     # several: one file for each, into a folder
        self.skipped = list(skipped)     # marked batches left out: no results in the journal yet
        self._auto_name = ""

    @property
    def several(self) -> bool:
        """Given marked batches (even if only one of them can be exported): one file each, into a folder."""
        return len(self.batches) > 1 or bool(self.skipped)

    def compose(self) -> ComposeResult:
        if self.several:
            title = (f"Export the results of {plural(len(self.batches), 'batch')}: one file for each, "
                     "into the folder below")
            scopes = [("each batch only", True, "batch"),
                      ("each one's job: final answer per custom_id", False, "final")]
        else:
            final = self.family_size > 1
            title = f"Export the results of {batch_name(self.row)}"
            scopes = [(f"its job: final answer per custom_id ({plural(self.family_size, 'batch')})", final, "final"),
                      ("this batch only", not final, "batch")]
        with Vertical(id="dialog"):
            yield Static(Text(title), id="title")
            with Horizontal(classes="row"):
                yield Static("format", classes="label")
                with RadioSet(id="format", classes="across", compact=True):
                    yield RadioButton("CSV", value=True, id="csv")
                    yield RadioButton("JSONL", id="jsonl")
            with Horizontal(classes="row"):
                yield Static("what", classes="label")
                with RadioSet(id="scope", compact=True):
                    for label, pressed, scope_id in scopes:
                        yield RadioButton(label, value=pressed, id=scope_id)
            with Horizontal(classes="row"):
                yield Static("results", classes="label")
                with RadioSet(id="only", classes="across", compact=True):
                    yield RadioButton("all", value=True, id="all")
                    yield RadioButton("succeeded", id="succeeded")
                    yield RadioButton("failed", id="failed")
            yield Checkbox("with each request's params (joined)", id="joined", compact=True)
            yield Checkbox("CSV for Excel (UTF-8 byte-order mark)", id="bom", compact=True)
            yield Checkbox("raw cells (for programs, not spreadsheets)", id="raw_cells", compact=True,
                           tooltip=RAW_CELLS_TIP)
            if self.several:
                with VerticalScroll(id="files_box"):
                    yield Static(Text(self._file_lines(final=False, fmt="csv")), id="files")
                where, value = "folder", str(self.folder)
            else:
                self._auto_name = str(self.folder / default_name(self.row, final=final, fmt="csv"))
                where, value = "file", self._auto_name
            with Horizontal(classes="row"):
                yield Static(where, classes="label")
                yield Input(value=value, id="path", compact=True)
            yield Static(id="problem")
            with Horizontal(id="buttons"):
                yield Button("Export (enter)", variant="primary", id="go", compact=True)
                yield Button("Close (esc)", id="close", compact=True)

    def _file_lines(self, *, final: bool, fmt: str) -> str:
        names = [p.name for p in export_paths(Path("."), self.batches, final=final, fmt=fmt)]
        lines = [safe_text(f"{batch_name(row)}  →  {name}", limit=200, single_line=True)
                 for row, name in zip(self.batches, names)]
        lines += [safe_text(f"left out: {batch_name(row)}  ({short_id(row)}): no results in the journal yet",
                            limit=200, single_line=True) for row in self.skipped]
        return "\n".join(lines)

    def on_mount(self) -> None:
        self.query_one("#path", Input).focus()

    def _pressed(self, set_id: str) -> str:
        button = self.query_one(f"#{set_id}", RadioSet).pressed_button
        return button.id if button is not None and button.id else ""

    def on_radio_set_changed(self, _: RadioSet.Changed) -> None:
        """Keep the suggested file name in step with the choices, unless the user typed their own."""
        if self.several:    # the files listed follow the choices; the folder stays
            self.query_one("#files", Static).update(Text(self._file_lines(
                final=self._pressed("scope") == "final", fmt=self._pressed("format") or "csv")))
            return
        box = self.query_one("#path", Input)
        if box.value != self._auto_name:
            return
        self._auto_name = str(self.folder / default_name(self.row, final=self._pressed("scope") == "final",
                                                         fmt=self._pressed("format") or "csv"))
        box.value = self._auto_name

    def _request(self) -> ExportRequest | None:
        path = self.query_one("#path", Input).value.strip()
        problem = self.query_one("#problem", Static)
        problem.display = not path           # said here: notifications are not shown over a dialog
        if not path:
            problem.update("Give a folder." if self.several else "Give a file name.")
            return None
        only = self._pressed("only")
        options = ExportOptions(fmt=self._pressed("format") or "csv", only=None if only in ("", "all") else only,
                                joined=self.query_one("#joined", Checkbox).value,
                                final=self._pressed("scope") == "final",
                                bom=self.query_one("#bom", Checkbox).value,
                                raw_cells=self.query_one("#raw_cells", Checkbox).value)
        return ExportRequest(str(Path(path).expanduser()), options)

    def _go(self) -> None:
        request = self._request()
        if request is not None:
            self.dismiss(request)

    def action_close(self) -> None:
        self.dismiss(None)
