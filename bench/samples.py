"""The real sample screenshots that the benchmarks run on."""

from __future__ import annotations

import os
from pathlib import Path

import cv2
import numpy as np

REPO = Path(__file__).resolve().parent.parent
SAMPLES = Path(os.environ.get("SKILLSHIFT_SAMPLES", REPO / "tests" / "data" / "real"))
NAMES = ["match-a-scoreboard.png", "match-a-damage.png", "match-b-scoreboard.png", "match-b-damage.png"]


def load_rgb(path: Path) -> np.ndarray:
    image = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if image is None:
        raise SystemExit(f"could not read {path}; set SKILLSHIFT_SAMPLES to the folder of real samples")
    return cv2.cvtColor(image, cv2.COLOR_BGR2RGB)
