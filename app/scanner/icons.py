"""Draws the scanner's PNG home-screen icons from the design of ``static/icon.svg``.

Why PNGs next to the SVG: Chromium on Android builds the installed app (WebAPK) from a
PNG of at least 144 px, and older browsers ignore SVG manifest icons. The PNGs are
committed; run ``make scanner-icons`` (``python -m app.scanner.icons``) after changing
the SVG. The ``maskable`` one fills the square and keeps the design inside the central
safe circle (radius 40 %), since the launcher crops it to its own shape.
"""
from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw

STATIC = Path(__file__).resolve().parent / "static"
DARK, GREEN, WHITE = "#111827", "#22c55e", "#ffffff"
# The SVG's paths on its 96 x 96 view box: four corner brackets and a tick.
BRACKETS = (
    [(20, 20), (40, 20), (40, 28), (28, 28), (28, 40), (20, 40)],
    [(56, 20), (76, 20), (76, 40), (68, 40), (68, 28), (56, 28)],
    [(20, 56), (28, 56), (28, 68), (40, 68), (40, 76), (20, 76)],
    [(68, 56), (76, 56), (76, 76), (56, 76), (56, 68), (68, 68)],
)
TICK, TICK_WIDTH = [(38, 50), (46, 58), (60, 40)], 6
OVERSAMPLE = 4  # drawn larger, then reduced: smooth edges without an SVG renderer


def draw(size: int, *, maskable: bool = False) -> Image.Image:
    big = size * OVERSAMPLE
    image = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    pen = ImageDraw.Draw(image)
    unit = big / 96
    if maskable:
        pen.rectangle((0, 0, big, big), fill=DARK)
    else:
        pen.rounded_rectangle((0, 0, big - 1, big - 1), radius=18 * unit, fill=DARK)
    shrink = 0.8 if maskable else 1.0  # the SVG's corners reach 41 % from the centre

    def at(x: float, y: float) -> tuple[float, float]:
        return ((48 + (x - 48) * shrink) * unit, (48 + (y - 48) * shrink) * unit)

    for bracket in BRACKETS:
        pen.polygon([at(x, y) for x, y in bracket], fill=GREEN)
    points = [at(x, y) for x, y in TICK]
    width = TICK_WIDTH * shrink * unit
    pen.line(points, fill=WHITE, width=round(width), joint="curve")
    for x, y in (points[0], points[-1]):  # round caps
        pen.ellipse((x - width / 2, y - width / 2, x + width / 2, y + width / 2), fill=WHITE)
    small = image.resize((size, size), Image.Resampling.LANCZOS)
    # A few flat colours and their edges: a palette keeps each file a few KiB.
    return small.quantize(colors=64, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE)


ICONS = {"icon-192.png": (192, False), "icon-512.png": (512, False), "icon-maskable-512.png": (512, True)}


def main() -> None:
    for name, (size, maskable) in ICONS.items():
        draw(size, maskable=maskable).save(STATIC / name, optimize=True)
        print(f"{name}: {(STATIC / name).stat().st_size} bytes")


if __name__ == "__main__":
    main()
