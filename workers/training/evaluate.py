"""Precision and recall per class of a detector on the hand-labelled real screenshots."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from PIL import Image

logger = logging.getLogger(__name__)

REPO = Path(__file__).resolve().parents[2]
REAL_BOXES = REPO / "tests" / "data" / "real_boxes.json"
IOU_THRESHOLD = 0.5
Detection = tuple[str, list[float]]


def iou(a: Iterable[float], b: Iterable[float]) -> float:
    ax0, ay0, ax1, ay1 = a
    bx0, by0, bx1, by1 = b
    width = max(0.0, min(ax1, bx1) - max(ax0, bx0))
    height = max(0.0, min(ay1, by1) - max(ay0, by0))
    overlap = width * height
    union = (ax1 - ax0) * (ay1 - ay0) + (bx1 - bx0) * (by1 - by0) - overlap
    return overlap / union if union > 0 else 0.0


def detect(model: Any, image: Image.Image, imgsz: int, conf: float) -> list[Detection]:
    """Run `model` (an `ultralytics.YOLO`) on one image and return (label, [x0, y0, x1, y1]) pairs."""
    result = model.predict(image, imgsz=imgsz, conf=conf, verbose=False)[0]
    names = result.names
    return [
        (names[int(cls)], [float(v) for v in box])
        for cls, box in zip(result.boxes.cls.tolist(), result.boxes.xyxy.tolist(), strict=True)
    ]


def match_counts(detections: list[Detection], labels: list[dict[str, Any]]) -> dict[str, list[int]]:
    """Count [true positives, false positives, false negatives] per class with greedy IoU matching."""
    counts: dict[str, list[int]] = {}
    classes = {label for label, _ in detections} | {item["label"] for item in labels}
    for name in classes:
        truth = [item["box"] for item in labels if item["label"] == name]
        found = [box for label, box in detections if label == name]
        unmatched = list(range(len(truth)))
        tp = 0
        for box in found:
            scores = [(iou(box, truth[i]), i) for i in unmatched]
            best = max(scores, default=(0.0, -1))
            if best[0] >= IOU_THRESHOLD:
                unmatched.remove(best[1])
                tp += 1
        counts[name] = [tp, len(found) - tp, len(unmatched)]
    return counts


def scaled(labels: list[dict[str, Any]], sx: float, sy: float) -> list[dict[str, Any]]:
    return [
        {
            "label": item["label"],
            "box": [item["box"][0] * sx, item["box"][1] * sy, item["box"][2] * sx, item["box"][3] * sy],
        }
        for item in labels
    ]


def evaluate_real(
    model: Any,
    samples: Path,
    imgsz: int,
    conf: float = 0.25,
    sizes: tuple[tuple[int, int] | None, ...] = (None, (1280, 591)),
) -> dict[str, dict[str, float]]:
    """Compare detections on each real sample with the hand labels, at its own size and at each of `sizes`."""
    real_boxes = json.loads(REAL_BOXES.read_text())
    totals: dict[str, list[int]] = {}
    for name, labels in real_boxes.items():
        original = Image.open(samples / name).convert("RGB")
        for size in sizes:
            image = original if size is None else original.resize(size, Image.Resampling.BILINEAR)
            expected = scaled(labels, image.width / original.width, image.height / original.height)
            for label, (tp, fp, fn) in match_counts(detect(model, image, imgsz, conf), expected).items():
                total = totals.setdefault(label, [0, 0, 0])
                total[0] += tp
                total[1] += fp
                total[2] += fn
    return {label: summarize(*counts) for label, counts in sorted(totals.items())}


def summarize(tp: int, fp: int, fn: int) -> dict[str, float]:
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    return {"precision": round(precision, 3), "recall": round(recall, 3), "tp": tp, "fp": fp, "fn": fn}
