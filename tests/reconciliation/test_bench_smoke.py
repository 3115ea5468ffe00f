"""The reconciliation benchmark still runs (tiny data, SQLite): it fails only on errors."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_bench_reconcile_smoke():
    done = subprocess.run([sys.executable, str(ROOT / "bench/bench_reconcile.py"), "--smoke"], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "plain SQL join" in done.stdout and "match (receipts + missing)" in done.stdout
