"""What tokens cost: a price table per model family, shipped in `tui/data/prices.json`, overridable by the user.

Prices are USD per million tokens at standard (real-time) rates: input, output, cache write (the 5-minute
write price) and cache read. The Batches API charges `batch_discount` (0.5) of each. A model whose price
is unknown costs `None` — shown as "unknown price", never as 0.

The user file (`$CLAUDE_BATCH_TUI_PRICES`, else `prices.json` in the user config folder) has the same shape;
its `models` entries add families or replace fields of shipped ones, and its `checked_on` wins. A broken user
file never stops the app: the shipped table is used and `PriceTable.problem` says what is wrong and where.
"""

from __future__ import annotations

import functools
import json
import os
import re
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Mapping

from tui.core.config import user_config_dir

PRICES_ENV = "CLAUDE_BATCH_TUI_PRICES"
RATE_FIELDS = ("input", "output", "cache_write", "cache_read")
UNKNOWN_PRICE = "unknown price"


class PriceFileError(ValueError):
    """A prices.json that cannot be used; the message names the file, line and field."""


@dataclass(frozen=True, slots=True)
class Rates:
    """USD per million tokens, standard prices."""

    input: float
    output: float
    cache_write: float
    cache_read: float


@dataclass(frozen=True, slots=True)
class ModelPrice:
    family: str
    name: str
    rates: Rates
    long_context: Rates | None = None      # rates for the whole request once its prompt exceeds...
    long_context_above: int | None = None  # ...this many input tokens (input + cache write + cache read)

    def rates_for(self, prompt_tokens: int) -> Rates:
        if self.long_context and self.long_context_above is not None and prompt_tokens > self.long_context_above:
            return self.long_context
        return self.rates


@dataclass(frozen=True)
class PriceTable:
    checked_on: str
    batch_discount: float
    models: Mapping[str, ModelPrice]
    aliases: Mapping[str, str] = field(default_factory=dict)   # normalized id -> family
    sources: tuple[str, ...] = ()                              # files the table was read from
    problem: str | None = None                                 # why the user file was not used

    def lookup(self, model: str | None) -> ModelPrice | None:
        if not model:
            return None
        family = self.aliases.get(normalize_model(model))
        return self.models.get(family) if family else None

    def cost(self, model: str | None, input_tokens: Any, output_tokens: Any,
             cache_creation_input_tokens: Any = 0, cache_read_input_tokens: Any = 0,
             *, batch: bool = True) -> float | None:
        price = self.lookup(model)
        if price is None:
            return None
        inp, out = _count(input_tokens), _count(output_tokens)
        cw, cr = _count(cache_creation_input_tokens), _count(cache_read_input_tokens)
        r = price.rates_for(inp + cw + cr)
        standard = (inp * r.input + out * r.output + cw * r.cache_write + cr * r.cache_read) / 1_000_000
        return standard * self.batch_discount if batch else standard

    def realtime_from_batch(self, batch_cost: float | None) -> float | None:
        """The standard-price equivalent of a batch-price sum (the discount is the same for all four rates)."""
        if batch_cost is None or not self.batch_discount:
            return None
        return batch_cost / self.batch_discount


_DATE_SUFFIX = re.compile(r"(-|@)\d{8}$")
_VERSION_SUFFIX = re.compile(r"-v\d+(:\d+)?$")


def normalize_model(model: str) -> str:
    """`claude-sonnet-4-5-20250929` -> `claude-sonnet-4-5`; also drops `-latest`, Bedrock/Vertex decorations."""
    m = model.strip().lower()
    if "claude" in m:
        m = m[m.index("claude"):]
    m = _VERSION_SUFFIX.sub("", m)
    m = _DATE_SUFFIX.sub("", m)
    m = _VERSION_SUFFIX.sub("", m)
    if m.endswith("-latest"):
        m = m[: -len("-latest")]
    return m


def is_claude_model(model: str, table: PriceTable | None = None) -> bool:
    """Whether `model` names a Claude model: one the price table knows (by family or alias, dated, Bedrock or
    Vertex spelling), or any name starting `claude-` (a new model is served before the table knows its price)."""
    return model.startswith("claude-") or normalize_model(model) in (table or price_table()).aliases


def _count(value: Any) -> int:
    try:
        n = int(value or 0)
    except (TypeError, ValueError):
        return 0
    return max(n, 0)


# ---------------------------------------------------------------- loading


def user_prices_path() -> Path:
    env = os.environ.get(PRICES_ENV)
    if env:
        return Path(env).expanduser()
    return user_config_dir() / "prices.json"


def _shipped_text() -> str:
    return resources.files("tui.data").joinpath("prices.json").read_text(encoding="utf-8")


def _line_of(text: str, needle: str) -> int:
    for number, line in enumerate(text.splitlines(), 1):
        if needle in line:
            return number
    return 1


def _parse(text: str, where: str) -> dict[str, Any]:
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise PriceFileError(f"{where}:{exc.lineno}: not valid JSON: {exc.msg}") from None
    if not isinstance(doc, dict):
        raise PriceFileError(f"{where}:1: expected a JSON object with \"models\"")
    models = doc.get("models", {})
    if not isinstance(models, dict):
        line = _line_of(text, '"models"')
        raise PriceFileError(f"{where}:{line}: field \"models\" must be an object")
    return doc


def _rates(entry: Mapping[str, Any], text: str, where: str, family: str, prefix: str = "") -> Rates:
    values = []
    for name in RATE_FIELDS:
        value = entry.get(name)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
            line = _line_of(text, f'"{family}"')
            raise PriceFileError(
                f"{where}:{line}: model \"{family}\": field \"{prefix}{name}\" must be a number >= 0 "
                f"(USD per million tokens), got {value!r}")
        values.append(float(value))
    return Rates(*values)


