"""The analyzer: loads the models once and turns one post-match screenshot into a result dict."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from workers.pipeline.batching import MicroBatcher
from workers.pipeline.cells import DIGITS, TEAMS, CellRequest
from workers.pipeline.damage import damage_player, damage_requests
from workers.pipeline.detector import Detection, Detector
from workers.pipeline.gallery import HeroGallery
from workers.pipeline.header import Reading, is_damage_view
from workers.pipeline.identify import heroes_from_detections, identify_heroes
from workers.pipeline.layout import ROWS_PER_TEAM, Box, Layout, Transform, find_layout, normalized
from workers.pipeline.medals import medal_from_detections
from workers.pipeline.models import load_reader, resolve_device
from workers.pipeline.ocr import OcrLine, TextReader, ink_mask
from workers.pipeline.ratings import rating_mask, white_level
from workers.pipeline.result import build_result, header_fields, unknown_result
from workers.pipeline.scoreboard import medal_box, scoreboard_player, scoreboard_requests

logger = logging.getLogger(__name__)

MIN_SIDE_PX = 200
# Only medal detections at least this confident are reported when they disagree with the badge
# colour, because the shipped detector's medal classes are weak on real screens (see detector.json).
MEDAL_WARNING_CONFIDENCE = 0.8
# Header text is detected on a copy scaled so that one row pitch is about this many pixels.
DETECT_PITCH_PX = 80


class AnalysisError(Exception):
    """The image cannot be analysed at all; the message is meant for the person who sent it."""


@dataclass(frozen=True)
class PipelineConfig:
    detector_weights: Path | None = None
    device: str = "auto"
    ocr_model_dir: Path | None = None
    hero_gallery: Path | None = None
    hero_threshold: float = 0.75
    # Above 1, model calls of images analysed at the same time run in batches of up to this many.
    batch_size: int = 1
    batch_window_ms: float = 5.0
    on_batch: Callable[[str, int], None] | None = None


@dataclass
class Scan:
    """Findings of the detecting stage that the reading stage needs.

    `screen` is the image without black bars, resampled to the scale of the cell positions.
    `layout` and every box in here refer to `screen`, and `transform` maps them back.
    """

    screen: np.ndarray
    transform: Transform
    layout: Layout
    detections: list[Detection]
    header_boxes: list[Box]
    footer_boxes: list[Box]
    mask: np.ndarray
    numbers: np.ndarray
    white: np.ndarray
    """Rating digits, at a level that follows how much `screen` was upscaled."""


class Analyzer:
    """EasyOCR (and optionally YOLO and a hero gallery) loaded once; `analyze` handles one image at a time."""

    def __init__(self, text: TextReader, detector: Detector | None, device: str, loaded: list[str],
                 heroes: HeroGallery | None = None) -> None:
        self.text = text
        self.detector = detector
        self.device = device
        self.loaded = loaded
        self.heroes = heroes
        self.batcher: MicroBatcher | None = None

    @classmethod
    def load(cls, config: PipelineConfig) -> Analyzer:
        device = resolve_device(config.device)
        reader, line = load_reader(config.ocr_model_dir, device)
        loaded = [line]
        detector = None
        if config.detector_weights is not None:
            detector = Detector(config.detector_weights, device)
            loaded.append(detector.loaded)
        heroes = None
        if config.hero_gallery is not None:
            heroes = HeroGallery(config.hero_gallery, config.hero_threshold)
            loaded.append(heroes.loaded)
        analyzer = cls(TextReader(reader), detector, device, loaded, heroes)
        if config.batch_size > 1:
            analyzer._start_batching(config)
        return analyzer

    def _start_batching(self, config: PipelineConfig) -> None:
        runners = self.text.runners()
        if self.detector is not None:
            runners["yolo"] = self.detector.detect_many
        window_s = config.batch_window_ms / 1000
        self.batcher = MicroBatcher(runners, config.batch_size, window_s, config.on_batch)
        self.text.batcher = self.batcher
        if self.detector is not None:
            self.detector.batcher = self.batcher
        window = f"{config.batch_window_ms:g} ms"
        self.loaded.append(f"micro-batching of up to {config.batch_size} images, {window} window")

    def close(self) -> None:
        if self.batcher is not None:
            self.batcher.close()

    def analyze(self, image: np.ndarray, on_stage: Callable[[str], None] | None = None) -> dict[str, Any]:
        """Analyse one image. Safe to call from several threads at once only when micro-batching is on."""
        if self.batcher is None:
            return self._analyze(image, on_stage)
        with self.batcher.job():
            return self._analyze(image, on_stage)

    def _analyze(self, image: np.ndarray, on_stage: Callable[[str], None] | None) -> dict[str, Any]:
        rgb = _validated(image)
        timings: dict[str, float] = {"detecting": 0.0, "reading": 0.0, "parsing": 0.0}
        warnings: list[str] = []
        if self.detector is None:
            warnings.append("detector skipped: no detector weights configured")

        with _stage("detecting", timings, on_stage):
            detections = self.detector.detect(rgb) if self.detector is not None else []
            try:
                scan = self._scan(rgb, detections)
            except (cv2.error, ValueError, IndexError):
                logger.exception("layout of a %dx%d image could not be measured", rgb.shape[1], rgb.shape[0])
                scan = None
        if scan is None:
            warnings.append("not a post-match screen: the team header band was not found")
            return unknown_result(rgb, detections, timings, warnings)

        try:
            result = self._read_and_parse(rgb, scan, timings, warnings, on_stage)
        except (cv2.error, ValueError, IndexError):
            # A screen that passed the layout checks but whose rows make no sense (a crop, a collage,
            # a solid colour) ends as "unknown" with a warning instead of failing the job.
            logger.exception("rows of a %dx%d image could not be read", rgb.shape[1], rgb.shape[0])
            warnings.append("not a post-match screen: the player rows could not be read")
            return unknown_result(rgb, detections, timings, warnings)
        logger.debug("analyzed %s view in %.0f ms", result["view"], sum(timings.values()))
        return result

    def _read_and_parse(self, rgb: np.ndarray, scan: Scan, timings: dict[str, float], warnings: list[str],
                        on_stage: Callable[[str], None] | None) -> dict[str, Any]:
        with _stage("reading", timings, on_stage):
            grey = cv2.cvtColor(scan.screen, cv2.COLOR_RGB2GRAY)
            header = self._read_twice(grey, scan.header_boxes)
            footer = self._read_twice(grey, scan.footer_boxes)
            view = "damage" if is_damage_view(header) else "scoreboard"
            # Closing rejoins strokes of badge digits that JPEG artifacts broke at the white level.
            kernel = np.ones((3, 3), np.uint8)
            white = cv2.morphologyEx(scan.white.astype(np.uint8) * 255, cv2.MORPH_CLOSE, kernel)
            sources = {"grey": grey, "white": white}
            cells = self._read_cells(sources, self._requests(scan, view))

        with _stage("parsing", timings, on_stage):
            return self._parse(rgb, scan, view, header, footer, cells, timings, warnings)

    def _scan(self, rgb: np.ndarray, detections: list[Detection]) -> Scan | None:
        found = find_layout(rgb)
        if found is None:
            return None
        screen, transform = normalized(rgb, found)
        layout = find_layout(screen)
        if layout is None:
            return None
        scale = min(1.0, DETECT_PITCH_PX / layout.pitch)
        header_boxes = self.text.detect(screen, layout.header(), scale)
        footer_boxes = self.text.detect(screen, layout.footer(), scale)
        white = rating_mask(screen, white_level(transform.scale_y))
        return Scan(screen, transform, layout, detections, header_boxes, footer_boxes,
                    ink_mask(screen), ink_mask(screen, yellow=False), white)

    @staticmethod
    def _requests(scan: Scan, view: str) -> list[CellRequest]:
        if view == "damage":
            return damage_requests(scan.layout, scan.screen, scan.mask, scan.numbers)
        return scoreboard_requests(scan.layout, scan.screen, scan.mask, scan.numbers, scan.white)

    def _read_twice(self, grey: np.ndarray, boxes: list[Any]) -> list[Reading]:
        free = self.text.read(grey, boxes)
        digits = self.text.read(grey, boxes, DIGITS + ":")
        return [Reading(f, d) for f, d in zip(free, digits, strict=True)]

    def _read_cells(self, sources: dict[str, np.ndarray],
                    requests: list[CellRequest]) -> dict[tuple[str, int, str], OcrLine]:
        groups: dict[tuple[str | None, str], list[CellRequest]] = {}
        for request in requests:
            groups.setdefault((request.allowlist, request.source), []).append(request)
        readings: dict[tuple[str, int, str], OcrLine] = {}
        for (allowlist, source), group in groups.items():
            lines = self.text.read(sources[source], [r.box for r in group], allowlist)
            readings.update({r.key: line for r, line in zip(group, lines, strict=True)})
        return readings

    def _parse(self, rgb: np.ndarray, scan: Scan, view: str, header: list[Reading], footer: list[Reading],
               cells: dict[tuple[str, int, str], OcrLine], timings: dict[str, float],
               warnings: list[str]) -> dict[str, Any]:
        match = header_fields(header, footer, scan.layout.mid, warnings)
        players = self._players(scan, view, cells, warnings)
        detector_heroes = self.detector is not None and bool(self.detector.hero_classes)
        if detector_heroes:
            heroes_from_detections(scan.detections, self._row_boxes(scan), players)
        identify_heroes(self.heroes, scan.screen, scan.layout, players, warnings, detector_heroes)
        lines = [r.free for r in header] + [r.digits for r in footer] + list(cells.values())
        to_source = scan.transform.to_source
        text_lines = [OcrLine(line.text, to_source(line.box), line.confidence) for line in lines]
        return build_result(rgb, view, match, players, text_lines, scan.detections, timings, warnings)

    @staticmethod
    def _row_boxes(scan: Scan) -> dict[tuple[str, int], Box]:
        """Whole player rows in the caller's image, where detections are."""
        across = (0.0, scan.layout.mid / scan.layout.pitch)
        return {
            (team, slot): scan.transform.to_source(scan.layout.cell(team, slot, across, (0.0, 1.0)))
            for team in TEAMS for slot in range(1, ROWS_PER_TEAM + 1)
        }

    def _players(self, scan: Scan, view: str, cells: dict[tuple[str, int, str], OcrLine],
                 warnings: list[str]) -> list[dict[str, Any]]:
        centres = _centres(scan.detections)
        confident = _centres(scan.detections, MEDAL_WARNING_CONFIDENCE)
        disagreements = []
        players = []
        for team in TEAMS:
            for slot in range(1, ROWS_PER_TEAM + 1):
                if view == "damage":
                    players.append(damage_player(team, slot, cells, scan.layout))
                    continue
                player = scoreboard_player(team, slot, cells, scan.screen, scan.layout)
                badge = scan.transform.to_source(medal_box(scan.layout, team, slot))
                detected = medal_from_detections(centres, (badge.x0, badge.y0, badge.x1, badge.y1))
                # Badge colours are right on every real sample, so the detector only fills a gap.
                confident_medal = medal_from_detections(confident, (badge.x0, badge.y0, badge.x1, badge.y1))
                if player["medal"] is None:
                    player["medal"] = detected
                elif confident_medal is not None and confident_medal != player["medal"]:
                    colour = player["medal"]
                    disagreements.append(f"{team} slot {slot} ({colour} by colour, {confident_medal} found)")
                players.append(player)
        if disagreements:
            warnings.append("medal detector disagrees with badge colours: " + ", ".join(disagreements))
        return players


