"""Hostile text from outside renders literally and safely on the batch and request screens.

Payloads in custom_ids, labels, response texts, error types and messages, params and the search box:
markup (`[bold]`, `[/end]`), terminal escapes (`\\x1b[2J`, `\\x1b]0;title\\x07`), bidi overrides, mixed
scripts and a 1 MB response. For each: no crash, the literal text is on screen (control characters as
their visible symbols), and no ESC character reaches what is drawn (the screen's text or the exported SVG).
"""

from __future__ import annotations

import pytest
from drilldown_journal import connect, insert_batch, insert_requests, insert_results, new_journal, result_for

from tests.builders import params as request_params
from tests.tui.harness import ESC, open_screen, press, running_app, screen_text, type_text
from tui.core.safe_text import safe_text
from tui.screens.batch import BatchScreen
from tui.screens.request import RequestScreen
from tui.widgets.response_view import params_view, raw_view, result_view

MARKUP = "[bold]loud[/bold] [/end] [link=http://x]y[/link]"
CLEAR = "wipe\x1b[2Jscreen"
TITLE = "set\x1b]0;pwned\x07title"
BIDI = "abc\u202eevil\u202cdef"
SCRIPTS = "日本語 עברית العربية Ελληνικά кириллица 🙂"
PAYLOADS = {"markup": MARKUP, "clear": CLEAR, "title": TITLE, "bidi": BIDI, "scripts": SCRIPTS}
BIG = ("0123456789abcdef" * 65536)  # 1 MiB, no spaces: the worst case for wrapping
# what each payload looks like on screen (control characters made visible)
SHOWN = {name: safe_text(text, single_line=True) for name, text in PAYLOADS.items()}


def succeeded(cid: str, text: str) -> dict:
    line = result_for(0, "succeeded", text=text)
    line["custom_id"] = cid
    return line


def errored(cid: str, error_type: str, message: str) -> dict:
    line = result_for(3, "errored")
    line["custom_id"] = cid
    line["result"]["error"]["error"] = {"type": error_type, "message": message}
    return line


@pytest.fixture
async def hostile(journal_path):
    await new_journal(journal_path)
    con = connect(journal_path)
    with con:
        insert_batch(con, 1, n=2 * len(PAYLOADS) + 1, label=f"{MARKUP} {CLEAR} {TITLE}")
        params = {name: request_params([{"type": "text", "text": text},
                                        {"type": "tool_use", "id": text, "name": text, "input": {text: text}}],
                                       model=text, max_tokens=5, system=text,
                                       tools=[{"name": text, "description": text}])
                  for name, text in PAYLOADS.items()}
        insert_requests(con, 1, ((f"ok-{name}", params[name]) for name in PAYLOADS))
        insert_results(con, 1, [succeeded(f"ok-{name}", text) for name, text in PAYLOADS.items()]
                       + [errored(f"err-{name}", text, text) for name, text in PAYLOADS.items()]
                       + [succeeded("big", BIG)])
        # custom_ids themselves hostile (only possible in a corrupt or hand-made journal)
        insert_batch(con, 2, n=len(PAYLOADS))
        insert_results(con, 2, [succeeded(text, text) for text in PAYLOADS.values()])
    con.close()
    return journal_path


def assert_safe(app) -> str:
    svg = app.export_screenshot()
    text = screen_text(app, svg)
    assert ESC not in text and "\x07" not in text
    assert ESC not in svg and "\x07" not in svg
    assert app.is_running
    return text


@pytest.mark.parametrize("name", list(PAYLOADS))
def test_views_keep_payloads_literal(name):
    text = PAYLOADS[name]
    params = request_params(text, model=text, max_tokens=1, system=text)
    for rendered in (params_view(params), result_view(succeeded("x", text), None, True),
                     result_view(errored("x", text, text), None, True), raw_view({"k": text}, "raw")):
        assert ESC not in rendered.plain and "\x07" not in rendered.plain
        if name == "markup":  # not parsed as markup: the tags are still in the text
            assert "[bold]loud[/bold] [/end]" in rendered.plain
    assert safe_text(text) in params_view(params).plain
    assert safe_text(text) in result_view(succeeded("x", text), None, True).plain


