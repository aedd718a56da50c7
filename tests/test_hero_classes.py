"""Heroes from detector classes named `hero:<Name>`, the model contract for hero-aware detectors."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import pytest

from shared.heroes import NO_MODEL_WARNING
from workers.pipeline.detector import Detection, Detector
from workers.pipeline.identify import NO_DETECTION_PREFIX, heroes_from_detections, identify_heroes
from workers.pipeline.layout import Box

REPO = Path(__file__).resolve().parent.parent
CLASSES = ["player_row", "own_row", "portrait", "hero:Layla", "hero:Chou"]


def players() -> list[dict[str, Any]]:
    return [{"team": team, "slot": slot, "hero": None, "hero_confidence": None}
            for team in ("ally", "enemy") for slot in range(1, 6)]


def row_boxes() -> dict[tuple[str, int], Box]:
    boxes = {}
    for slot in range(1, 6):
        top = 280 + (slot - 1) * 150
        boxes[("ally", slot)] = Box(0, top, 1266, top + 150)
        boxes[("enemy", slot)] = Box(1266, top, 2532, top + 150)
    return boxes


def detection(label: str, centre: tuple[int, int], confidence: float = 0.9) -> Detection:
    x, y = centre
    return Detection(label, Box(x - 50, y - 50, x + 50, y + 50), confidence)


def by_row(rows: list[dict[str, Any]]) -> dict[tuple[str, int], Any]:
    return {(row["team"], row["slot"]): (row["hero"], row["hero_confidence"]) for row in rows}


def test_detection_names_its_row() -> None:
    rows = players()
    heroes_from_detections([detection("hero:Layla", (400, 500)), detection("hero:Chou", (2130, 950))],
                           row_boxes(), rows)
    found = by_row(rows)
    assert found[("ally", 2)] == ("Layla", 0.9)
    assert found[("enemy", 5)] == ("Chou", 0.9)
    assert sum(hero is not None for hero, _ in found.values()) == 2


def test_most_confident_detection_wins() -> None:
    rows = players()
    detections = [detection("hero:Layla", (400, 350), 0.6), detection("hero:Chou", (420, 360), 0.8)]
    heroes_from_detections(detections, row_boxes(), rows)
    assert by_row(rows)[("ally", 1)] == ("Chou", 0.8)


def test_other_classes_ignored() -> None:
    rows = players()
    detections = [detection("portrait", (400, 350)), detection("hero:", (400, 350)),
                  detection("medal_gold", (1130, 350))]
    heroes_from_detections(detections, row_boxes(), rows)
    assert all(row["hero"] is None for row in rows)


def test_detector_heroes_warn_about_missing_rows() -> None:
    rows = players()
    heroes_from_detections([detection("hero:Layla", (400, 350))], row_boxes(), rows)
    warnings: list[str] = []
    identify_heroes(None, None, None, rows, warnings, detector_heroes=True)  # type: ignore[arg-type]
    assert NO_MODEL_WARNING not in warnings
    assert len(warnings) == 1
    assert warnings[0].startswith(NO_DETECTION_PREFIX)
    assert "ally slot 1" not in warnings[0]
    assert "ally slot 2" in warnings[0]


def test_no_hero_model_warning() -> None:
    warnings: list[str] = []
    identify_heroes(None, None, None, players(), warnings)  # type: ignore[arg-type]
    assert warnings == [NO_MODEL_WARNING]


@pytest.fixture(scope="module")
def hero_weights(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An untrained detector whose classes include heroes, saved the way training saves weights."""
    os.environ.setdefault("YOLO_OFFLINE", "1")
    os.environ.setdefault("YOLO_CONFIG_DIR", tempfile.mkdtemp(prefix="skillshift-yolo-"))
    from ultralytics import YOLO

    model = YOLO(str(REPO / "workers" / "training" / "detector.yaml"))
    model.model.names = dict(enumerate(CLASSES))
    path = tmp_path_factory.mktemp("weights") / "heroes.pt"
    model.save(str(path))
    return path


def test_detector_lists_hero_classes(hero_weights: Path) -> None:
    detector = Detector(hero_weights, "cpu")
    assert detector.hero_classes == ["hero:Chou", "hero:Layla"]
    assert "2 hero classes" in detector.loaded


def test_shipped_detector_has_no_hero_classes() -> None:
    detector = Detector(REPO / "workers" / "pipeline" / "weights" / "detector.pt", "cpu")
    assert detector.hero_classes == []
