"""The reconciliation benchmark still runs (tiny data) and still agrees with the plain SQL:
it fails on an error or a wrong answer (matches or missing payments other than the plain
join's), never on time. On SQLite always; on PostgreSQL (the ``unnest`` join path) too."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import fresh_database

ROOT = Path(__file__).resolve().parents[2]


def _run(*extra: str) -> str:
    done = subprocess.run([sys.executable, str(ROOT / "bench/bench_reconcile.py"), "--smoke", *extra], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "plain SQL join" in done.stdout and "match (receipts + missing)" in done.stdout
    assert "ok   matches == plain join" in done.stdout and "FAIL" not in done.stdout
    return done.stdout


def test_bench_reconcile_smoke():
    _run()


@pytest.mark.postgres_only
def test_bench_reconcile_smoke_on_postgresql(tmp_path):
    with fresh_database(tmp_path, prefix="safiri_bench_recon_smoke") as url:
        _run("--url", url)
