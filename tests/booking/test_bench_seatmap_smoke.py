"""The leg-availability benchmark runs (tiny data; it fails only on errors, never on time).

The full run (2,000 busy trips, a full 6-stop trip) is by hand: ``bench/README.md``. This
keeps the script from rotting: it must still build its data through the real
``create_order`` and its checks (every leg of the full trip shows no free seat and agrees
with plain SQL; a released leg frees its seat on that leg only) must pass.
"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import fresh_database

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.postgres_only
def test_the_seat_map_benchmark_runs_on_tiny_data(tmp_path):
    with fresh_database(tmp_path, prefix="safiri_bench_seats_smoke") as url:
        done = subprocess.run([sys.executable, "bench/bench_seatmap.py", "--smoke", "--url", url], cwd=ROOT,
                              capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, f"{done.stdout}\n{done.stderr}"
    assert "ok   every leg of the full trip" in done.stdout
    assert "FAIL" not in done.stdout and "Index Cond" in done.stdout
