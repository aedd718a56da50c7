"""Scoreboard view: K/D/A, gold, rating, medal and level for each player row."""

from __future__ import annotations

import re
from typing import Any

import numpy as np

from workers.pipeline.cells import DECIMAL, NUMBER, TEAMS, CellRequest, clean_name, parse_int, parse_rating
from workers.pipeline.layout import ROWS_PER_TEAM, Box, Layout
from workers.pipeline.medals import classify_medal
from workers.pipeline.names import name_boxes
from workers.pipeline.ocr import OcrLine, ink_box
from workers.pipeline.ratings import rating_boxes, rating_line

# Cell positions in row pitches: x measured outward from the line between the teams
# (the enemy side mirrors the ally side), y down from the row top.
TEXT_LINE = (0.03, 0.36)
GOLD_X = (1.5, 2.2)
NUMBER_X = {"near": (2.2, 2.53), "middle": (2.53, 2.87), "far": (2.87, 3.19)}
NAME_X = (3.19, 5.32)
# The rating starts below the badge's top points, which would otherwise touch its digits.
RATING = ((0.5, 1.3), (0.665, 0.92))
MEDAL = ((0.45, 1.35), (0.0, 0.95))
LEVEL = ((5.82, 6.25), (0.66, 0.92))
# Allies read K D A left to right toward the middle line, enemies read it away from it.
KDA_COLUMNS = {
    "ally": {"kills": "far", "deaths": "middle", "assists": "near"},
    "enemy": {"kills": "near", "deaths": "middle", "assists": "far"},
}
# Badge art behind the digits misleads OCR on the screenshot, and broken strokes mislead it on
# the white-only image, so both are read.
RATING_SOURCES = ("grey", "white")
MAX_KDA = 99
MAX_GOLD = 99_999
MAX_LEVEL = 15


def scoreboard_requests(layout: Layout, rgb: np.ndarray, mask: np.ndarray, numbers: np.ndarray,
                        white: np.ndarray) -> list[CellRequest]:
    """List the crops to read.

    `mask` marks name ink (white and yellow), `numbers` white ink only, and `white` the
    rating digits (see `ratings.rating_mask`).
    """
    requests: list[CellRequest] = []
    for team in TEAMS:
        for slot in range(1, ROWS_PER_TEAM + 1):
            requests += _row_requests(layout, rgb, mask, numbers, team, slot)
            requests += _badge_requests(layout, white, team, slot)
    return requests


def _badge_requests(layout: Layout, white: np.ndarray, team: str, slot: int) -> list[CellRequest]:
    requests: list[CellRequest] = []
    cell = layout.cell(team, slot, *RATING)
    rating = rating_boxes(white, cell, layout.pitch)
    line = rating_line(white, cell, layout.pitch) if rating is None else None
    if line is not None:
        for source in RATING_SOURCES:
            requests.append(CellRequest((team, slot, f"rating_line_{source}"), line, DECIMAL, source))
    if rating is not None:
        for source in RATING_SOURCES:
            requests.append(CellRequest((team, slot, f"rating_integer_{source}"), rating[0], NUMBER, source))
            requests.append(CellRequest((team, slot, f"rating_decimal_{source}"), rating[1], NUMBER, source))
    level = ink_box(white, layout.cell(team, slot, *LEVEL))
    if level is not None:
        requests.append(CellRequest((team, slot, "level"), level, NUMBER))
    return requests


def _row_requests(layout: Layout, rgb: np.ndarray, mask: np.ndarray, numbers: np.ndarray,
                  team: str, slot: int) -> list[CellRequest]:
    requests: list[CellRequest] = []
    cells = {"gold": GOLD_X} | {field: NUMBER_X[column] for field, column in KDA_COLUMNS[team].items()}
    for field, x_range in cells.items():
        box = ink_box(numbers, layout.cell(team, slot, x_range, TEXT_LINE))
        if box is not None:
            requests.append(CellRequest((team, slot, field), box, NUMBER))

    names = name_boxes(rgb, mask, layout.cell(team, slot, NAME_X, TEXT_LINE), team == "ally")
    if names.name is not None:
        requests.append(CellRequest((team, slot, "name"), names.name, None))
    if names.squad is not None:
        requests.append(CellRequest((team, slot, "squad"), names.squad, None))
    return requests


def medal_box(layout: Layout, team: str, slot: int) -> Box:
    return layout.cell(team, slot, *MEDAL)


def scoreboard_player(team: str, slot: int, readings: dict[tuple[str, int, str], OcrLine],
                      rgb: np.ndarray, layout: Layout) -> dict[str, Any]:
    def text(field: str) -> str | None:
        line = readings.get((team, slot, field))
        return line.text if line is not None else None

    medal_area = medal_box(layout, team, slot)
    return {
        "team": team,
        "slot": slot,
        "squad": text("squad") or None,
        "name": clean_name(text("name")),
        "level": parse_int(text("level"), 1, MAX_LEVEL),
        "kills": parse_int(text("kills"), 0, MAX_KDA),
        "deaths": parse_int(text("deaths"), 0, MAX_KDA),
        "assists": parse_int(text("assists"), 0, MAX_KDA),
        "gold": parse_int(text("gold"), 100, MAX_GOLD),
        "rating": _rating(team, slot, readings),
        "medal": classify_medal(rgb[medal_area.y0:medal_area.y1, medal_area.x0:medal_area.x1]),
        "is_you": team == "ally" and slot == layout.you_slot,
        "hero": None,
        "hero_confidence": None,
    }


def _rating(team: str, slot: int, readings: dict[tuple[str, int, str], OcrLine]) -> float | None:
    """Pick the rating from the grey and white-only readings: a valid one, else the more confident."""
    candidates: list[tuple[float, float]] = []
    for source in RATING_SOURCES:
        line = readings.get((team, slot, f"rating_line_{source}"))
        if line is not None and re.fullmatch(r"\d{1,2}\.\d", line.text):
            candidates.append((line.confidence, float(line.text)))
        integer = readings.get((team, slot, f"rating_integer_{source}"))
        decimal = readings.get((team, slot, f"rating_decimal_{source}"))
        if integer is None or decimal is None or len(decimal.text) != 1 or not 1 <= len(integer.text) <= 2:
            continue
        value = parse_rating(f"{integer.text}.{decimal.text}")
        if value is not None:
            candidates.append((min(integer.confidence, decimal.confidence), value))
    if not candidates:
        return None
    return max(candidates)[1]
