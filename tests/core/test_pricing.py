"""Pricing arithmetic on known usage, model matching, unknown models and the user override file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tui.core.money import pricing
from tui.core.money.pricing import (PriceFileError, Rates, cost_usd, format_usd, load_price_table, normalize_model,
                              price_table, realtime_cost_usd)


def test_sonnet_45_with_cache_tokens_at_batch_and_standard_prices() -> None:
    # 1000 in * $3 + 500 out * $15 + 200 cache write * $3.75 + 3000 cache read * $0.30 = $0.01215 standard
    args = ("claude-sonnet-4-5-20250929", 1000, 500, 200, 3000)
    assert realtime_cost_usd(*args) == pytest.approx(0.01215)
    assert cost_usd(*args) == pytest.approx(0.006075)
    assert cost_usd(*args, batch=False) == pytest.approx(0.01215)


@pytest.mark.parametrize(("model", "standard_input", "standard_output"), [
    ("claude-opus-4-5-20251101", 5.0, 25.0),
    ("claude-opus-4-5", 5.0, 25.0),
    ("claude-opus-4-1-20250805", 15.0, 75.0),
    ("claude-opus-4-20250514", 15.0, 75.0),
    ("claude-opus-4-0", 15.0, 75.0),
    ("claude-sonnet-4-20250514", 3.0, 15.0),
    ("claude-3-7-sonnet-latest", 3.0, 15.0),
    ("claude-haiku-4-5-20251001", 1.0, 5.0),
    ("claude-3-5-haiku-20241022", 0.8, 4.0),
    ("claude-3-opus-20240229", 15.0, 75.0),
    ("claude-3-haiku-20240307", 0.25, 1.25),
    ("us.anthropic.claude-sonnet-4-5-20250929-v1:0", 3.0, 15.0),
    ("claude-3-5-sonnet-v2@20241022", 3.0, 15.0),
])
def test_family_matching(model: str, standard_input: float, standard_output: float) -> None:
    assert cost_usd(model, 100_000, 0) == pytest.approx(standard_input / 20)   # under any long-context line
    assert cost_usd(model, 0, 1_000_000) == pytest.approx(standard_output / 2)


@pytest.mark.parametrize("model", [None, "", "gpt-4o", "claude-opus-9-9", "claude-sonnet-4-5-extra", "claude"])
def test_unknown_model_is_none_never_zero(model: str | None) -> None:
    assert cost_usd(model, 1000, 1000) is None
    assert realtime_cost_usd(model, 1000, 1000) is None
    assert format_usd(cost_usd(model, 1, 1)) == "unknown price"


def test_a_newer_minor_version_is_not_priced_as_its_older_sibling() -> None:
    assert normalize_model("claude-opus-4-9-20270101") == "claude-opus-4-9"
    assert cost_usd("claude-opus-4-9-20270101", 10, 10) is None


def _spec_model_ids() -> list[str]:
    """The model enum of the spec copy (tests/data/openapi_schemas.json holds its components.schemas)."""
    schemas = json.loads((Path(__file__).parents[1] / "data" / "openapi_schemas.json").read_text(encoding="utf-8"))
    return [option["const"] for option in schemas["components"]["schemas"]["Model"]["anyOf"] if "const" in option]


def test_spec_model_ids_resolve_and_new_entries_carry_official_prices() -> None:
    table = price_table()
    ids = _spec_model_ids()
    assert {"claude-opus-4-6", "claude-opus-4-7", "claude-sonnet-4-6", "claude-opus-4-5-20251101"} <= set(ids)
    priced = [model for model in ids if normalize_model(model) in table.aliases]   # a family id or one of its aliases
    assert "claude-mythos-preview" not in priced            # no official price found: "unknown price", never 0
    assert table.lookup("claude-mythos-preview") is None
    for model in priced:
        price = table.lookup(model)
        assert price is not None and price.family == table.aliases[normalize_model(model)], model
        assert table.lookup(f"{normalize_model(model)}-20991231") is price      # any dated snapshot id
        assert table.lookup(f"{normalize_model(model)}-latest") is price
    assert set(ids) - set(priced) == {"claude-mythos-preview"}
    # platform.claude.com pricing page / model overview pages, USD per MTok: input, output, 5m cache write, cache read
    assert table.lookup("claude-sonnet-4-6").rates == Rates(3.0, 15.0, 3.75, 0.30)
    assert table.lookup("claude-opus-5-5").rates == Rates(4.0, 20.0, 5.0, 0.20)
    assert table.lookup("claude-fable-5-1").rates == Rates(10.0, 50.0, 12.5, 0.25)
    assert table.checked_on == "2026-11-24"


def test_long_context_rates_apply_above_200k_prompt_tokens() -> None:
    table = price_table()
    # 150k input + 60k cache read = 210k prompt tokens: all of it at long-context rates
    got = table.cost("claude-sonnet-4-5", 150_000, 1_000, 0, 60_000, batch=False)
    assert got == pytest.approx((150_000 * 6 + 1_000 * 22.5 + 60_000 * 0.6) / 1e6)
    assert table.cost("claude-sonnet-4-5", 200_000, 0, batch=False) == pytest.approx(0.6)


def test_missing_and_bad_token_counts_count_as_zero() -> None:
    assert cost_usd("claude-haiku-4-5", None, 2_000_000, None, None) == pytest.approx(5.0)
    assert cost_usd("claude-haiku-4-5", 0, 0) == 0.0


def test_realtime_from_batch_doubles() -> None:
    table = price_table()
    assert table.realtime_from_batch(1.25) == pytest.approx(2.5)
    assert table.realtime_from_batch(None) is None


def test_format_usd() -> None:
    assert format_usd(12.3) == "$12.30"
    assert format_usd(1234.5) == "$1,234.50"
    assert format_usd(0.0042) == "$0.0042"
    assert format_usd(0.0) == "$0.00"


def test_shipped_table_has_a_checked_on_date() -> None:
    table = price_table()
    assert len(table.checked_on) == 10 and table.checked_on[4] == "-"
    assert table.problem is None
    assert table.sources == ("tui/data/prices.json",)


def test_user_file_overrides_and_adds(tmp_path, monkeypatch) -> None:
    user = tmp_path / "prices.json"
    user.write_text(json.dumps({
        "checked_on": "2030-01-02",
        "models": {
            "claude-opus-4-5": {"input": 4.0},
            "claude-future-1": {"name": "Future", "aliases": ["claude-future"],
                                "input": 1, "output": 2, "cache_write": 1.25, "cache_read": 0.1},
        },
    }))
    monkeypatch.setenv(pricing.PRICES_ENV, str(user))
    table = price_table()
    assert table.checked_on == "2030-01-02"
    assert table.problem is None
    assert cost_usd("claude-opus-4-5", 100_000, 1_000_000) == pytest.approx((0.4 + 25) / 2)
    assert cost_usd("claude-future-20300101", 0, 1_000_000) == pytest.approx(1.0)


def test_user_file_in_config_dir_is_found(monkeypatch, tmp_path) -> None:
    path = pricing.user_prices_path()
    assert path.name == "prices.json" and "claude-batch-tui" in str(path)
    path.parent.mkdir(parents=True)
    path.write_text('{"models": {"claude-haiku-4-5": {"output": 6}}}')
    assert cost_usd("claude-haiku-4-5", 0, 1_000_000) == pytest.approx(3.0)


def test_broken_user_file_names_file_line_and_field(tmp_path, monkeypatch) -> None:
    user = tmp_path / "prices.json"
    user.write_text('{\n  "models": {\n    "claude-x": {"input": "cheap", "output": 1,\n'
                    '                 "cache_write": 1, "cache_read": 1}\n  }\n}\n')
    with pytest.raises(PriceFileError) as err:
        load_price_table(user)
    assert f"{user}:3:" in str(err.value) and '"input"' in str(err.value) and "claude-x" in str(err.value)

    monkeypatch.setenv(pricing.PRICES_ENV, str(user))
    table = price_table()   # never raises: built-in prices, with the problem kept for the UI
    assert table.problem and "built-in prices" in table.problem
    assert cost_usd("claude-haiku-4-5", 0, 1_000_000) == pytest.approx(2.5)


def test_invalid_json_user_file(tmp_path) -> None:
    user = tmp_path / "p.json"
    user.write_text('{\n  "models": {,}\n}')
    with pytest.raises(PriceFileError, match=r"p\.json:2: not valid JSON"):
        load_price_table(user)
