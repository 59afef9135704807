"""The soak at its CI size (`bench/soak.py --short`): ~10 batches through 20% HTTP faults, cut results streams
and SIGKILLs of `watch` (5) and `submit`, then the journal checked against the emulator's ground truth."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

SOAK = Path(__file__).resolve().parents[2] / "bench" / "soak.py"


def test_short_soak_loses_nothing_and_duplicates_nothing(tmp_path):
    done = subprocess.run([sys.executable, str(SOAK), "--short", "--keep", str(tmp_path / "soak")],
                          capture_output=True, text=True, timeout=240)
    report = done.stdout + done.stderr
    assert done.returncode == 0, report
    assert "OK: nothing lost, nothing duplicated" in report
    assert int(re.search(r"kills: (\d+) watch", report).group(1)) >= 5
    assert "files holding the API key: 0" in report
