"""What the scanner tests read from the ticket format: payloads the server issues and
the document's test vectors (payload v2, docs/ticket-format.md)."""
from __future__ import annotations

import re
from pathlib import Path

from app.ticketing.payload import payload_for

DOC = (Path(__file__).resolve().parents[2] / "docs" / "ticket-format.md").read_text("utf-8")


def payload(ticket) -> str:
    """The QR text of ``ticket``, as the server issues it."""
    return payload_for(ticket)


def doc_vectors() -> list[dict[str, str]]:
    """The ``ticket-vector`` blocks of docs/ticket-format.md, as tests/tickets reads them."""
    vectors = []
    for block in re.findall(r"^```ticket-vector\n(.*?)^```", DOC, flags=re.M | re.S):
        fields = {}
        for line in block.splitlines():
            name, _, value = line.partition(":")
            fields[name.strip()] = value.strip()
        vectors.append(fields)
    return vectors
