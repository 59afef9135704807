"""What a submit plan will cost, as a range, before anything is sent.

Input tokens are approximated from text length (about 4 characters a token): the low end counts only the
text of system + messages, the high end the whole params JSON (tools, schemas and structure included).
Output lies between a small floor per request and `max_tokens` (the most a request can be billed for,
thinking included). Prices are batch prices; prompt caching is not assumed. Images and documents are
counted by their encoded size in the high end only, which overstates them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

from tui.core.money.pricing import PriceTable, format_usd, price_table
from tui.core.safe_text import safe_text

CHARS_PER_TOKEN = 4.0
LOW_FACTOR = 0.8          # text may tokenize a little better than 4 chars a token...
HIGH_FACTOR = 1.25        # ...or worse (code, non-English text)
OUTPUT_FLOOR = 16         # output tokens per request at the low end (never above its max_tokens)


@dataclass(frozen=True, slots=True)
class Estimate:
    low_usd: float | None            # None when no model in the plan has a known price
    high_usd: float | None
    requests: int
    batches: int
    unknown_models: list[str] = field(default_factory=list)   # models without a price (their requests excluded)
    unknown_requests: int = 0
    input_tokens: tuple[int, int] = (0, 0)                    # (low, high)
    output_tokens: tuple[int, int] = (0, 0)
    batch_discount: float = 0.5

    @property
    def saving(self) -> tuple[float, float] | None:
        """What batching saves against standard prices, at the low and the high end."""
        if self.low_usd is None or self.high_usd is None or not self.batch_discount:
            return None
        factor = 1 / self.batch_discount - 1
        return self.low_usd * factor, self.high_usd * factor


def _tokens(chars: float, factor: float) -> int:
    return int(round(chars / CHARS_PER_TOKEN * factor))


def _range_for(table: PriceTable, model: str, tally: Any) -> tuple[tuple[float, float] | None, tuple, tuple]:
    n = max(int(tally.requests), 1)
    in_low = _tokens(tally.input_chars, LOW_FACTOR)
    in_high = max(_tokens(tally.params_bytes, HIGH_FACTOR), in_low)
    out_high = int(tally.max_tokens)
    out_low = min(OUTPUT_FLOOR * n, out_high)
    price = table.lookup(model)
    if price is None:
        return None, (in_low, in_high), (out_low, out_high)

    def usd(inp: int, out: int) -> float:
        r = price.rates_for(inp // n)   # a long-context threshold applies per request: judge the mean one
        return (inp * r.input + out * r.output) / 1_000_000 * table.batch_discount

    return (usd(in_low, out_low), usd(in_high, out_high)), (in_low, in_high), (out_low, out_high)


def estimate_tallies(models: Mapping[str, Any], *, requests: int, batches: int,
                     table: PriceTable | None = None) -> Estimate:
    """The estimate from per-model tallies (objects with requests, input_chars, params_bytes, max_tokens)."""
    table = table or price_table()
    low = high = 0.0
    priced = False
    unknown: list[str] = []
    unknown_requests = 0
    in_lo = in_hi = out_lo = out_hi = 0
    for model, tally in sorted(models.items()):
        cost, (a, b), (c, d) = _range_for(table, model, tally)
        in_lo, in_hi, out_lo, out_hi = in_lo + a, in_hi + b, out_lo + c, out_hi + d
        if cost is None:
            unknown.append(model)
            unknown_requests += int(tally.requests)
            continue
        priced = True
        low, high = low + cost[0], high + cost[1]
    return Estimate(low if priced else None, high if priced else None, requests, batches, unknown,
                    unknown_requests, (in_lo, in_hi), (out_lo, out_hi), table.batch_discount)


def estimate_plan(plan: Any, *, table: PriceTable | None = None) -> Estimate:
    """The estimate of a `tui.core.submit.check.Plan` (its per-model tallies, request and chunk counts)."""
    return estimate_tallies(plan.models, requests=plan.request_count, batches=len(plan.chunks), table=table)


def format_estimate(est: Estimate) -> str:
    """One line for `submit --dry-run` and the submit confirmation."""
    if est.low_usd is None or est.high_usd is None:
        text = "Estimated cost: unknown price"
    else:
        text = f"Estimated cost: {format_usd(est.low_usd)} – {format_usd(est.high_usd)} at batch prices"
        saving = est.saving
        if saving is not None:
            text += f" (saves {format_usd(saving[0])} – {format_usd(saving[1])} against standard prices)"
    if est.unknown_models:
        names = ", ".join(safe_text(m, limit=60, single_line=True) for m in est.unknown_models[:3]) + (", …" if len(est.unknown_models) > 3 else "")
        text += f"; {est.unknown_requests:,} request{'s' if est.unknown_requests != 1 else ''} " \
                f"for {names}: unknown price"
    return text
