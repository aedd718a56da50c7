"""Tests of the shipped detector weights on the real screenshots, with the real model."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from workers.training.evaluate import REAL_BOXES, detect, iou, scaled

REPO = Path(__file__).resolve().parent.parent
WEIGHTS = REPO / "workers" / "pipeline" / "weights" / "detector.pt"
CONFIDENCE = 0.25
SIZES = [None, (1280, 591)]
NAMES = ["match-a-scoreboard.png", "match-a-damage.png", "match-b-scoreboard.png", "match-b-damage.png"]


@pytest.fixture(scope="module")
def model() -> Any:
    os.environ["YOLO_OFFLINE"] = "1"
    os.environ.setdefault("YOLO_CONFIG_DIR", tempfile.mkdtemp(prefix="skillshift-yolo-"))
    from ultralytics import YOLO

    if not WEIGHTS.exists():
        pytest.fail(f"detector weights not found at {WEIGHTS}; run python -m workers.training.train_detector")
    return YOLO(str(WEIGHTS))


@pytest.fixture(scope="module")
def imgsz() -> int:
    return int(json.loads(WEIGHTS.with_suffix(".json").read_text())["imgsz"])


@pytest.fixture(scope="module")
def real_boxes() -> dict[str, list[dict[str, Any]]]:
    return dict(json.loads(REAL_BOXES.read_text()))


def load(samples_dir: Path, name: str, size: tuple[int, int] | None) -> Image.Image:
    image = Image.open(samples_dir / name).convert("RGB")
    return image if size is None else image.resize(size, Image.Resampling.BILINEAR)


def labelled(labels: list[dict[str, Any]], name: str) -> list[list[float]]:
    return [item["box"] for item in labels if item["label"] == name]


def best_iou(box: list[float], candidates: list[list[float]]) -> float:
    return max((iou(box, candidate) for candidate in candidates), default=0.0)


def test_weights_metadata() -> None:
    report = json.loads(WEIGHTS.with_suffix(".json").read_text())
    assert WEIGHTS.stat().st_size < 8_000_000
    assert report["classes"][:2] == ["player_row", "own_row"]
    assert "real_samples" in report


@pytest.mark.parametrize("size", SIZES, ids=["full", "1280x591"])
@pytest.mark.parametrize("name", NAMES)
def test_rows_found(
    model: Any,
    imgsz: int,
    samples_dir: Path,
    real_boxes: dict[str, Any],
    name: str,
    size: tuple[int, int] | None,
) -> None:
    image = load(samples_dir, name, size)
    labels = scaled(real_boxes[name], image.width / 2532, image.height / 1170)
    detections = detect(model, image, imgsz, CONFIDENCE)

    rows = [box for label, box in detections if label == "player_row"]
    assert len(rows) == 10
    for row in rows:
        assert best_iou(row, labelled(labels, "player_row")) >= 0.5, row


@pytest.mark.parametrize("size", SIZES, ids=["full", "1280x591"])
@pytest.mark.parametrize("name", NAMES)
def test_header_and_portraits_found(
    model: Any,
    imgsz: int,
    samples_dir: Path,
    real_boxes: dict[str, Any],
    name: str,
    size: tuple[int, int] | None,
) -> None:
    image = load(samples_dir, name, size)
    labels = scaled(real_boxes[name], image.width / 2532, image.height / 1170)
    detections = detect(model, image, imgsz, CONFIDENCE)

    headers = [box for label, box in detections if label == "header"]
    assert len(headers) == 1
    assert iou(headers[0], labelled(labels, "header")[0]) >= 0.5

    portraits = [box for label, box in detections if label == "portrait"]
    for expected in labelled(labels, "portrait"):
        assert best_iou(expected, portraits) >= 0.5, expected
