"""The text sparkline: zero is the lowest bar, any activity is visible, a flat series is dim."""

from __future__ import annotations

from tui.widgets.sparkline import BARS, spark_chars, sparkline


def test_spark_chars() -> None:
    assert spark_chars([]) == ""
    assert spark_chars([0, 0, 0]) == "▁▁▁"
    assert spark_chars([0, 1, 100]) == "▁▂█"
    assert spark_chars([1, 2, 3, 4, 5, 6, 7]) == "▂▃▄▅▆▇█"
    assert set(spark_chars(list(range(50)))) <= set(BARS)


def test_sparkline_styles() -> None:
    assert str(sparkline([0, 0]).style) == "dim"
    assert str(sparkline([0, 3]).style) == "#4aa3ff"
