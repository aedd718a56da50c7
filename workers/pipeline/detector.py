"""Optional YOLO detector for player rows, portraits, medal badges and the header."""

from __future__ import annotations

import logging
import os
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from workers.pipeline.batching import MicroBatcher
from workers.pipeline.layout import Box

logger = logging.getLogger(__name__)

MIN_CONFIDENCE = 0.25
# Detector classes named with this prefix name a hero: a `hero:Layla` box inside a player row makes
# that row's hero "Layla".
HERO_CLASS_PREFIX = "hero:"


@dataclass(frozen=True)
class Detection:
    label: str
    box: Box
    confidence: float

    def as_dict(self) -> dict[str, object]:
        return {"label": self.label, "box": self.box.as_list(), "confidence": round(self.confidence, 4)}


def _offline_ultralytics() -> Any:
    """Import ultralytics with its settings in a private directory and every download path disabled."""
    config_dir = Path(tempfile.gettempdir()) / "skillshift-ultralytics"
    config_dir.mkdir(parents=True, exist_ok=True)
    os.environ["YOLO_CONFIG_DIR"] = str(config_dir)
    os.environ["YOLO_OFFLINE"] = "1"
    import ultralytics

    ultralytics.settings.update({"sync": False})
    return ultralytics


class Detector:
    """A YOLO model loaded once; `detect` returns boxes in full-image pixels."""

    def __init__(self, weights: Path, device: str) -> None:
        if not Path(weights).is_file():
            raise FileNotFoundError(f"detector weights {weights} not found")
        ultralytics = _offline_ultralytics()
        started = time.perf_counter()
        self.model = ultralytics.YOLO(str(weights))
        self.device = device
        self.batcher: MicroBatcher | None = None
        names = self.model.names.values() if isinstance(self.model.names, dict) else self.model.names
        self.hero_classes = sorted(str(n) for n in names if str(n).startswith(HERO_CLASS_PREFIX))
        elapsed = time.perf_counter() - started
        heroes = f", {len(self.hero_classes)} hero classes" if self.hero_classes else ""
        self.loaded = f"yolo detector {Path(weights).name} on {device} in {elapsed:.1f} s{heroes}"
        logger.info("loaded %s", self.loaded)

    def detect(self, rgb: np.ndarray) -> list[Detection]:
        if self.batcher is not None:
            found: list[Detection] = self.batcher.call("yolo", None, rgb)
            return found
        return self.detect_many([rgb])[0]

    def detect_many(self, images: list[np.ndarray]) -> list[list[Detection]]:
        """Run the model once over several images; one list of detections per image, in order."""
        # ultralytics expects BGR for numpy input.
        bgr = [np.ascontiguousarray(rgb[..., ::-1]) for rgb in images]
        results = self.model.predict(bgr, device=self.device, verbose=False, conf=MIN_CONFIDENCE)
        per_image: list[list[Detection]] = []
        for result in results:
            names = result.names
            detections = []
            for xyxy, conf, cls in zip(result.boxes.xyxy.tolist(), result.boxes.conf.tolist(),
                                       result.boxes.cls.tolist(), strict=True):
                box = Box(*(int(round(v)) for v in xyxy))
                detections.append(Detection(str(names[int(cls)]), box, float(conf)))
            per_image.append(detections)
        return per_image
