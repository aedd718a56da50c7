"""Hero identification: compare a player's portrait with a gallery of labelled portraits.

A portrait becomes a 24x24 CIELAB thumbnail of the inside of its ring, with the corners where the
game draws the flag and the level number left out on both sides, so ally and enemy crops compare
alike. The thumbnail is centred (zero mean per channel) and scaled to unit length, so the dot
product of two descriptors is their Pearson correlation. The query is compared at every shift of
up to `MAX_SHIFT` half-pixels, which absorbs small errors of the row layout.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

THUMB_SIDE = 24
# Thumbnails are averaged from a 2x larger image, so shifts come in half-pixel steps. The box sum
# in `_masked_thumbnails` assumes this factor.
UPSAMPLE = 2
MAX_SHIFT = 3
# Fractions of the portrait square's side (the ring's outer radius is about 0.45).
DISC_RADIUS = 0.40
FLAG_CENTRE = (0.17, 0.14)
FLAG_RADIUS = 0.19
LEVEL_CORNER = (0.45, 0.70)
CANDIDATES_SHOWN = 2


def _thumb_mask() -> np.ndarray:
    side = THUMB_SIDE * UPSAMPLE
    rows, cols = np.mgrid[0:side, 0:side] + 0.5
    u, v = cols / side, rows / side
    keep = np.hypot(u - 0.5, v - 0.5) < DISC_RADIUS
    for x in (u, 1 - u):
        keep &= np.hypot(x - FLAG_CENTRE[0], v - FLAG_CENTRE[1]) >= FLAG_RADIUS
        keep &= ~((x < LEVEL_CORNER[0]) & (v > LEVEL_CORNER[1]))
    # A thumbnail pixel counts only when all of its upsampled pixels are inside the mask.
    return keep.reshape(THUMB_SIDE, UPSAMPLE, THUMB_SIDE, UPSAMPLE).all(axis=(1, 3))


MASK = _thumb_mask()
DESCRIPTOR_SIZE = int(MASK.sum()) * 3


def _lab(portrait: np.ndarray, margin: int) -> np.ndarray:
    """Resize the RGB portrait and convert it to CIELAB floats, padded by `margin` pixels on each side."""
    side = THUMB_SIDE * UPSAMPLE
    interpolation = cv2.INTER_AREA if min(portrait.shape[:2]) >= side else cv2.INTER_CUBIC
    resized = cv2.resize(portrait, (side, side), interpolation=interpolation)
    lab = cv2.cvtColor(resized.astype(np.float32) / 255.0, cv2.COLOR_RGB2LAB)
    if margin:
        lab = cv2.copyMakeBorder(lab, margin, margin, margin, margin, cv2.BORDER_REFLECT)
    return lab


def _unit_vectors(pixels: np.ndarray) -> np.ndarray:
    """Turn (n, pixels, 3) masked thumbnail pixels into unit vectors, each channel centred first."""
    centred = pixels - pixels.mean(axis=1, keepdims=True)
    vectors = centred.reshape(len(pixels), -1)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return (vectors / np.maximum(norms, 1e-6)).astype(np.float32)


def _masked_thumbnails(lab: np.ndarray, shifts: int) -> np.ndarray:
    """Return the masked thumbnail pixels at each of `shifts` x `shifts` offsets, as (n, pixels, 3).

    Each thumbnail pixel is the mean of a 2x2 block of the upsampled image, so one box sum serves
    every offset. Offset (dy, dx) reads the box sums at rows dy + 2 * row and columns dx + 2 * col.
    """
    box = (lab[:-1, :-1] + lab[1:, :-1] + lab[:-1, 1:] + lab[1:, 1:]) / 4
    rows, cols = np.nonzero(MASK)
    offsets = np.arange(shifts)
    y = offsets[:, None, None] + UPSAMPLE * rows[None, None, :]
    x = offsets[None, :, None] + UPSAMPLE * cols[None, None, :]
    return box[y, x].reshape(shifts * shifts, len(rows), 3)


def portrait_descriptor(portrait: np.ndarray) -> np.ndarray:
    """Return the descriptor of an RGB portrait square, as stored for a gallery image."""
    return _unit_vectors(_masked_thumbnails(_lab(portrait, 0), 1))[0]


def shifted_descriptors(portrait: np.ndarray) -> np.ndarray:
    """Return descriptors of the portrait shifted by each offset up to `MAX_SHIFT` half-pixels."""
    return _unit_vectors(_masked_thumbnails(_lab(portrait, MAX_SHIFT), 2 * MAX_SHIFT + 1))


@dataclass(frozen=True)
class HeroMatch:
    """The best gallery hero for one portrait; `hero` is None when `score` is below the threshold."""

    hero: str | None
    score: float
    candidates: list[tuple[str, float]]


class HeroIndex:
    """Descriptors of every gallery image, one row per image, with the hero name of each row."""

    def __init__(self, heroes: list[str], descriptors: np.ndarray) -> None:
        if len(heroes) != len(descriptors):
            raise ValueError(
                f"expected one hero name per descriptor, got {len(heroes)} names and {len(descriptors)}"
            )
        self.heroes = heroes
        self.names = sorted(set(heroes))
        self.descriptors = descriptors.reshape(len(heroes), DESCRIPTOR_SIZE).astype(np.float32)
        position = {name: column for column, name in enumerate(self.names)}
        self._hero_of_row = np.array([position[hero] for hero in heroes], dtype=np.int64)
        self._by_column = np.ascontiguousarray(self.descriptors.T)

    @classmethod
    def empty(cls) -> HeroIndex:
        return cls([], np.zeros((0, DESCRIPTOR_SIZE), dtype=np.float32))

    def __len__(self) -> int:
        return len(self.heroes)

    def scores(self, portrait: np.ndarray) -> dict[str, float]:
        """Return the best correlation of the portrait with each hero's gallery images."""
        if not self.heroes:
            return {}
        per_image = (shifted_descriptors(portrait) @ self._by_column).max(axis=0)
        best = np.full(len(self.names), -1.0, dtype=np.float32)
        np.maximum.at(best, self._hero_of_row, per_image)
        return {name: float(score) for name, score in zip(self.names, best, strict=True)}

    def match(self, portrait: np.ndarray, threshold: float) -> HeroMatch:
        ranked = sorted(self.scores(portrait).items(), key=lambda item: item[1], reverse=True)
        if not ranked:
            return HeroMatch(None, 0.0, [])
        candidates = [(name, round(max(score, 0.0), 3)) for name, score in ranked[:CANDIDATES_SHOWN]]
        best, score = candidates[0]
        return HeroMatch(best if score >= threshold else None, score, candidates)
