"""Fill each player's `hero` and `hero_confidence` from the gallery, and say which rows stayed unknown."""

from __future__ import annotations

from typing import Any

import numpy as np

from workers.pipeline.gallery import HeroGallery
from workers.pipeline.layout import Layout
from workers.pipeline.portraits import crop_portrait
from workers.pipeline.result import HERO_WARNING

EMPTY_GALLERY_WARNING = "hero not identified: the hero gallery has no images"


def identify_heroes(gallery: HeroGallery | None, screen: np.ndarray, layout: Layout,
                    players: list[dict[str, Any]], warnings: list[str]) -> None:
    """Set `hero` and `hero_confidence` on each player row in place; one warning names the rows left null."""
    if gallery is None:
        warnings.append(HERO_WARNING)
        return
    gallery.refresh()
    if not len(gallery.index):
        warnings.append(EMPTY_GALLERY_WARNING)
        return

    unknown = []
    for player in players:
        match = gallery.match(crop_portrait(screen, layout, player["team"], player["slot"]))
        player["hero"] = match.hero
        player["hero_confidence"] = round(match.score, 3) if match.hero is not None else None
        if match.hero is None:
            closest = ", ".join(f"{name} {score:.2f}" for name, score in match.candidates)
            unknown.append(f"{player['team']} slot {player['slot']} (closest: {closest})")
    if unknown:
        warnings.append(f"hero not identified, no gallery match reaches {gallery.threshold:.2f}: "
                        + "; ".join(unknown))