async def test_batch_screen_shows_every_payload_literally(hostile):
    async with running_app(hostile, size=(200, 50)) as (app, pilot):
        screen = await open_screen(pilot, BatchScreen(1))
        shown = assert_safe(app)
        assert "[bold]loud[/bold] [/end]" in shown          # label in the facts
        assert "wipe␛[2Jscreen" in shown                    # ESC made visible
        assert "<U+202E>" in shown and "日本語" in shown
        for name in PAYLOADS:
            assert f"ok-{name}" in shown
        assert "errors: " in shown and "[bold]loud[/bold]" in shown.split("errors: ", 1)[1]
        # a search for markup is shown literally and finds the rows holding it
        await press(pilot, "slash")
        await type_text(pilot, "[/end]")
        await press(pilot, "enter")
        shown = assert_safe(app)
        assert "/ [/end]" in shown
        assert {r.custom_id for r in screen.table.window} == {"ok-markup", "err-markup"}


async def test_hostile_custom_ids_in_the_table_and_the_request(hostile):
    async with running_app(hostile, size=(160, 40)) as (app, pilot):
        await open_screen(pilot, BatchScreen(2))
        shown = assert_safe(app)
        for visible in SHOWN.values():
            assert visible[:20] in shown
        for _ in PAYLOADS:
            await press(pilot, "enter")
            assert isinstance(app.screen, RequestScreen)
            await press(pilot, "y")  # the notification names the custom_id
            shown = assert_safe(app)
            cid = app.screen.custom_id
            assert safe_text(cid, single_line=True)[:20] in shown
            assert app.clipboard == safe_text(cid)  # the response text, cleaned as the screen shows it
            await press(pilot, "escape", "down")


@pytest.mark.parametrize("name", list(PAYLOADS))
async def test_request_screen_shows_payloads_literally(hostile, name):
    async with running_app(hostile, size=(160, 50)) as (app, pilot):
        for cid in (f"ok-{name}", f"err-{name}"):
            await open_screen(pilot, RequestScreen(1, cid))
            shown = assert_safe(app)
            assert SHOWN[name][:25] in shown
            await press(pilot, "v")  # raw JSON too
            shown = assert_safe(app)
            assert '"custom_id"' in shown
            await press(pilot, "escape")


async def test_a_1mb_response_opens_cut_and_copies_whole(hostile):
    async with running_app(hostile, size=(120, 36)) as (app, pilot):
        await open_screen(pilot, RequestScreen(1, "big"))
        shown = assert_safe(app)
        assert "0123456789abcdef" in shown
        await press(pilot, "end")  # scroll the focused response pane to its end
        assert "[cut: showing 100,000 of 1,048,576 characters" in assert_safe(app)
        await press(pilot, "y")
        assert app.clipboard == BIG
        await press(pilot, "v")
        assert_safe(app)


async def test_y_copies_the_response_cleaned_like_the_screen(journal_path):
    """A pasted answer cannot break out of a shell's bracketed paste (ESC [201~) or retitle the terminal:
    control characters are copied as their visible symbols; newlines and tabs stay as they are."""
    text = "line one\n\tindented\x1b[201~rm -rf ~\x1b]0;pwned\x07\x9b\u202eend"
    await new_journal(journal_path)
    con = connect(journal_path)
    with con:
        insert_batch(con, 1, n=1)
        insert_results(con, 1, [succeeded("paste", text)])
    con.close()
    async with running_app(journal_path, size=(120, 36)) as (app, pilot):
        await open_screen(pilot, RequestScreen(1, "paste"))
        await press(pilot, "y")
        assert app.clipboard == "line one\n\tindented␛[201~rm -rf ~␛]0;pwned␇<U+009B><U+202E>end"
        assert not any(ord(c) < 0x20 and c not in "\n\t" for c in app.clipboard)
