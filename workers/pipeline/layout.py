"""Screen geometry found from colours: content area, team header band, highlighted row, row bands."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

ROWS_PER_TEAM = 5
# Row pitch divided by the height of the highlighted band; the rest is the separator line.
PITCH_PER_HIGHLIGHT = 152 / 141
# Row pitch divided by the height of the red enemy header band, used when no row is highlighted.
PITCH_PER_BAND = 152 / 63
BLACK_LEVEL = 24
# Cell positions, colour rules and glyph sizes are measured on 2532x1170 screenshots, where a
# row is 152 px high and the screen is 16.69 rows wide. Images are resampled to that scale.
CANONICAL_PITCH_PX = 152
CONTENT_WIDTH_IN_PITCHES = 2532 / 151.75
MIN_BAND_FRACTION = 0.3
MIN_HIGHLIGHT_FRACTION = 0.5
# Plausibility limits that keep images which merely contain red from passing as a post-match
# screen: the enemy header band is about 5 % of the screen high (63 of 1170 px), covers the right
# half only, and starts near the centre line.
MAX_BAND_FRACTION = 0.12
MAX_MID_OFFSET_FRACTION = 0.15


@dataclass(frozen=True)
class Box:
    """Axis-aligned box in full-image pixels, right and bottom edges exclusive."""

    x0: int
    y0: int
    x1: int
    y1: int

    @property
    def width(self) -> int:
        return self.x1 - self.x0

    @property
    def height(self) -> int:
        return self.y1 - self.y0

    def as_list(self) -> list[int]:
        return [self.x0, self.y0, self.x1, self.y1]


@dataclass(frozen=True)
class Layout:
    """Position of the post-match table in the image.

    `pitch` is the row pitch in pixels. The game scales its UI with the screen height, so every
    cell position is expressed in pitch units from `mid`, the line between the teams.
    """

    content: Box
    band_top: int
    band_bottom: int
    mid: int
    pitch: float
    you_slot: int | None

    def row_top(self, slot: int) -> float:
        return self.band_bottom + (slot - 1) * self.pitch

    def cell(self, team: str, slot: int, x_range: tuple[float, float], y_range: tuple[float, float]) -> Box:
        """Return a cell box from pitch units: x outward from `mid` on the team side, y from the row top."""
        near, far = x_range
        if team == "ally":
            left, right = self.mid - far * self.pitch, self.mid - near * self.pitch
        else:
            left, right = self.mid + near * self.pitch, self.mid + far * self.pitch
        top = self.row_top(slot) + y_range[0] * self.pitch
        bottom = self.row_top(slot) + y_range[1] * self.pitch
        return self._clip(Box(round(left), round(top), round(right), round(bottom)))

    def header(self) -> Box:
        """Return the area above the team rows: scores, result title, duration and the column labels."""
        return Box(self.content.x0, self.content.y0, self.content.x1, self.band_bottom)

    def footer(self) -> Box:
        """Return the strip below the last row that contains the battle id."""
        top = self.row_top(ROWS_PER_TEAM + 1)
        return self._clip(Box(self.content.x0, round(top - 0.05 * self.pitch),
                              self.mid, round(top + 0.3 * self.pitch)))

    def _clip(self, box: Box) -> Box:
        c = self.content
        return Box(max(box.x0, c.x0), max(box.y0, c.y0), min(box.x1, c.x1), min(box.y1, c.y1))


def find_content(image: np.ndarray) -> Box:
    """Return the box inside black bars that letterboxing or pillarboxing added."""
    bright = image.max(axis=2) > BLACK_LEVEL
    rows = np.flatnonzero(bright.mean(axis=1) > 0.02)
    cols = np.flatnonzero(bright.mean(axis=0) > 0.02)
    if rows.size == 0 or cols.size == 0:
        return Box(0, 0, image.shape[1], image.shape[0])
    return Box(int(cols[0]), int(rows[0]), int(cols[-1]) + 1, int(rows[-1]) + 1)


def find_layout(image: np.ndarray) -> Layout | None:
    """Locate the table from the red enemy header band and the highlighted row; None when absent."""
    content = find_content(image)
    view = image[content.y0:content.y1, content.x0:content.x1].astype(np.int16)
    red, green, blue = view[..., 0], view[..., 1], view[..., 2]
    centre = view.shape[1] // 2

    band_mask = (red > blue + 15) & (red > green + 20)
    band_rows = _longest_run(band_mask[:, centre:].mean(axis=1) > MIN_BAND_FRACTION)
    if band_rows is None or band_rows[1] - band_rows[0] < view.shape[0] * 0.02:
        return None
    band_top, band_bottom = band_rows
    if band_bottom - band_top > view.shape[0] * MAX_BAND_FRACTION:
        return None
    if band_mask[band_top:band_bottom, :centre].mean() > MIN_BAND_FRACTION:
        return None
    band_cols = band_mask[band_top:band_bottom].mean(axis=0) > 0.5
    mid = int(np.argmax(band_cols)) if band_cols.any() else centre
    if abs(mid - centre) > view.shape[1] * MAX_MID_OFFSET_FRACTION:
        return None

    highlight = (green > red + 50) & (blue > 150)
    strip = highlight[band_bottom:, : max(mid // 3, 1)].mean(axis=1) > MIN_HIGHLIGHT_FRACTION
    lit = _longest_run(strip)
    pitch, you_slot = _pitch_from_highlight(lit, band_bottom - band_top)
    if band_bottom + ROWS_PER_TEAM * pitch > view.shape[0] * 1.02:
        return None

    return Layout(
        content=content,
        band_top=content.y0 + band_top,
        band_bottom=content.y0 + band_bottom,
        mid=content.x0 + mid,
        pitch=pitch,
        you_slot=you_slot,
    )


def _pitch_from_highlight(lit: tuple[int, int] | None, band_height: int) -> tuple[float, int | None]:
    if lit is None or lit[1] - lit[0] < band_height:
        return band_height * PITCH_PER_BAND, None
    top, bottom = lit
    pitch = (bottom - top) * PITCH_PER_HIGHLIGHT
    slot = int(round(top / pitch)) + 1
    if slot > 1:
        pitch = top / (slot - 1)
    if not 1 <= slot <= ROWS_PER_TEAM:
        return band_height * PITCH_PER_BAND, None
    return pitch, slot


def _longest_run(flags: np.ndarray) -> tuple[int, int] | None:
    """Return [start, end) of the longest run of True values."""
    best: tuple[int, int] | None = None
    start = None
    for index, flag in enumerate([*flags.tolist(), False]):
        if flag and start is None:
            start = index
        elif not flag and start is not None:
            if best is None or index - start > best[1] - best[0]:
                best = (start, index)
            start = None
    return best


@dataclass(frozen=True)
class Transform:
    """Maps boxes of the resampled screen back to the caller's image."""

    x0: int
    y0: int
    scale_x: float
    scale_y: float

    def to_source(self, box: Box) -> Box:
        return Box(
            self.x0 + int(box.x0 / self.scale_x), self.y0 + int(box.y0 / self.scale_y),
            self.x0 + int(np.ceil(box.x1 / self.scale_x)), self.y0 + int(np.ceil(box.y1 / self.scale_y)),
        )


def normalized(image: np.ndarray, layout: Layout) -> tuple[np.ndarray, Transform]:
    """Cut off black bars and resample the screen to the scale the cell positions were measured at.

    The vertical scale comes from the row pitch. The horizontal one comes from the content width,
    so a screenshot stretched to another aspect ratio is stretched back.
    NOTE: only resampled and letterboxed screenshots are tested. A phone whose game UI is laid
    out for another aspect ratio may need its own horizontal positions.
    """
    content = layout.content
    scale_y = CANONICAL_PITCH_PX / layout.pitch
    scale_x = CONTENT_WIDTH_IN_PITCHES * CANONICAL_PITCH_PX / content.width
    crop = image[content.y0:content.y1, content.x0:content.x1]
    size = (round(content.width * scale_x), round(content.height * scale_y))
    interpolation = cv2.INTER_AREA if scale_y < 1 else cv2.INTER_CUBIC
    resampled = cv2.resize(crop, size, interpolation=interpolation)
    return resampled, Transform(content.x0, content.y0, scale_x, scale_y)
