"""`--state FILE`: keep the emulator's batches across restarts (saved on a clean stop, loaded on start).

The file is JSON: the emulated clock, the id counters and every batch with its request summaries, faults
and cancel time. It is written to a temporary file and renamed, so a crash mid-save leaves the old one.
"""

from __future__ import annotations

import base64
import json
import os
from pathlib import Path
from typing import TYPE_CHECKING

from tui.emulator.batch import Batch
from tui.emulator.responses import Summary

if TYPE_CHECKING:
    from tui.emulator.emulator import Emulator

VERSION = 1


class StateFileError(Exception):
    """The state file cannot be used; the message names the file and the problem."""


def _summary_to_json(s: Summary) -> list:
    return [s.custom_id, s.error, s.model, s.max_tokens, s.input_tokens, s.cache_tokens,
            s.cache_key.hex() if s.cache_key is not None else None, s.snippet, s.digest, s.features]


def _summary_from_json(row: list) -> Summary:
    row = list(row)
    row[6] = bytes.fromhex(row[6]) if row[6] is not None else None
    return Summary(*row)


def save(emu: Emulator, path: Path) -> None:
    state = {
        "version": VERSION,
        "now": emu.now(),
        "next_seq": emu._next_seq,
        "request_counter": emu._request_counter,
        "seqs": emu._seqs,
        "batches": [{
            "id": b.id, "seed": b.seed, "seq": b.seq, "created_at": b.created_at, "step": b.step,
            "cancel_at": b.cancel_at, "faults": base64.b64encode(bytes(b.faults)).decode(),
            "summaries": [_summary_to_json(s) for s in b.summaries],
        } for b in emu._batches.values()],
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", encoding="utf-8") as out:
        json.dump(state, out, separators=(",", ":"))
        out.flush()
        os.fsync(out.fileno())
    os.replace(tmp, path)


def load(emu: Emulator, path: Path) -> None:
    """Restore what `save` wrote; the emulated clock continues from where it stopped."""
    try:
        state = json.loads(path.read_text(encoding="utf-8"))
        if state.get("version") != VERSION:
            raise StateFileError(f"{path}: unknown state file version {state.get('version')!r}")
        batches = {}
        for raw in state["batches"]:
            batch = Batch(batch_id=raw["id"], seed=raw["seed"], seq=raw["seq"], created_at=raw["created_at"],
                          step=raw["step"], summaries=[_summary_from_json(r) for r in raw["summaries"]],
                          faults=base64.b64decode(raw["faults"]))
            batch.cancel_at = raw["cancel_at"]
            batches[batch.id] = batch
        seqs = {str(k): int(v) for k, v in state["seqs"].items()}
        next_seq, counter, saved_now = int(state["next_seq"]), int(state["request_counter"]), float(state["now"])
    except StateFileError:
        raise
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise StateFileError(f"{path}: not a usable emulator state file ({type(exc).__name__}: {exc})") from None
    emu._batches, emu._seqs, emu._next_seq, emu._request_counter = batches, seqs, next_seq, counter
    gap = saved_now - emu.now()
    if gap > 0:
        emu.advance(gap)
