"""Damage view: hero damage, turret damage, damage taken and teamfight participation per player."""

from __future__ import annotations

from typing import Any

import numpy as np

from workers.pipeline.cells import NUMBER, PERCENT, TEAMS, CellRequest, clean_name, parse_int, parse_percent
from workers.pipeline.layout import ROWS_PER_TEAM, Layout
from workers.pipeline.names import name_boxes
from workers.pipeline.ocr import OcrLine, ink_box

# Ally cells in row pitches from the line between the teams (negative is left), y down from the
# row top. The enemy block is the ally block moved right, not mirrored.
ENEMY_SHIFT = 5.30
NAME_LINE = (0.03, 0.33)
NUMBER_LINE = (0.36, 0.62)
PERCENT_LINE = (0.62, 0.9)
NAME_X = (3.1, 5.32)
NUMBER_CELLS = {
    "hero_damage": (-5.15, -3.95),
    "turret_damage": (-3.9, -2.7),
    "damage_taken": (-2.65, -1.35),
}
PERCENT_CELLS = {
    "hero_damage_pct": (-4.6, -3.98),
    "turret_damage_pct": (-3.45, -2.72),
    "damage_taken_pct": (-2.1, -1.48),
    "teamfight_pct": (-0.85, -0.22),
}
MAX_DAMAGE = 9_999_999


def _signed_cell(layout: Layout, team: str, slot: int, x_range: tuple[float, float],
                 y_range: tuple[float, float]) -> Any:
    shift = ENEMY_SHIFT if team == "enemy" else 0.0
    left, right = x_range[0] + shift, x_range[1] + shift
    # Layout.cell takes distances from the middle line; convert the signed range for each side.
    if right <= 0:
        return layout.cell("ally", slot, (-right, -left), y_range)
    return layout.cell("enemy", slot, (max(left, 0.0), right), y_range)


def damage_requests(layout: Layout, rgb: np.ndarray, mask: np.ndarray,
                    numbers: np.ndarray) -> list[CellRequest]:
    requests: list[CellRequest] = []
    for team in TEAMS:
        for slot in range(1, ROWS_PER_TEAM + 1):
            requests += _row_requests(layout, rgb, mask, numbers, team, slot)
    return requests


def _row_requests(layout: Layout, rgb: np.ndarray, mask: np.ndarray, numbers: np.ndarray,
                  team: str, slot: int) -> list[CellRequest]:
    requests: list[CellRequest] = []
    for field, x_range in NUMBER_CELLS.items():
        box = ink_box(numbers, _signed_cell(layout, team, slot, x_range, NUMBER_LINE))
        if box is not None:
            requests.append(CellRequest((team, slot, field), box, NUMBER))
    for field, x_range in PERCENT_CELLS.items():
        box = ink_box(numbers, _signed_cell(layout, team, slot, x_range, PERCENT_LINE))
        if box is not None:
            requests.append(CellRequest((team, slot, field), box, PERCENT))

    names = name_boxes(rgb, mask, layout.cell(team, slot, NAME_X, NAME_LINE), team == "ally")
    if names.name is not None:
        requests.append(CellRequest((team, slot, "name"), names.name, None))
    if names.squad is not None:
        requests.append(CellRequest((team, slot, "squad"), names.squad, None))
    return requests


def damage_player(team: str, slot: int, readings: dict[tuple[str, int, str], OcrLine],
                  layout: Layout) -> dict[str, Any]:
    def text(field: str) -> str | None:
        line = readings.get((team, slot, field))
        return line.text if line is not None else None

    player: dict[str, Any] = {"team": team, "slot": slot, "squad": text("squad") or None,
                              "name": clean_name(text("name"))}
    for field in NUMBER_CELLS:
        player[field] = parse_int(text(field), 0, MAX_DAMAGE)
    for field in PERCENT_CELLS:
        player[field] = parse_percent(text(field))
    player["is_you"] = team == "ally" and slot == layout.you_slot
    player["hero"] = None
    player["hero_confidence"] = None
    return player