def _build(entries: Mapping[str, tuple[Mapping[str, Any], str, str]], checked_on: str,
           discount: float, sources: tuple[str, ...], problem: str | None) -> PriceTable:
    models: dict[str, ModelPrice] = {}
    aliases: dict[str, str] = {}
    for family, (entry, text, where) in entries.items():
        if not isinstance(entry, Mapping):
            raise PriceFileError(f"{where}:{_line_of(text, family)}: model \"{family}\" must be an object")
        long_entry = entry.get("long_context")
        long_rates = long_above = None
        if long_entry is not None:
            if not isinstance(long_entry, Mapping) or not isinstance(long_entry.get("above_input_tokens"), int):
                raise PriceFileError(f"{where}:{_line_of(text, family)}: model \"{family}\": field "
                                     "\"long_context\" needs \"above_input_tokens\" (an integer) and four rates")
            long_rates = _rates(long_entry, text, where, family, "long_context.")
            long_above = long_entry["above_input_tokens"]
        given = entry.get("name")
        name = given if isinstance(given, str) else family
        models[family] = ModelPrice(family, name, _rates(entry, text, where, family), long_rates, long_above)
        names = entry.get("aliases", [])
        if not isinstance(names, list) or not all(isinstance(a, str) for a in names):
            raise PriceFileError(f"{where}:{_line_of(text, family)}: model \"{family}\": field \"aliases\" "
                                 "must be a list of strings")
        for alias in (family, *names):
            aliases[normalize_model(alias)] = family
    return PriceTable(checked_on, discount, models, aliases, sources, problem)


def load_price_table(user_path: Path | None) -> PriceTable:
    """The shipped table merged with the file at `user_path` (if it exists). Raises PriceFileError."""
    shipped_text = _shipped_text()
    shipped = _parse(shipped_text, "tui/data/prices.json")
    entries = {fam: (e, shipped_text, "tui/data/prices.json") for fam, e in shipped["models"].items()}
    checked_on = str(shipped.get("checked_on", "unknown"))
    discount = float(shipped.get("batch_discount", 0.5))
    sources: tuple[str, ...] = ("tui/data/prices.json",)
    if user_path is not None and user_path.is_file():
        where = str(user_path)
        try:
            text = user_path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise PriceFileError(f"{where}: cannot read: {exc}") from None
        doc = _parse(text, where)
        for family, entry in doc.get("models", {}).items():
            base = entries.get(family, ({}, text, where))[0]
            merged = {**base, **entry} if isinstance(entry, Mapping) else entry
            entries[family] = (merged, text, where)
        if "checked_on" in doc:
            checked_on = str(doc["checked_on"])
        if "batch_discount" in doc:
            value = doc["batch_discount"]
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value <= 1:
                raise PriceFileError(f"{where}:{_line_of(text, 'batch_discount')}: field \"batch_discount\" "
                                     f"must be a number in (0, 1], got {value!r}")
            discount = float(value)
        sources += (where,)
    return _build(entries, checked_on, discount, sources, None)


def price_table() -> PriceTable:
    """The table in force (read again when the user file changes). Never raises for a bad user file."""
    path = user_prices_path()
    try:
        mtime: int | None = path.stat().st_mtime_ns
    except OSError:
        mtime = None
    return _table_for(str(path), mtime)


@functools.lru_cache(maxsize=1)
def _table_for(path: str, mtime: int | None) -> PriceTable:
    try:
        return load_price_table(Path(path) if mtime is not None else None)
    except PriceFileError as exc:
        fallback = load_price_table(None)
        return PriceTable(fallback.checked_on, fallback.batch_discount, fallback.models, fallback.aliases,
                          fallback.sources, f"{exc} (using the built-in prices)")


# ---------------------------------------------------------------- the public arithmetic


def cost_usd(model: str | None, input_tokens: Any, output_tokens: Any, cache_creation_input_tokens: Any = 0,
             cache_read_input_tokens: Any = 0, *, batch: bool = True, table: PriceTable | None = None) -> float | None:
    """What this usage costs (at batch prices by default); None when the model's price is unknown."""
    return (table or price_table()).cost(model, input_tokens, output_tokens, cache_creation_input_tokens,
                                         cache_read_input_tokens, batch=batch)


def realtime_cost_usd(model: str | None, input_tokens: Any, output_tokens: Any, cache_creation_input_tokens: Any = 0,
                      cache_read_input_tokens: Any = 0, *, table: PriceTable | None = None) -> float | None:
    """What the same usage costs at standard (real-time) prices: the saving is this minus `cost_usd`."""
    return cost_usd(model, input_tokens, output_tokens, cache_creation_input_tokens, cache_read_input_tokens,
                    batch=False, table=table)


def format_usd(value: float | None, *, places: int | None = None) -> str:
    """`$12.34`, `$0.0042` under a cent, `unknown price` for None; `places` fixes the decimals (a request's
    cost: `$0.0123`)."""
    if value is None:
        return UNKNOWN_PRICE
    if places is not None:
        return f"${value:,.{places}f}"
    if 0 < abs(value) < 0.01:
        return f"${value:.4f}"
    return f"${value:,.2f}"


def price_note() -> str:
    """One line on the prices in force (when they were checked, the discount, how to override), plus what is
    wrong with the user's price file if anything is."""
    table = price_table()
    note = (f"Prices checked {table.checked_on}; batch = {table.batch_discount:.0%} of standard. "
            f"Override: prices.json (${PRICES_ENV}).")
    if table.problem:
        note += f"\n{table.problem}"
    return note
