"""Hero portraits: where each player row's portrait sits, and how to cut it out of a screenshot."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from workers.pipeline.layout import Box, Layout, Transform, find_layout, normalized

# Portrait circle centre in row pitches: x outward from `mid`, y down from the row top. The ring's
# outer radius is 0.40 pitch, and the crop is a square a little larger than the ring. Measured with
# circle fits on the real 2532x1170 samples, which agree within 0.02 pitch. The detector's portrait
# boxes are not used: their centres are off the fitted circles by up to 0.12 pitch.
CENTRE_X = {"ally": 5.75, "enemy": 5.71}
CENTRE_Y = 0.48
HALF_SIDE = 0.44


class RowNotFound(ValueError):
    """The image is not a post-match screen, so no player row can be located."""


@dataclass(frozen=True)
class Screen:
    """A screenshot resampled to the canonical scale, with its layout and the map back to the source."""

    image: np.ndarray
    layout: Layout
    transform: Transform


def locate_screen(rgb: np.ndarray) -> Screen:
    """Find the post-match table and resample the image to the scale the portrait positions use."""
    found = find_layout(rgb)
    if found is None:
        raise RowNotFound("not a post-match screen: the team header band was not found")
    image, transform = normalized(rgb, found)
    layout = find_layout(image)
    if layout is None:
        raise RowNotFound("not a post-match screen: the team header band was not found after resampling")
    return Screen(image, layout, transform)


def portrait_box(layout: Layout, team: str, slot: int) -> Box:
    """Return the square around a row's portrait, in the coordinates of `layout`."""
    sign = -1 if team == "ally" else 1
    centre_x = layout.mid + sign * CENTRE_X[team] * layout.pitch
    centre_y = layout.row_top(slot) + CENTRE_Y * layout.pitch
    side = round(2 * HALF_SIDE * layout.pitch)
    x0, y0 = round(centre_x - side / 2), round(centre_y - side / 2)
    return Box(x0, y0, x0 + side, y0 + side)


def crop_portrait(screen: np.ndarray, layout: Layout, team: str, slot: int) -> np.ndarray:
    """Return the portrait square of one player row, cut from a screen resampled by `locate_screen`."""
    box = portrait_box(layout, team, slot)
    height, width = screen.shape[:2]
    top, bottom = np.clip([box.y0, box.y1], 0, height)
    left, right = np.clip([box.x0, box.x1], 0, width)
    inside = screen[top:bottom, left:right]
    if inside.shape[0] != box.height or inside.shape[1] != box.width:
        # Only a layout that misread the screen puts a portrait past the edge; pad it to keep it square.
        square = np.zeros((box.height, box.width, 3), dtype=screen.dtype)
        square[top - box.y0:bottom - box.y0, left - box.x0:right - box.x0] = inside
        return square
    return np.ascontiguousarray(inside)

