"""One pass that makes outside text (responses, params, errors, file names, custom_ids) safe to show.

Control characters become visible symbols, so a response holding `\\x1b[2J` or `\\x1b]0;title\\x07` cannot
drive the user's terminal, and bidi overrides or zero-width characters cannot hide or reorder what is
shown. The result is a plain `str`: widgets must still wrap it in `Text(...)`/`Content(...)` (never parse
it as markup), which is what keeps `[/end]` literal.
"""

from __future__ import annotations

import re

# C0 controls (minus \n and \t, handled by the caller's choice), DEL, C1 controls.
_C0 = {**{i: chr(0x2400 + i) for i in range(0x20)}, 0x7F: "\u2421"}  # U+2400.. "Control Pictures": ␀ … ␛ … ␡
# Characters that reorder or hide text: bidi embeddings/overrides/isolates, marks, zero-width, BOM, etc.
_INVISIBLE = (
    "\u061c\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e"
    "\u2060\u2061\u2062\u2063\u2064\u2066\u2067\u2068\u2069\ufeff\u00ad"
)
_PATTERN = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f\x80-\x9f" + _INVISIBLE + "\ud800-\udfff\ufff9-\ufffb]"
)


def _visible(match: re.Match[str]) -> str:
    ch = match.group()
    code = ord(ch)
    if code in _C0:
        return _C0[code]
    return f"<U+{code:04X}>"


def safe_text(text: object, *, limit: int | None = None, single_line: bool = False) -> str:
    """Return `text` with every control/invisible character made visible.

    `limit` cuts the result to that many characters (with an ellipsis) before any work is done on the
    rest, so a 1 MB response costs nothing when only a preview is shown. `single_line` turns newlines
    and tabs into visible marks for table cells and one-line previews.
    """
    s = text if isinstance(text, str) else str(text)
    cut = False
    if limit is not None and len(s) > limit:
        s, cut = s[:limit], True
    s = _PATTERN.sub(_visible, s)
    if single_line:
        s = s.replace("\n", "\u23ce ").replace("\t", " ")
    if limit is not None and len(s) > limit:
        s, cut = s[:limit], True
    if cut:
        s = s[: max(0, (limit or 1) - 1)] + "\u2026"
    return s