def _centres(detections: list[Detection], min_confidence: float = 0.0) -> list[tuple[str, float, float]]:
    """Return the label and box centre of each detection at least `min_confidence` sure."""
    return [
        (d.label, (d.box.x0 + d.box.x1) / 2, (d.box.y0 + d.box.y1) / 2)
        for d in detections if d.confidence >= min_confidence
    ]


@contextmanager
def _stage(name: str, timings: dict[str, float], on_stage: Callable[[str], None] | None) -> Iterator[None]:
    if on_stage is not None:
        on_stage(name)
    started = time.perf_counter()
    try:
        yield
    finally:
        timings[name] = round((time.perf_counter() - started) * 1000, 1)


def _validated(image: Any) -> np.ndarray:
    if not isinstance(image, np.ndarray):
        raise AnalysisError(f"expected an image array, got {type(image).__name__}")
    if image.ndim != 3 or image.shape[2] != 3:
        raise AnalysisError(f"expected an RGB image with 3 channels, got shape {image.shape}")
    if image.dtype != np.uint8:
        raise AnalysisError(f"expected 8-bit pixels, got {image.dtype}")
    height, width = image.shape[:2]
    if min(height, width) < MIN_SIDE_PX:
        raise AnalysisError(
            f"image is {width}x{height} px; send a full screenshot, at least {MIN_SIDE_PX} px a side"
        )
    return np.ascontiguousarray(image)
