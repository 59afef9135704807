"""Throughput sparklines as text: `▁▁▂▅█▃` fits a DataTable cell or the header line.

The series come from `tui.core.timing.throughput` (completed requests per interval); this module only draws.
Zero is the lowest bar; any activity at all shows at least the second bar, so a little work is visible
next to a lot.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text

BARS = "▁▂▃▄▅▆▇█"


def spark_chars(values: Sequence[float]) -> str:
    if not values:
        return ""
    top = max(values)
    if top <= 0:
        return BARS[0] * len(values)
    steps = len(BARS) - 1
    return "".join(BARS[0] if v <= 0 else BARS[max(1, min(steps, round(v / top * steps)))] for v in values)


def sparkline(values: Sequence[float], *, style: str = "#4aa3ff", idle_style: str = "dim") -> Text:
    """The sparkline as Text: coloured where there was activity, dim when the whole series is flat."""
    chars = spark_chars(values)
    return Text(chars, style=style if any(v > 0 for v in values) else idle_style, no_wrap=True)
