"""Rating cells: the number on the medal badge, read as integer part and decimal digit around its dot.

EasyOCR reads the small dot of "7.2" as a "1" on these badges, so the dot is found as a
connected component and the digits on each side are recognized separately.
"""

from __future__ import annotations

import cv2
import numpy as np

from workers.pipeline.layout import Box

# Rating digits are pure white; the silver badge behind them stays below this level.
RATING_WHITE_LEVEL = 200
# Upscaling a small screenshot blurs the thin strokes of the digits: on the real samples resized
# to 1280x591 and upscaled twice, their brightest pixels reach about 220 and many stay under 200.
# Of the levels tried there (170, 185, 200), 185 read the most ratings right.
UPSCALED_WHITE_LEVEL = 185
# Width of the widest integer part, "10" or "18", in digit heights.
MAX_INTEGER_WIDTH = 2.0

Component = tuple[int, int, int, int]


def white_level(upscale: float) -> float:
    """Return the level above which pixels count as rating ink on a screen upscaled `upscale` times.

    The level falls linearly from RATING_WHITE_LEVEL at the screenshot's own size to
    UPSCALED_WHITE_LEVEL at twice that size or more.
    """
    share = min(max(upscale - 1.0, 0.0), 1.0)
    return RATING_WHITE_LEVEL - share * (RATING_WHITE_LEVEL - UPSCALED_WHITE_LEVEL)


def rating_mask(rgb: np.ndarray, level: float = RATING_WHITE_LEVEL) -> np.ndarray:
    """Mark the pixels whose every channel is above `level`: the digits on the medal badges."""
    return rgb.min(axis=2) > level


def _components(mask: np.ndarray, cell: Box, pitch: float) -> list[Component]:
    part = mask[cell.y0:cell.y1, cell.x0:cell.x1].astype(np.uint8)
    # Thin strokes break at the white threshold. A vertical closing rejoins a glyph but does not
    # join it to the dot beside it.
    kernel = np.ones((max(3, int(0.05 * pitch)), 1), np.uint8)
    closed = cv2.morphologyEx(part, cv2.MORPH_CLOSE, kernel)
    count, _labels, stats, _centroids = cv2.connectedComponentsWithStats(closed, connectivity=8)
    return [(int(s[0]) + cell.x0, int(s[1]) + cell.y0, int(s[2]), int(s[3])) for s in stats[1:count]]


def _box(parts: list[Component], margin: int) -> Box:
    return Box(min(p[0] for p in parts) - margin, min(p[1] for p in parts) - margin,
               max(p[0] + p[2] for p in parts) + margin, max(p[1] + p[3] for p in parts) + margin)


def rating_boxes(mask: np.ndarray, cell: Box, pitch: float) -> tuple[Box, Box] | None:
    """Return the boxes of the integer digits and of the decimal digit, or None without a dot."""
    parts = _components(mask, cell, pitch)
    digits = [p for p in parts if 0.1 * pitch <= p[3] <= 0.3 * pitch and p[2] <= p[3]]
    if not digits:
        return None
    baseline = float(np.median([p[1] + p[3] for p in digits]))
    # Badge points can join the top of a digit, so the glyph height comes from clean digits.
    clean = [p for p in digits if p[1] > cell.y0] or digits
    height = float(np.median([p[3] for p in clean]))
    dots = [p for p in parts if p[3] < 0.4 * height and p[2] < 0.4 * height
            and abs(p[1] + p[3] - baseline) < 0.2 * height]
    for dot in sorted(dots, key=lambda p: abs(p[0] - (cell.x0 + cell.x1) / 2)):
        split = _split_at(dot, digits, parts, height)
        if split is not None:
            margin = max(2, int(height // 5))
            integer, decimal = _box(split[0], margin), _box(split[1], margin)
            # Keep the dot out of both crops: EasyOCR reads it as a "1".
            top, bottom = int(baseline - height) - margin, int(baseline) + margin
            leftmost = int(dot[0] - MAX_INTEGER_WIDTH * height)
            integer = Box(max(integer.x0, leftmost), top, min(integer.x1, dot[0]), bottom)
            decimal = Box(max(decimal.x0, dot[0] + dot[2]), top, decimal.x1, bottom)
            return integer, decimal
    return None


def _split_at(dot: Component, digits: list[Component], parts: list[Component], height: float
              ) -> tuple[list[Component], list[Component]] | None:
    max_gap = 0.5 * height
    left = sorted((p for p in digits if p[0] + p[2] <= dot[0] + 1), key=lambda p: -p[0])
    right = sorted((p for p in digits if p[0] >= dot[0] + dot[2] - 1), key=lambda p: p[0])
    if not left or not right or right[0][0] - (dot[0] + dot[2]) > max_gap:
        return None
    chain = [left[0]]
    if dot[0] - (left[0][0] + left[0][2]) > max_gap:
        return None
    for part in left[1:]:
        too_far = chain[-1][0] - (part[0] + part[2]) > 0.5 * height
        # Measured from the part's right edge: a badge point joined to a "1" widens it to the left.
        too_wide = dot[0] - (part[0] + part[2]) > MAX_INTEGER_WIDTH * height
        if too_far or too_wide:
            break
        chain.append(part)
    # The decimal digit can break into pieces at the white threshold, so every piece up to one
    # digit width after the dot belongs to it.
    dot_right = dot[0] + dot[2]
    decimal = [
        p for p in parts
        if dot_right - 1 <= p[0] <= dot_right + 0.7 * height and p[3] >= 0.15 * height
    ]
    return chain, decimal or [right[0]]


def rating_line(mask: np.ndarray, cell: Box, pitch: float) -> Box | None:
    """Return the box around all rating glyphs on one line, for reading when no dot was found."""
    parts = _components(mask, cell, pitch)
    digits = [p for p in parts if 0.1 * pitch <= p[3] <= 0.3 * pitch and p[2] <= p[3]]
    if not digits:
        return None
    baseline = float(np.median([p[1] + p[3] for p in digits]))
    height = float(np.median([p[3] for p in digits]))
    line = [p for p in parts if abs(p[1] + p[3] - baseline) < 0.25 * height]
    return _box(line, max(2, int(height // 5)))
