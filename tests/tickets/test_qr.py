"""QR rendering: a real decoder reads what we render, within version 6 at level M."""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET
from datetime import datetime, timezone

import pytest
import qrcode
import qrcode.constants
import qrcode.util
import zxingcpp
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image, ImageDraw

from tickets.codec import FareClass, TicketClaims
from tickets.keys import Keyring
from tickets.qr import PayloadTooLong, QRSymbol, choose_symbol, render_png, render_svg
from tickets.verifier import Verifier

UTC = timezone.utc
SVG_NS = "{http://www.w3.org/2000/svg}"


def _read(image: Image.Image) -> zxingcpp.Result:
    results = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)
    assert len(results) == 1
    return results[0]


def _rasterise_svg(svg: str, scale: int = 8) -> Image.Image:
    """Draw the single path of an SvgPathImage (one rectangle per module)."""
    root = ET.fromstring(svg)
    size = float(root.get("viewBox").split()[2])
    image = Image.new("L", (int(size * scale),) * 2, 255)
    draw = ImageDraw.Draw(image)
    paths = root.findall(f"{SVG_NS}path") + root.findall("path")
    assert len(paths) == 1
    number = r"(\d+(?:\.\d+)?)"
    for x0, y0, x1, y1 in re.findall(
        rf"M{number},{number}H{number}V{number}H\1z", paths[0].get("d")
    ):
        box = [float(v) * scale for v in (x0, y0, x1, y1)]
        draw.rectangle([box[0], box[1], box[2] - 1, box[3] - 1], fill=0)
    return image


def test_png_decodes_to_the_payload_and_verifies(keyring, payload, claims):
    rendered = render_png(payload)
    assert rendered.content.startswith(b"\x89PNG") and rendered.media_type == "image/png"
    assert (rendered.version, rendered.error_correction) == (6, "M")
    result = _read(Image.open(io.BytesIO(rendered.content)))
    assert result.text == payload
    assert result.extra["Version"] == "6" and result.extra["ECLevel"] == "M"
    verdict = Verifier.from_jwks(keyring.jwks()).verify(result.text, now=claims.valid_from)
    assert verdict.ok and verdict.claims == claims


def test_small_png_still_decodes(payload):
    rendered = render_png(payload, box_size=3, border=4)
    image = Image.open(io.BytesIO(rendered.content))
    assert image.size == (3 * (41 + 8),) * 2
    assert _read(image).text == payload


def test_svg_is_one_path_and_decodes(payload):
    rendered = render_svg(payload)
    assert rendered.media_type == "image/svg+xml" and isinstance(rendered.content, str)
    assert (rendered.version, rendered.error_correction) == (6, "M")
    assert _read(_rasterise_svg(rendered.content)).text == payload


def test_longest_realistic_ticket_fits_version_6_at_m(make_keyring):
    longest = TicketClaims(
        ticket_id=2**40 - 1, trip_id=2**32 - 1, seat_index=2**16 - 1, fare_class=FareClass.REDUCED,
        valid_from=datetime(2105, 1, 1, tzinfo=UTC), valid_until=datetime(2106, 1, 1, tzinfo=UTC),
        kid="k255",
    )
    payload = make_keyring(3, "k255").sign(longest)
    assert len(payload) == 133
    assert choose_symbol(payload) == QRSymbol(6, "M")


@settings(max_examples=50, deadline=None)
@given(
    ticket_id=st.integers(0, 2**40 - 1),
    trip_id=st.integers(0, 2**32 - 1),
    seat_index=st.integers(0, 2**16 - 1),
    fare=st.sampled_from(list(FareClass)),
    start=st.integers(0, 2**32 - 2),
    kid=st.integers(0, 255),
)
def test_every_ticket_fits_version_6_at_m(ticket_id, trip_id, seat_index, fare, start, kid):
    claims = TicketClaims(
        ticket_id, trip_id, seat_index, fare, datetime.fromtimestamp(start, UTC),
        datetime.fromtimestamp(start + 1, UTC), f"k{kid}",
    )
    assert choose_symbol(Keyring.generate(f"k{kid}").sign(claims)) == QRSymbol(6, "M")


def test_stronger_level_is_chosen_when_it_fits_version_6():
    assert choose_symbol("SF1:SHORT") == QRSymbol(1, "H")
    assert choose_symbol("A" * 108) == QRSymbol(6, "Q")
    assert choose_symbol("A" * 154) == QRSymbol(6, "M")


def test_level_q_would_need_version_8():
    """docs/ticket-format.md 1.6: 133 characters need version 8 at Q (7-Q holds 125)."""
    def version_at_q(n: int) -> int:
        qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_Q)
        qr.add_data(qrcode.util.QRData("A" * n, mode=qrcode.util.MODE_ALPHA_NUM))
        return qr.best_fit()

    assert [version_at_q(n) for n in (108, 109, 125, 126, 133, 136)] == [6, 7, 7, 8, 8, 8]


def test_too_long_payload_is_refused():
    with pytest.raises(PayloadTooLong):
        choose_symbol("A" * 155)
    with pytest.raises(PayloadTooLong):
        render_png("A" * 1000)


@pytest.mark.parametrize("payload", ["", "sf1:abc", "SF1:é", "SF1:\n"])
def test_payload_outside_alphanumeric_charset_is_refused(payload):
    with pytest.raises(ValueError):
        render_svg(payload)
