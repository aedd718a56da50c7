"""Player name cells: split into squad tag, name and the gender icon that is dropped."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np

from workers.pipeline.layout import Box
from workers.pipeline.ocr import ink_box

# OpenCV hues (0 to 179) of the squad tags' yellow.
YELLOW_HUE = (12, 35)
# A faded squad tag: the gap that ends a word and the narrowest word, in line heights, and the
# saturation (0 to 255) the tag needs, in all and above the word after it.
FADED_WORD_GAP = 0.18
FADED_MIN_WIDTH = 0.5
FADED_MIN_SATURATION = 50
FADED_CONTRAST = 30


@dataclass(frozen=True)
class NameBoxes:
    squad: Box | None
    name: Box | None


def _icon_columns(rgb: np.ndarray, line: Box) -> np.ndarray:
    """Columns of `line` that show the gender icon: a vivid blue or pink square.

    The highlighted row is a duller blue (saturation and value below 180), so it does not count.
    """
    part = np.ascontiguousarray(rgb[line.y0:line.y1, line.x0:line.x1])
    hsv = cv2.cvtColor(part, cv2.COLOR_RGB2HSV).astype(np.int16)
    hue, saturation, value = hsv[..., 0], hsv[..., 1], hsv[..., 2]
    blue = (hue >= 95) & (hue <= 112) & (saturation > 180) & (value > 180)
    pink = (hue >= 130) & (hue <= 165) & (saturation > 80) & (value > 140)
    return np.asarray((blue | pink).sum(axis=0) >= 0.2 * line.height)


def _without_icon(rgb: np.ndarray, mask: np.ndarray, line: Box, icon_first: bool) -> Box | None:
    """Cut the gender icon off the outer end of a name line."""
    columns = _icon_columns(rgb, line)
    reach = int(1.5 * line.height)
    if icon_first:
        hits = np.flatnonzero(columns[:reach])
        if hits.size == 0:
            return line
        return ink_box(mask, Box(line.x0 + int(hits[-1]) + 2, line.y0, line.x1, line.y1))
    hits = np.flatnonzero(columns[-reach:])
    if hits.size == 0:
        return line
    cut = line.x1 - min(reach, line.width) + int(hits[0]) - 1
    return ink_box(mask, Box(line.x0, line.y0, cut, line.y1))


def _squad_span(rgb: np.ndarray, mask: np.ndarray, line: Box) -> tuple[int, int] | None:
    """Return the x span of a leading yellow squad tag, or None when the line starts with white text."""
    part = np.ascontiguousarray(rgb[line.y0:line.y1, line.x0:line.x1])
    hsv = cv2.cvtColor(part, cv2.COLOR_RGB2HSV).astype(np.int16)
    yellow = _yellow(hsv[..., 0]) & (hsv[..., 1] > 100) & (hsv[..., 2] > 150)
    white = mask[line.y0:line.y1, line.x0:line.x1] & ~yellow
    yellow_columns = yellow.sum(axis=0)
    white_columns = white.sum(axis=0)
    strong_yellow = np.flatnonzero(yellow_columns >= 0.12 * line.height)
    # A few white columns may remain from the edge of the gender icon before the tag.
    if strong_yellow.size == 0 or strong_yellow[0] > line.height:
        return None
    start = int(strong_yellow[0])
    end = start
    for x in range(start, line.width):
        if white_columns[x] > yellow_columns[x] and white_columns[x] >= 0.15 * line.height:
            break
        if yellow_columns[x] > 0:
            end = x + 1
    if end - start < 0.5 * line.height:
        return None
    return line.x0 + start, line.x0 + end


def _ink_runs(columns: np.ndarray, min_gap: int) -> list[tuple[int, int]]:
    """Return the [start, end) runs of ink columns, joining runs split by gaps under `min_gap` columns."""
    runs: list[tuple[int, int]] = []
    for x in np.flatnonzero(columns):
        if runs and x - runs[-1][1] < min_gap:
            runs[-1] = (runs[-1][0], int(x) + 1)
        else:
            runs.append((int(x), int(x) + 1))
    return runs


def _faded_squad_span(rgb: np.ndarray, mask: np.ndarray, line: Box) -> tuple[int, int] | None:
    """Return the x span of a squad tag whose yellow lost saturation, as in a JPEG, or None.

    JPEG halves the colour resolution, which leaves the tag too pale for `_squad_span`. The
    uploader's own name is pale yellow too, so the first word counts as a tag only when it is
    yellow and the word after it is not, or is clearly less saturated.
    """
    part = np.ascontiguousarray(rgb[line.y0:line.y1, line.x0:line.x1])
    hsv = cv2.cvtColor(part, cv2.COLOR_RGB2HSV).astype(np.int16)
    ink = mask[line.y0:line.y1, line.x0:line.x1]
    ink_columns = np.asarray(ink.any(axis=0))
    runs = [run for run in _ink_runs(ink_columns, max(2, int(FADED_WORD_GAP * line.height)))
            if run[1] - run[0] >= FADED_MIN_WIDTH * line.height]
    if len(runs) < 2:
        return None
    (tag_start, tag_end), (next_start, next_end) = runs[0], runs[1]
    tag, after = ink[:, tag_start:tag_end], ink[:, next_start:next_end]
    tag_hue = float(np.median(hsv[:, tag_start:tag_end, 0][tag]))
    tag_saturation = float(np.median(hsv[:, tag_start:tag_end, 1][tag]))
    after_hue = float(np.median(hsv[:, next_start:next_end, 0][after]))
    after_saturation = float(np.median(hsv[:, next_start:next_end, 1][after]))
    if not (_yellow(tag_hue) and tag_saturation > FADED_MIN_SATURATION):
        return None
    if _yellow(after_hue) and tag_saturation - after_saturation < FADED_CONTRAST:
        return None
    # The first word may begin with the edge of the gender icon, which is not yellow.
    tag_hsv = hsv[:, tag_start:tag_end]
    yellow = tag & _yellow(tag_hsv[..., 0]) & (tag_hsv[..., 1] > FADED_MIN_SATURATION)
    columns = np.flatnonzero(yellow.sum(axis=0) >= 0.12 * line.height)
    if columns.size == 0:
        return None
    return line.x0 + tag_start + int(columns[0]), line.x0 + tag_end


def _yellow(hue: Any) -> Any:
    """Tell whether OpenCV hues (a number or an array) are the squad tags' yellow."""
    return (hue >= YELLOW_HUE[0]) & (hue <= YELLOW_HUE[1])


def name_boxes(rgb: np.ndarray, mask: np.ndarray, cell: Box, icon_first: bool) -> NameBoxes:
    """Find the squad tag (leading yellow text) and the name (the white text after it) in a name cell.

    The gender icon sits before the name on the ally side (`icon_first`) and after it on the enemy side.
    """
    line = ink_box(mask, cell)
    if line is not None:
        line = _without_icon(rgb, mask, line, icon_first)
    if line is None:
        return NameBoxes(None, None)
    span = _squad_span(rgb, mask, line) or _faded_squad_span(rgb, mask, line)
    if span is None:
        return NameBoxes(None, line)
    start, end = span
    squad = ink_box(mask, Box(start, line.y0, end, line.y1))
    name = ink_box(mask, Box(end + 1, line.y0, line.x1, line.y1))
    return NameBoxes(squad, name)
