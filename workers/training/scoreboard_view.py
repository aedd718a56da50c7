"""Player rows of the scoreboard view: name, K/D/A, gold, items and medal."""

from __future__ import annotations

import random
from typing import Any

from PIL import ImageDraw

from workers.training import layout, painter
from workers.training.layout import Box, Slot
from workers.training.medals import draw_medal

NAME_SIZE = 32
NUMBER_SIZE = 32
# Names stop before the K/D/A columns on the scoreboard view.
NAME_END_X = {"ally": 770, "enemy": 1770}


def draw_name(
    draw: ImageDraw.ImageDraw, rng: random.Random, slot: Slot, player: dict[str, Any], y: int
) -> None:
    """Draw gender icon, squad tag and name, left-aligned for allies and right-aligned for enemies."""
    fill = painter.SQUAD_YELLOW if player["is_you"] else painter.TEXT
    squad = player["squad"] or ""
    label = f"{squad}  {player['name']}" if squad else player["name"]
    if slot.team == "ally":
        x = painter.draw_gender(draw, rng, layout.NAME_X["ally"], y + 4)
        size = painter.fitting_size(label, NAME_SIZE, NAME_END_X["ally"] - x)
        y += NAME_SIZE - size
        if squad:
            x = painter.text(draw, (x, y), squad, size, painter.SQUAD_YELLOW)[2] + size // 3
        painter.text(draw, (x, y), player["name"], size, fill)
        return
    right = layout.NAME_X["enemy"] - 30
    painter.draw_gender(draw, rng, right + 8, y + 8)
    size = painter.fitting_size(label, NAME_SIZE, right - NAME_END_X["enemy"])
    y += NAME_SIZE - size
    box = painter.text(draw, (right, y), player["name"], size, fill, "rt")
    if squad:
        painter.text(draw, (box[0] - size // 3, y), squad, size, painter.SQUAD_YELLOW, "rt")


def draw_numbers(draw: ImageDraw.ImageDraw, slot: Slot, player: dict[str, Any], y: int) -> None:
    values = (player["kills"], player["deaths"], player["assists"])
    for x, value in zip(layout.KDA_X[slot.team], values, strict=True):
        painter.text(draw, (x, y), str(value), NUMBER_SIZE, painter.TEXT, "mt", "condensed")
    anchor = "rt" if slot.team == "ally" else "lt"
    painter.text(
        draw,
        (layout.GOLD_X[slot.team], y),
        str(player["gold"]),
        NUMBER_SIZE,
        painter.TEXT,
        anchor,
        "condensed",
    )


def draw_scoreboard_row(
    draw: ImageDraw.ImageDraw, rng: random.Random, slot: Slot, player: dict[str, Any]
) -> list[tuple[str, Box]]:
    """Draw the text, items and medal of one row and return the medal's labelled box."""
    y = slot.top + layout.TEXT_DY
    draw_name(draw, rng, slot, player, y)
    draw_numbers(draw, slot, player, y)
    painter.draw_items(draw, rng, slot)
    box = draw_medal(draw, rng, slot, player["medal"], player["rating"])
    return [(f"medal_{player['medal']}", box)]
