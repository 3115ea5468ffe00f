"""The report benchmark's generator and runner work (tiny data; they fail only on errors).

The full run (a million tickets) is by hand: ``bench/README.md``. This keeps the scripts from
rotting: the set-based generator must still match the tables, and the benchmark's checks
(the report equals plain SQL over the same rows, breakdowns add up, a closed day equals the
open one) must pass.
"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import fresh_database

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.postgres_only
def test_the_report_benchmark_runs_on_tiny_data(tmp_path):
    with fresh_database(tmp_path, prefix="safiri_bench_smoke") as url:
        for script in ("bench/gen_ledger.py", "bench/bench_report.py"):
            done = subprocess.run([sys.executable, script, "--smoke", "--url", url], cwd=ROOT,
                                  capture_output=True, text=True, timeout=300)
            assert done.returncode == 0, f"{script}:\n{done.stdout}\n{done.stderr}"
        assert "ok   report totals == plain SQL totals" in done.stdout
        assert "FAIL" not in done.stdout
