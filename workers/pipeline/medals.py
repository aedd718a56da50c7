"""Medal badge type from colour statistics of the badge region."""

from __future__ import annotations

import cv2
import numpy as np

MEDALS = ("mvp", "gold", "silver", "bronze")
MIN_BRIGHT_FRACTION = 0.1


def colour_fractions(rgb: np.ndarray) -> dict[str, float]:
    """Share of each badge colour among the bright pixels (OpenCV hue runs 0..180)."""
    hsv = cv2.cvtColor(np.ascontiguousarray(rgb), cv2.COLOR_RGB2HSV).astype(np.int16)
    hue, saturation, value = hsv[..., 0], hsv[..., 1], hsv[..., 2]
    bright = value > 120
    total = max(int(bright.sum()), 1)

    def share(mask: np.ndarray) -> float:
        return float((mask & bright).sum()) / total

    return {
        "bright": float(bright.mean()),
        "gold": share((hue >= 15) & (hue <= 35) & (saturation > 110)),
        "orange": share((hue >= 5) & (hue < 15) & (saturation > 90)),
        "grey": share(saturation < 50),
        "red": share(((hue < 5) | (hue > 165)) & (saturation > 120)),
    }


def classify_medal(rgb: np.ndarray) -> str | None:
    """Return "mvp", "gold", "silver", "bronze" or None.

    Gold MVP badges mix gold with an orange-red ribbon. The losing team's MVP badge is silver
    and purple with red "MVP" letters, so red pixels alone mark an MVP.
    """
    if rgb.size == 0:
        return None
    share = colour_fractions(rgb)
    if share["bright"] < MIN_BRIGHT_FRACTION:
        return None
    if share["red"] >= 0.04:
        return "mvp"
    if share["gold"] >= 0.3:
        return "mvp" if share["orange"] >= 0.1 else "gold"
    if share["orange"] >= 0.3:
        return "bronze"
    if share["grey"] >= 0.8:
        return "silver"
    return None


def medal_from_label(label: str) -> str | None:
    """Map a detector class name such as "medal_gold" or "mvp" to a medal type."""
    name = label.lower()
    for medal in MEDALS:
        if medal in name:
            return medal
    return None


def medal_from_detections(labels_and_centres: list[tuple[str, float, float]], box: tuple[int, int, int, int]
                          ) -> str | None:
    """Return the medal type of the first detection whose centre lies in `box` (x0, y0, x1, y1)."""
    x0, y0, x1, y1 = box
    for label, x, y in labels_and_centres:
        medal = medal_from_label(label)
        if medal is not None and x0 <= x <= x1 and y0 <= y <= y1:
            return medal
    return None
