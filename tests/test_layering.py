"""Dependencies point down, checked by import-linter's contracts (``.importlinter``).

``make test`` runs ``lint-imports`` and ``ruff`` before pytest; these tests run the same
checks so that a bare ``pytest`` catches a wrong-way or function-level import too, make
sure no contract excuses an import with ``ignore_imports`` (the issue asks for contracts
with no exceptions listed), and that no two modules import each other, even through others.
"""
import configparser
import subprocess
import sys
import tomllib
from pathlib import Path

import grimp

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


def test_ruff_passes_so_every_import_is_at_the_top_of_its_module():
    """ruff.toml selects PLC0415: only create_app's registration imports are exempt."""
    ruff = Path(sys.executable).with_name("ruff")
    result = subprocess.run([str(ruff), "check", "--no-cache", "."], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    lint = tomllib.loads((ROOT / "ruff.toml").read_text())["lint"]
    assert "PLC0415" in lint["select"]
    assert [path for path, rules in lint["per-file-ignores"].items() if "PLC0415" in rules] == ["app/__init__.py"]


def test_no_module_imports_itself_through_others():
    """No circle between modules of app, channels and tickets: a circle held together by a
    function-level import is a dependency that points both ways (move code down instead)."""
    sys.path.insert(0, str(ROOT))
    graph = grimp.build_graph("app", "channels", "tickets", cache_dir=None, exclude_type_checking_imports=True)
    circles = set()
    for importer in sorted(graph.modules):
        for imported in sorted(graph.find_modules_directly_imported_by(importer)):
            if imported == importer:  # a module importing itself
                circles.add(f"{importer} -> {importer}")
                continue
            back = graph.find_shortest_chain(importer=imported, imported=importer)
            if back:
                circles.add(" -> ".join((importer, *back)))
    assert sorted(circles) == []
