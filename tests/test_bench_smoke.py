"""The fast-path benchmarks still run: each one's ``--smoke`` mode, on tiny data.

The full runs are by hand (``bench/README.md``); the suite only keeps the scripts from
rotting (issue 17: the USSD bench typed destinations its menu no longer offered, and reported
the errors as part of its figures). A smoke run uses the script's own seeding, factory and
checks on a throwaway SQLite file and fails on any error or unexpected answer, never on a
time: the exit status and the script's own verdict line are what is asserted.
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import fresh_database

ROOT = Path(__file__).resolve().parents[1]

SMOKES = {
    "bench/bench_purchase.py": "smoke: ok",
    "bench/bench_ussd.py": "0 unexpected answers",
    "bench/bench_search.py": "0 unexpected answers",
    "bench/bench_scan.py": "smoke: ok",
    "bench/bench_verify.py": "ratio",
}


@pytest.mark.parametrize("script", sorted(SMOKES))
def test_the_benchmark_runs_its_smoke_mode_without_an_error(script):
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    done = subprocess.run([sys.executable, script, "--smoke"], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, f"{script} --smoke failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    assert SMOKES[script] in done.stdout, done.stdout[-3000:]


@pytest.mark.postgres_only
def test_the_search_benchmark_fills_and_searches_a_postgresql_database(tmp_path):
    """The network generator meets PostgreSQL's constraints (a coach on two overlapping
    trips is refused there and not on SQLite: the generator rotted once that way)."""
    with fresh_database(tmp_path, prefix="safiri_bench_search_smoke") as url:
        done = subprocess.run([sys.executable, "bench/bench_search.py", "--smoke", "--url", url], cwd=ROOT,
                              capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, f"{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    assert "0 unexpected answers" in done.stdout
