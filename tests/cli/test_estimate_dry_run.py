"""`submit --dry-run FILE` prints request and batch counts and a cost range, and sends nothing."""

from __future__ import annotations

import re

from tests.builders import write_requests
from tui.cli import main


def test_dry_run_prints_a_cost_range(tmp_path, capsys, journal_path) -> None:
    path = write_requests(tmp_path / "in.jsonl", 5, text="x" * 4000, model="claude-sonnet-4-5-20250929",
                          max_tokens=1000)
    code = main(["submit", str(path), "--dry-run", "--max-per-batch", "2", "--journal", str(journal_path)])
    out = capsys.readouterr().out
    assert code == 0
    assert f"{path}: 5 requests in 3 batches" in out
    match = re.search(r"Estimated cost: \$(\d+\.\d+) – \$(\d+\.\d+) at batch prices", out)
    assert match, out
    low, high = map(float, match.groups())
    # low: 5 * (800 input * $3 + 16 output * $15) / 2 per million; high: max_tokens output alone is 5 * 1000 * $7.50/M
    assert low == round(5 * (800 * 3 + 16 * 15) / 2e6, 4)
    assert high >= round(5 * 1000 * 7.5 / 1e6, 2)
    assert "dry run: nothing was sent" in out and not journal_path.exists()
