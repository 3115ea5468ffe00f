"""The README's five-minute tour runs as pasted: ``scripts/tour.sh`` is the README's block,
and it runs against a served demo (``seed-demo``) without a placeholder to fill in."""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from app.catalog.seed import seed_demo
from tests.browser_support import serve

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "scripts" / "tour.sh"


def _script_body() -> str:
    lines = SCRIPT.read_text().splitlines()
    while lines[0].startswith("#"):
        lines.pop(0)
    return "\n".join(lines) + "\n"


def test_the_readme_tour_block_is_the_script_word_for_word():
    readme = (ROOT / "README.md").read_text()
    section = readme[readme.index("## Try it in five minutes"):]
    block = section[section.index("```sh\n") + len("```sh\n"):section.index("```\n", section.index("```sh\n") + 6)]
    assert block == _script_body()
    assert "<" not in block.replace("<<", "")  # no <id> or <code> to fill in by hand


def test_the_tour_runs_against_the_demo(app, db, tmp_path):
    if not (shutil.which("curl") and shutil.which("python3")):
        pytest.skip("the tour needs curl and python3")
    seed_demo()
    db.session.commit()
    with serve(app) as base:
        done = subprocess.run(["bash", "-eo", "pipefail", str(SCRIPT)], cwd=tmp_path, capture_output=True,
                              text=True, timeout=120, env={**os.environ, "BASE": base})
    out = done.stdout
    assert done.returncode == 0, out + done.stderr
    assert "payment: succeeded" in out and "QR code saved to qr.png" in out
    assert (tmp_path / "qr.png").read_bytes()[:4] == b"\x89PNG"
    assert "staff: +254722000222 is now a driver" in out
    assert "seat " in out and "Wanjiku Kamau +2547****0111 paid 80000 boarded False" in out
    assert "seat,passenger_name,phone" in out  # the CSV header
    assert "demo shuttle" in out  # the demo driver's trip boarding now
