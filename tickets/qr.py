"""QR rendering of ticket payloads (PNG for the app and e-mail, SVG for print).

Why pin the symbol: a denser code fails first on cracked screens, cheap
cameras and dim buses. Every payload must fit QR version 6 (41x41 modules)
at error correction M or better; the strongest level that still fits
version 6 is chosen (for the 133-character v2 payload that is M), the data
is forced into one alphanumeric segment (the Base45 text is designed for
it), and a payload that would need a bigger symbol is refused instead of
being silently printed larger.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import qrcode
import qrcode.constants
import qrcode.exceptions
import qrcode.util
from qrcode.image.pil import PilImage
from qrcode.image.svg import SvgPathFillImage

__all__ = ["MAX_VERSION", "PayloadTooLong", "QRSymbol", "RenderedQR", "choose_symbol",
           "render_png", "render_svg"]

MAX_VERSION = 6
# Strongest first; M is the weakest level we accept.
_LEVELS = (
    ("H", qrcode.constants.ERROR_CORRECT_H),
    ("Q", qrcode.constants.ERROR_CORRECT_Q),
    ("M", qrcode.constants.ERROR_CORRECT_M),
)


class PayloadTooLong(ValueError):
    """The payload does not fit QR version 6 at error correction M."""


@dataclass(frozen=True, slots=True)
class QRSymbol:
    """Which QR symbol a payload gets: version 1..6 and level "M"/"Q"/"H"."""

    version: int
    error_correction: str


@dataclass(frozen=True, slots=True)
class RenderedQR:
    """A rendered code: ``content`` is bytes for PNG, text for SVG."""

    content: bytes | str
    media_type: str
    version: int
    error_correction: str


def _segment(payload: str) -> qrcode.util.QRData:
    if not payload or not payload.isascii() or not qrcode.util.RE_ALPHA_NUM.match(
        payload.encode("ascii")
    ):
        raise ValueError("payload must be in the QR alphanumeric character set")
    return qrcode.util.QRData(payload, mode=qrcode.util.MODE_ALPHA_NUM)


def _build(payload: str, box_size: int, border: int) -> tuple[qrcode.QRCode, QRSymbol]:
    segment = _segment(payload)
    for name, level in _LEVELS:
        qr: qrcode.QRCode = qrcode.QRCode(
            error_correction=level, box_size=box_size, border=border
        )
        qr.add_data(segment)
        try:
            version = qr.best_fit()
        except qrcode.exceptions.DataOverflowError:
            continue
        if version <= MAX_VERSION:
            qr.make(fit=False)
            return qr, QRSymbol(version, name)
    raise PayloadTooLong(
        f"{len(payload)} characters do not fit QR version {MAX_VERSION} at level M"
    )


def choose_symbol(payload: str) -> QRSymbol:
    """The symbol :func:`render_png`/:func:`render_svg` would use."""
    return _build(payload, 1, 0)[1]


def render_png(payload: str, *, box_size: int = 10, border: int = 4) -> RenderedQR:
    """PNG bytes; ``border`` is the quiet zone in modules (the standard asks 4)."""
    qr, symbol = _build(payload, box_size, border)
    buffer = io.BytesIO()
    qr.make_image(image_factory=PilImage).save(buffer, format="PNG")
    return RenderedQR(buffer.getvalue(), "image/png", symbol.version, symbol.error_correction)


def render_svg(payload: str, *, box_size: int = 10, border: int = 4) -> RenderedQR:
    """A standalone SVG document: one ``<path>`` (``SvgPathImage``) on a white
    background, so it still scans on a dark page; box_size 10 = 1 mm/module."""
    qr, symbol = _build(payload, box_size, border)
    svg = qr.make_image(image_factory=SvgPathFillImage).to_string(encoding="unicode")
    return RenderedQR(svg, "image/svg+xml", symbol.version, symbol.error_correction)
