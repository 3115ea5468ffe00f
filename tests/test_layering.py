"""Dependencies point down, checked by import-linter's contracts (``.importlinter``).

``make test`` runs ``lint-imports`` before pytest; this test runs the same check so that a
bare ``pytest`` catches a wrong-way import too, and it makes sure no contract excuses an
import with ``ignore_imports`` (the issue asks for contracts with no exceptions listed).
"""
import configparser
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _contracts() -> dict[str, configparser.SectionProxy]:
    config = configparser.ConfigParser()
    config.read(ROOT / ".importlinter")
    return {name: config[name] for name in config.sections() if name.startswith("importlinter:contract:")}


def test_the_import_contracts_hold():
    lint = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run([str(lint), "--no-cache"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "0 broken" in result.stdout


def test_no_contract_lists_exceptions_and_the_layers_are_the_documented_ones():
    contracts = _contracts()
    assert contracts, "no contracts in .importlinter"
    assert not [name for name, section in contracts.items() if "ignore_imports" in section]
    layers = [line.strip() for line in contracts["importlinter:contract:layers"]["layers"].splitlines() if line.strip()]
    assert layers[0] == "channels" and "app.sales" in layers and layers[-1] == "tickets"
    # booking and payments are independent siblings below the use cases that orchestrate them
    assert layers.index("app.sales") < layers.index("app.booking | app.payments") < layers.index("app.ledger")
    assert layers.index("app.ledger") < layers.index("app.core")


def test_every_package_is_a_regular_package_so_the_contracts_see_it():
    """A folder of modules without ``__init__.py`` is a namespace package: grimp (and so
    import-linter and ``make deps``) skips it silently, as it did ``channels/sms``."""
    skipped = []
    for root in ("app", "channels", "tickets"):
        for folder in [ROOT / root, *(p for p in (ROOT / root).rglob("*") if p.is_dir())]:
            if "__pycache__" in folder.parts or "node_modules" in folder.parts:
                continue
            if any(folder.glob("*.py")) and not (folder / "__init__.py").exists():
                skipped.append(str(folder.relative_to(ROOT)))
    assert skipped == []
