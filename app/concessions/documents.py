"""The photo of a document an agent must see before a reduced fare: stored privately, briefly.

Why outside ``static`` and under random names: the photo shows a person's ID or disability
card; nothing serves the directory, only the carrier's agents read it through the API
(``routes``), and it is deleted as soon as one of them decides. The directory is the
``CONCESSION_DOCUMENT_DIR`` setting (default: ``<instance>/concession-documents``).

What counts as an image is read from the file's first bytes (JPEG, PNG, WebP), never from
its name or the Content-Type a client claims.
"""
from __future__ import annotations

import secrets
from pathlib import Path

from flask import current_app

from app.errors import ApiError, Unprocessable

MAX_BYTES = 5 * 1024 * 1024
SIGNATURES = {"jpeg": (b"\xff\xd8\xff",), "png": (b"\x89PNG\r\n\x1a\n",)}
MEDIA_TYPES = {"jpeg": "image/jpeg", "png": "image/png", "webp": "image/webp"}


class DocumentTooLarge(ApiError):
    status, title, slug = 413, "Document too large", "document-too-large"


def _kind(head: bytes) -> str | None:
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    return next((kind for kind, marks in SIGNATURES.items() if head.startswith(marks)), None)


def directory() -> Path:
    path = Path(current_app.config["CONCESSION_DOCUMENT_DIR"])
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path


def read_upload(upload) -> tuple[bytes, str]:
    """The bytes of an uploaded photo and its kind; 413 over 5 MB, 422 when not an image."""
    if upload is None or not hasattr(upload, "stream"):  # absent, or sent as a text field
        raise Unprocessable("Attach a photo of the document.", slug="document-missing",
                            errors={"document": ["Missing file."]})
    try:
        data = upload.stream.read(MAX_BYTES + 1)
    finally:
        upload.close()  # a large upload is spooled to a temporary file: closed at once
    if len(data) > MAX_BYTES:
        raise DocumentTooLarge("The photo is over 5 MB; send a smaller one.", errors={"document": ["Over 5 MB."]})
    kind = _kind(data[:16])
    if kind is None:
        raise Unprocessable("The document must be a photo (JPEG, PNG or WebP).", slug="document-not-image",
                            errors={"document": ["Not an image."]})
    return data, kind


def store(data: bytes, kind: str) -> str:
    """Write the photo under a random name (owner-only permissions); the name is returned."""
    name = f"{secrets.token_hex(16)}.{kind}"
    path = directory() / name
    path.write_bytes(data)
    path.chmod(0o600)
    return name


def path_of(name: str) -> Path:
    return directory() / Path(name).name  # never a path outside the directory


def media_type(name: str) -> str:
    return MEDIA_TYPES.get(name.rsplit(".", 1)[-1], "application/octet-stream")


def delete(name: str | None) -> None:
    if name:
        path_of(name).unlink(missing_ok=True)
