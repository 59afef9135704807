"""The soak at its CI size (`bench/soak.py --short`): ~10 batches through 20% HTTP faults, cut results streams
and SIGKILLs of `watch` (5) and `submit`, then the journal checked against the emulator's ground truth; and once
with the emulator's results streams holding foreign, missing and duplicate lines, which must be counted exactly."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

SOAK = Path(__file__).resolve().parents[2] / "bench" / "soak.py"
# The soak ends as soon as everything is checked (~45 s alone); on a loaded 2-core CI machine running the suite
# in two processes its watches start slowly, so it gets more than --short's 90 s before it calls a watch stuck.
ROOM = ["--max-seconds", "180"]


def test_short_soak_loses_nothing_and_duplicates_nothing(tmp_path):
    done = subprocess.run([sys.executable, str(SOAK), "--short", *ROOM, "--keep", str(tmp_path / "soak")],
                          capture_output=True, text=True, timeout=280)
    report = done.stdout + done.stderr
    assert done.returncode == 0, report
    assert "OK: nothing lost, nothing duplicated" in report
    assert int(re.search(r"kills: (\d+) watch", report).group(1)) >= 5
    assert "files holding the API key: 0" in report
    assert "results check: 0 foreign (unknown ids), 0 missing, 0 duplicate result lines found" in report


def test_short_soak_counts_the_foreign_missing_and_duplicate_lines_it_was_told_to_inject(tmp_path):
    done = subprocess.run([sys.executable, str(SOAK), "--short", *ROOM, "--keep", str(tmp_path / "soak"),
                           "--foreign-results", "0.03", "--missing-results", "0.03", "--duplicate-results", "0.03"],
                          capture_output=True, text=True, timeout=280)
    report = done.stdout + done.stderr
    assert done.returncode == 0, report
    assert "OK: nothing lost, nothing duplicated" in report
    found = re.search(r"results check: (\d+) foreign \(unknown ids\), (\d+) missing, (\d+) duplicate result lines "
                      r"found; the emulator injected (\d+) foreign, (\d+) missing, (\d+) duplicate", report)
    assert found, report
    counts = [int(n) for n in found.groups()]
    assert counts[:3] == counts[3:] and all(counts), report
