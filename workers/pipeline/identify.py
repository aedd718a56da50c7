"""Heroes of the player rows, from detector classes or the gallery, with warnings for unnamed rows."""

from __future__ import annotations

from typing import Any

import numpy as np

from shared.heroes import (
    EMPTY_GALLERY_WARNING,
    NO_DETECTION_PREFIX,
    NO_MODEL_WARNING,
    unmatched_row,
    unmatched_warning,
)
from workers.pipeline.detector import HERO_CLASS_PREFIX, Detection
from workers.pipeline.gallery import HeroGallery
from workers.pipeline.layout import Box, Layout
from workers.pipeline.portraits import crop_portrait


def heroes_from_detections(detections: list[Detection], row_boxes: dict[tuple[str, int], Box],
                           players: list[dict[str, Any]]) -> None:
    """Set `hero` on each row that contains the centre of a detection of a `hero:<Name>` class.

    When several hero detections fall in one row, the most confident one wins.
    """
    for player in players:
        box = row_boxes[(player["team"], player["slot"])]
        inside = [
            d for d in detections
            if d.label.startswith(HERO_CLASS_PREFIX) and len(d.label) > len(HERO_CLASS_PREFIX)
            and box.x0 <= (d.box.x0 + d.box.x1) / 2 < box.x1 and box.y0 <= (d.box.y0 + d.box.y1) / 2 < box.y1
        ]
        if inside:
            best = max(inside, key=lambda d: d.confidence)
            player["hero"] = best.label[len(HERO_CLASS_PREFIX):]
            player["hero_confidence"] = round(best.confidence, 3)


def identify_heroes(
    gallery: HeroGallery | None,
    screen: np.ndarray,
    layout: Layout,
    players: list[dict[str, Any]],
    warnings: list[str],
    detector_heroes: bool = False,
) -> None:
    """Set `hero` and `hero_confidence` on each player row in place; one warning names the rows left null.

    Rows that `heroes_from_detections` already named keep their hero; the gallery fills the others.
    """
    if gallery is None:
        if not detector_heroes:
            warnings.append(NO_MODEL_WARNING)
            return
        missing = [f"{p['team']} slot {p['slot']}" for p in players if p.get("hero") is None]
        if missing:
            warnings.append(NO_DETECTION_PREFIX + ", ".join(missing))
        return
    gallery.refresh()
    if not len(gallery.index):
        warnings.append(EMPTY_GALLERY_WARNING)
        return

    unknown = []
    for player in players:
        if player.get("hero") is not None:
            continue
        match = gallery.match(crop_portrait(screen, layout, player["team"], player["slot"]))
        player["hero"] = match.hero
        player["hero_confidence"] = round(match.score, 3) if match.hero is not None else None
        if match.hero is None:
            unknown.append(unmatched_row(player["team"], player["slot"], match.candidates))
    if unknown:
        warnings.append(unmatched_warning(gallery.threshold, unknown))
