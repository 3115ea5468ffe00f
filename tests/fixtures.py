"""Loader for the shared wire fixtures (real operator payloads, see shared/fixtures/README.md).

Tests load these files instead of inventing payloads, so that what we parse is what the
operators actually send. The directory sits beside the repository (``../shared/fixtures``);
``SHARED_FIXTURES_DIR`` points elsewhere, e.g. in CI where the layout differs.
"""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

__all__ = ["fixtures_dir", "fixture_path", "load_fixture", "load_form"]

_DEFAULT_DIR = Path(__file__).resolve().parents[2] / "shared" / "fixtures"


def fixtures_dir() -> Path:
    """The shared fixtures directory (``SHARED_FIXTURES_DIR`` overrides the default)."""
    override = os.environ.get("SHARED_FIXTURES_DIR")
    return Path(override) if override else _DEFAULT_DIR


def fixture_path(name: str) -> Path:
    """Absolute path of a fixture such as ``"mpesa/stk_callback_success.json"``."""
    path = fixtures_dir() / name
    if not path.is_file():
        raise FileNotFoundError(f"no shared fixture {name!r} in {fixtures_dir()}")
    return path


def load_fixture(name: str) -> Any:
    """A ``.json`` fixture parsed (usually a dict); any other fixture as its exact text.

    ``.form`` files come back as the raw urlencoded string, ready to POST unchanged.
    """
    text = fixture_path(name).read_text(encoding="utf-8")
    if name.endswith(".json"):
        return json.loads(text)
    return text


def load_form(name: str) -> dict[str, str]:
    """A urlencoded ``.form`` fixture as a dict; blank values (USSD ``text=``) are kept."""
    text = fixture_path(name).read_text(encoding="utf-8").strip()
    return dict(parse_qsl(text, keep_blank_values=True, strict_parsing=True))
