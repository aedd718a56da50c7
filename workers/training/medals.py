"""Medal badges of the scoreboard view: MVP crown, gold crossed swords, silver and bronze sword."""

from __future__ import annotations

import random

from PIL import ImageDraw

from workers.training import painter
from workers.training.layout import Box, Slot

DARK = (60, 60, 60)
MVP_BANNER = (200, 40, 60)
# Silver and bronze badges share a pale sword, so only the ring colour tells them apart.
SWORD = (232, 224, 220)


def draw_swords(draw: ImageDraw.ImageDraw, cx: int, cy: int, color: painter.Color) -> None:
    for sign in (-1, 1):
        draw.line((cx - 44 * sign, cy - 44, cx + 44 * sign, cy + 44), fill=color, width=12)
        draw.polygon(
            [(cx - 52 * sign, cy - 52), (cx - 34 * sign, cy - 46), (cx - 46 * sign, cy - 34)], fill=color
        )


def draw_sword(draw: ImageDraw.ImageDraw, cx: int, cy: int, color: painter.Color) -> None:
    draw.rectangle((cx - 6, cy - 64, cx + 6, cy + 40), fill=color, outline=DARK)
    draw.rectangle((cx - 20, cy - 30, cx + 20, cy - 22), fill=color, outline=DARK)


def draw_crown(draw: ImageDraw.ImageDraw, cx: int, cy: int, color: painter.Color) -> None:
    points = [
        (cx - 56, cy - 10),
        (cx - 62, cy - 66),
        (cx - 28, cy - 36),
        (cx, cy - 72),
        (cx + 28, cy - 36),
        (cx + 62, cy - 66),
        (cx + 56, cy - 10),
    ]
    draw.polygon(points, fill=color, outline=(150, 100, 30))
    draw.polygon(
        [(cx - 68, cy - 16), (cx + 68, cy - 16), (cx + 58, cy + 16), (cx - 58, cy + 16)], fill=MVP_BANNER
    )
    painter.text(draw, (cx, cy + 2), "MVP", 34, (250, 220, 120), "mm", "bold")
    draw_swords(draw, cx, cy + 14, color)


def draw_medal(draw: ImageDraw.ImageDraw, rng: random.Random, slot: Slot, medal: str, rating: float) -> Box:
    """Draw the badge of `medal` with `rating` on it and return the badge box."""
    cx, cy = slot.medal_center
    color = painter.jitter(rng, painter.MEDAL_COLORS[medal], 12)
    if medal == "mvp":
        draw_crown(draw, cx, cy, color)
    else:
        ring = (cx - 50, cy - 50, cx + 50, cy + 50)
        draw.ellipse(ring, fill=tuple(int(c * 0.75) for c in color), outline=color, width=10)
        if medal == "gold":
            draw_swords(draw, cx, cy, color)
        else:
            draw_sword(draw, cx, cy, painter.jitter(rng, SWORD, 12))
    painter.text(draw, (cx, cy + 44), f"{rating:.1f}", 40, painter.WHITE, "mm")
    return slot.medal_box(medal)
