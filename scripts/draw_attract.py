"""Draw the attract-loop pictures (assets/images/attract_*.png): our own simple scenes.

Usage: python scripts/draw_attract.py. Flat shapes only, so the files stay small and the
look stays calm behind large text.
"""

from __future__ import annotations

import math
from pathlib import Path

from PIL import Image, ImageDraw

OUT = Path(__file__).resolve().parents[1] / "assets" / "images"
W, H = 1200, 560


def _sky(
    draw: ImageDraw.ImageDraw, top: tuple[int, int, int], bottom: tuple[int, int, int]
) -> None:
    for y in range(H):
        f = y / H
        draw.line(
            [(0, y), (W, y)],
            fill=tuple(int(a + (b - a) * f) for a, b in zip(top, bottom, strict=True)),
        )


def _ridge(
    draw: ImageDraw.ImageDraw, base: int, amp: int, period: float, *, phase: float, colour: str
) -> None:
    points = [(0, H)]
    for x in range(0, W + 20, 20):
        y = (
            base
            - amp * abs(math.sin(x / period + phase))
            - amp * 0.4 * math.sin(x / (period * 0.37))
        )
        points.append((x, int(y)))
    points.append((W, H))
    draw.polygon(points, fill=colour)


def mountains() -> Image.Image:
    img = Image.new("RGB", (W, H))
    d = ImageDraw.Draw(img)
    _sky(d, (255, 190, 120), (120, 180, 230))
    d.ellipse([860, 70, 980, 190], fill="#fff3c4")
    _ridge(d, 330, 150, 160, phase=0.3, colour="#5d7e9c")
    _ridge(d, 400, 110, 120, phase=1.3, colour="#3c6a57")
    _ridge(d, 470, 60, 90, phase=2.1, colour="#25493a")
    d.rectangle([0, 500, W, H], fill="#3b7fb0")
    for i in range(12):
        x = 80 + i * 95
        d.line([(x, 520), (x + 50, 520)], fill="#a9d3f0", width=3)
    return img


def pagoda() -> Image.Image:
    img = Image.new("RGB", (W, H))
    d = ImageDraw.Draw(img)
    _sky(d, (130, 200, 240), (220, 240, 250))
    _ridge(d, 450, 70, 140, phase=0.8, colour="#6f9a6b")
    cx, y = 600, 470
    width = 260
    for _level in range(5):
        d.rectangle([cx - width // 2 + 30, y - 70, cx + width // 2 - 30, y], fill="#b23a2e")
        d.polygon(
            [(cx - width // 2 - 20, y - 60), (cx + width // 2 + 20, y - 60), (cx, y - 110)],
            fill="#2b2b2b",
        )
        y -= 80
        width -= 40
    d.line([(cx, y + 30), (cx, y - 30)], fill="#d4a017", width=8)
    d.rectangle([0, 470, W, H], fill="#8b6f47")
    return img


def lanterns() -> Image.Image:
    img = Image.new("RGB", (W, H))
    d = ImageDraw.Draw(img)
    _sky(d, (15, 25, 60), (60, 40, 90))
    for i, (x, y) in enumerate(
        [(120, 60), (300, 140), (480, 40), (700, 120), (880, 50), (1060, 150)]
    ):
        d.ellipse([x + 30, y - 30 + (i % 2) * 10, x + 35, y - 25 + (i % 2) * 10], fill="#ffffff")
    d.line([(0, 120), (W, 180)], fill="#444444", width=3)
    for i in range(7):
        x = 90 + i * 170
        top = 120 + int(60 * x / W) + 2
        d.line([(x, top), (x, top + 30)], fill="#444444", width=3)
        d.ellipse([x - 45, top + 30, x + 45, top + 130], fill="#e53935", outline="#ffd400", width=4)
        d.rectangle([x - 20, top + 128, x + 20, top + 140], fill="#ffd400")
    d.rectangle([0, 440, W, H], fill="#1a1a2e")
    for i in range(20):
        d.rectangle([i * 60 + 10, 460, i * 60 + 40, 470], fill="#ffd400")
    return img


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for i, draw in enumerate((mountains, pagoda, lanterns), 1):
        draw().save(OUT / f"attract_{i}.png", optimize=True)


if __name__ == "__main__":
    main()
