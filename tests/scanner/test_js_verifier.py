"""The browser's ticket verifier (app/scanner/static/ticket.js) against the test vectors
of docs/ticket-format.md, run in node with both Ed25519 engines it can use: WebCrypto
and the bundled @noble/ed25519 (what a phone without WebCrypto Ed25519 runs).

The same checks the Python verifier passes: each vector verifies with its claims, its
window is half-open, and any single changed character, any prefix and a key set
without its kid are all "invalid".
"""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from datetime import datetime
from pathlib import Path

import pytest

from tests.scanner import v2

ROOT = Path(__file__).resolve().parents[2]
MODULE = ROOT / "app" / "scanner" / "static" / "ticket.js"
SCRIPT = Path(__file__).with_name("verify_vectors.mjs")
ALNUM = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"


def _time(text: str) -> int:
    return int(datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp())


def _vectors() -> list[dict]:
    vectors = v2.doc_vectors()
    assert vectors and all(len(v["payload"]) == 133 for v in vectors), "the document's vectors are not v2"
    return vectors


def _short_codes() -> list[list[str]]:
    return [line.split() for block in re.findall(r"^```short-code-vector\n(.*?)^```", v2.DOC, flags=re.M | re.S)
            for line in block.splitlines()]


def _jwks(vector, kid=None) -> dict:
    return {"keys": [{"kty": "OKP", "crv": "Ed25519", "kid": kid or vector["kid"], "x": vector["public_x"],
                      "use": "sig"}]}


def _run(cases: list[dict], codes: list[str]) -> dict:
    node = shutil.which("node")
    if node is None:
        if os.environ.get("CI"):
            pytest.fail("node is missing in CI: the JavaScript verifier must be tested there")
        pytest.skip("node is not installed")
    done = subprocess.run([node, str(SCRIPT)], input=json.dumps({"module": str(MODULE), "cases": cases,
                                                                  "codes": codes}),
                          capture_output=True, text=True, timeout=120, check=True)
    return json.loads(done.stdout)


def _mutations(payload: str):
    """Every single-character change (one replacement per position) and every prefix."""
    for i, ch in enumerate(payload):
        yield payload[:i] + ALNUM[(ALNUM.index(ch) + 1) % len(ALNUM)] + payload[i + 1:]
    for n in range(len(payload)):
        yield payload[:n]


@pytest.mark.parametrize("engine", ["auto", "noble"])
def test_js_verifier_agrees_with_the_document_vectors(engine):
    vectors = _vectors()
    assert len(vectors) >= 3
    cases, expected = [], []
    for v in vectors:
        start, end = _time(v["valid_from"]), _time(v["valid_until"])
        for now, result in ((start, "valid"), (end - 1, "valid"), (start - 1, "not_yet_valid"), (end, "expired")):
            cases.append({"payload": v["payload"], "jwks": _jwks(v), "now": now, "engine": engine})
            expected.append((result, v))
        # keyboard-wedge whitespace around it is ignored
        cases.append({"payload": f" \t{v['payload']}\r\n", "jwks": _jwks(v), "now": start, "engine": engine})
        expected.append(("valid", v))
        cases.append({"payload": v["payload"], "jwks": _jwks(v, kid="k99"), "now": start, "engine": engine})
        expected.append(("invalid", None))
        for bad in _mutations(v["payload"]):
            cases.append({"payload": bad, "jwks": _jwks(v), "now": start, "engine": engine})
            expected.append(("invalid", None))
    answer = _run(cases, [code for code, _ in _short_codes()])

    for verdict, (result, v) in zip(answer["verdicts"], expected, strict=True):
        assert verdict["result"] == result, (verdict, v and v["kid"])
        assert verdict["engine"] == ("noble" if engine == "noble" else "webcrypto")
        if v is not None:
            claims = verdict["claims"]
            assert claims["kid"] == v["kid"]
            assert claims["ticketId"] == int(v["ticket_id"]) and claims["tripId"] == int(v["trip_id"])
            assert claims["fareClass"] == v["fare_class"]
            assert (claims["validFrom"], claims["validUntil"]) == (_time(v["valid_from"]), _time(v["valid_until"]))
            assert claims["seatIndex"] == int(v["seat_index"])
            assert json.loads(v["seat_layout"])[claims["seatIndex"]] == v["seat"]

    for got, (code, digest) in zip(answer["codes"], _short_codes(), strict=True):
        assert got["wellFormed"] and got["hash"] == digest, (code, got)


def test_js_short_code_rules():
    code = _short_codes()[0][0]
    typed = [code.lower()[:5] + "-" + code.lower()[5:], code.replace("0", "O").replace("1", "l"),
             code[:4] + code[5] + code[4] + code[6:], code[:9] + ("0" if code[9] != "0" else "1")]
    answer = _run([], typed)["codes"]
    assert [a["wellFormed"] for a in answer] == [True, True, False, False]
    assert answer[0]["normal"] == code
