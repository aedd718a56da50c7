"""Player rows of the damage view: name, damage numbers and percent bars."""

from __future__ import annotations

import random
from typing import Any

from PIL import ImageDraw

from workers.training import layout, painter
from workers.training.layout import Box, Slot
from workers.training.scoreboard_view import draw_name

COLUMNS = ("hero_damage", "turret_damage", "damage_taken", "teamfight")
BAR_COLORS = {
    "hero_damage": (200, 50, 100),
    "turret_damage": (205, 150, 60),
    "damage_taken": (30, 130, 190),
    "teamfight": (30, 160, 130),
}
BAR_BACK = (34, 45, 64)
HEADINGS = (("Hero", "Damage"), ("Turret", "Damage"), ("Damage", "Taken"), ("Teamfight", "Participation"))


def draw_headings(draw: ImageDraw.ImageDraw) -> None:
    y0, _ = layout.COLUMN_BAR_Y
    for team in layout.TEAMS:
        for x, (first, second) in zip(layout.DAMAGE_COLUMN_X[team], HEADINGS, strict=True):
            painter.text(draw, (x, y0 + 2), first, 28, painter.WHITE)
            painter.text(draw, (x, y0 + 31), second, 28, painter.WHITE)


def draw_bar(draw: ImageDraw.ImageDraw, x: int, y0: int, y1: int, column: str, pct: int) -> None:
    draw.rectangle((x, y0, x + layout.DAMAGE_BAR_WIDTH, y1), fill=BAR_BACK)
    fill_width = int(layout.DAMAGE_BAR_WIDTH * pct / 100)
    if fill_width > 0:
        draw.rectangle((x, y0 + 3, x + fill_width, y1 - 3), fill=BAR_COLORS[column])
    painter.text(draw, (x + layout.DAMAGE_BAR_WIDTH - 4, (y0 + y1) / 2), f"{pct}%", 30, painter.WHITE, "rm")


def draw_damage_row(
    draw: ImageDraw.ImageDraw, rng: random.Random, slot: Slot, player: dict[str, Any]
) -> list[tuple[str, Box]]:
    """Draw the name, numbers and bars of one row. This view has no medal badges, so no boxes are returned."""
    draw_name(draw, rng, slot, player, slot.top + layout.TEXT_DY)
    bar_y0, bar_y1 = (slot.top + dy for dy in layout.DAMAGE_BAR_DY)
    for x, column in zip(layout.DAMAGE_COLUMN_X[slot.team], COLUMNS, strict=True):
        if column == "teamfight":
            draw_bar(draw, x, bar_y0, bar_y1, column, player["teamfight_pct"])
            continue
        painter.text(draw, (x, slot.top + layout.DAMAGE_NUMBER_DY), str(player[column]), 34, painter.TEXT)
        draw_bar(draw, x, bar_y0, bar_y1, column, player[f"{column}_pct"])
    return []
