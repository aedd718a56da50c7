"""Hero identification from a portrait gallery: top-1 accuracy, false matches and speed.

Run: nice -n 10 .venv/bin/python bench/heroes.py [--methods thumbnail,histogram,orb,sift] [--threshold 0.75]

The real samples carry placeholder hero labels in tests/data/hero_labels.json. Each of two folds
builds a gallery from one scoreboard screenshot (match a or match b) without two of its heroes,
then identifies every labelled portrait of the four samples: at their own size as PNG, and
resized to three phone sizes and saved as JPEG. The gallery's own screenshot at its own size is
left out, since its portraits are the gallery images. A query is "known" when its label is in
the gallery, else "unknown".

For each method it prints: top-1 accuracy on known portraits (the best hero is the right one), the
lowest score of a right match and the highest score on an unknown portrait (a threshold between
them accepts every right match and no false one), the false matches at the threshold (unknown
portraits or wrong heroes at or above it), and milliseconds per portrait for the descriptor and
the comparison with the whole gallery. `thumbnail` is the method SkillShift uses; the others
exist here only to compare with it, and their threshold is the midpoint of their score gap.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from workers.pipeline.heroes import MASK, HeroIndex, portrait_descriptor  # noqa: E402
from workers.pipeline.portraits import crop_portrait, locate_screen  # noqa: E402

SAMPLES = Path(os.environ.get("SKILLSHIFT_SAMPLES", REPO / "tests" / "data" / "real"))
LABELS = REPO / "tests" / "data" / "hero_labels.json"
FOLDS = {
    "match-a-scoreboard.png": {"hero-a9", "hero-a10"},
    "match-b-scoreboard.png": {"hero-b9", "hero-b10"},
}
# (width, height, JPEG quality); None keeps the PNG at its own size.
VARIANTS: list[tuple[int, int, int] | None] = [None, (1920, 886, 80), (1280, 591, 70), (3200, 1479, 90)]
PADDED_GALLERY = 600


@dataclass(frozen=True)
class Portrait:
    screenshot: str
    variant: str
    row: str
    label: str
    image: np.ndarray


def load_rgb(path: Path) -> np.ndarray:
    image = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if image is None:
        raise SystemExit(f"could not read {path}; set SKILLSHIFT_SAMPLES to the folder of real samples")
    return cv2.cvtColor(image, cv2.COLOR_BGR2RGB)


def apply_variant(rgb: np.ndarray, variant: tuple[int, int, int] | None) -> np.ndarray:
    if variant is None:
        return rgb
    width, height, quality = variant
    interpolation = cv2.INTER_AREA if width < rgb.shape[1] else cv2.INTER_CUBIC
    resized = cv2.resize(rgb, (width, height), interpolation=interpolation)
    bgr = cv2.cvtColor(resized, cv2.COLOR_RGB2BGR)
    ok, encoded = cv2.imencode(".jpg", bgr, [cv2.IMWRITE_JPEG_QUALITY, quality])
    assert ok, "JPEG encoding failed"
    return cv2.cvtColor(cv2.imdecode(encoded, cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)


def variant_name(variant: tuple[int, int, int] | None) -> str:
    return "png" if variant is None else f"{variant[0]}x{variant[1]} jpeg q{variant[2]}"


def portraits() -> list[Portrait]:
    labels: dict[str, dict[str, str]] = json.loads(LABELS.read_text())
    found = []
    for screenshot, rows in labels.items():
        rgb = load_rgb(SAMPLES / screenshot)
        for variant in VARIANTS:
            screen = locate_screen(apply_variant(rgb, variant))
            for row, label in rows.items():
                team, slot = row.split(":")
                image = crop_portrait(screen.image, screen.layout, team, int(slot))
                found.append(Portrait(screenshot, variant_name(variant), row, label, image))
    return found


class Method:
    """A way to score a query portrait against each gallery hero; higher is more alike."""

    def fit(self, gallery: list[Portrait]) -> None:
        raise NotImplementedError

    def scores(self, image: np.ndarray) -> dict[str, float]:
        raise NotImplementedError


class Thumbnail(Method):
    def fit(self, gallery: list[Portrait]) -> None:
        descriptors = np.stack([portrait_descriptor(p.image) for p in gallery])
        self.index = HeroIndex([p.label for p in gallery], descriptors)

    def scores(self, image: np.ndarray) -> dict[str, float]:
        return self.index.scores(image)


def _mask(side: int) -> np.ndarray:
    return cv2.resize(MASK.astype(np.uint8) * 255, (side, side), interpolation=cv2.INTER_NEAREST)


class Histogram(Method):
    """Hue-saturation histogram of the same masked disc, compared by the Bhattacharyya coefficient."""

    side = 64

    def describe(self, image: np.ndarray) -> np.ndarray:
        hsv = cv2.cvtColor(cv2.resize(image, (self.side, self.side), interpolation=cv2.INTER_AREA),
                           cv2.COLOR_RGB2HSV)
        histogram = cv2.calcHist([hsv], [0, 1], _mask(self.side), [18, 8], [0, 180, 0, 256]).ravel()
        return np.sqrt(histogram / max(float(histogram.sum()), 1.0))

    def fit(self, gallery: list[Portrait]) -> None:
        self.gallery = [(p.label, self.describe(p.image)) for p in gallery]

    def scores(self, image: np.ndarray) -> dict[str, float]:
        query = self.describe(image)
        best: dict[str, float] = {}
        for label, descriptor in self.gallery:
            best[label] = max(best.get(label, -1.0), float(query @ descriptor))
        return best


class Keypoints(Method):
    """Local features inside the masked disc; the score is the share of RANSAC-consistent matches."""

    side = 128

    def __init__(self, detector: Any, norm: int) -> None:
        self.detector = detector
        self.matcher = cv2.BFMatcher(norm)

    def describe(self, image: np.ndarray) -> tuple[Any, Any]:
        grey = cv2.cvtColor(cv2.resize(image, (self.side, self.side), interpolation=cv2.INTER_AREA),
                            cv2.COLOR_RGB2GRAY)
        return self.detector.detectAndCompute(grey, _mask(self.side))  # type: ignore[no-any-return]

    def fit(self, gallery: list[Portrait]) -> None:
        self.gallery = [(p.label, self.describe(p.image)) for p in gallery]

    def similarity(self, query: tuple[Any, Any], entry: tuple[Any, Any]) -> float:
        (query_points, query_features), (entry_points, entry_features) = query, entry
        if query_features is None or entry_features is None:
            return 0.0
        if min(len(query_features), len(entry_features)) < 2:
            return 0.0
        pairs = self.matcher.knnMatch(query_features, entry_features, k=2)
        good = [pair[0] for pair in pairs if len(pair) == 2 and pair[0].distance < 0.8 * pair[1].distance]
        if len(good) < 4:
            return 0.0
        source = np.float32([query_points[m.queryIdx].pt for m in good])
        target = np.float32([entry_points[m.trainIdx].pt for m in good])
        _, inliers = cv2.estimateAffinePartial2D(source, target, ransacReprojThreshold=4)
        consistent = int(inliers.sum()) if inliers is not None else 0
        return consistent / min(len(query_features), len(entry_features))

    def scores(self, image: np.ndarray) -> dict[str, float]:
        query = self.describe(image)
        best: dict[str, float] = {}
        for label, entry in self.gallery:
            best[label] = max(best.get(label, -1.0), self.similarity(query, entry))
        return best


METHODS: dict[str, Callable[[], Method]] = {
    "thumbnail": Thumbnail,
    "histogram": Histogram,
    "orb": lambda: Keypoints(cv2.ORB_create(200, edgeThreshold=8, patchSize=15), cv2.NORM_HAMMING),
    "sift": lambda: Keypoints(cv2.SIFT_create(200), cv2.NORM_L2),
}


@dataclass
class Outcome:
    known: list[tuple[bool, float]]
    unknown: list[float]
    milliseconds: list[float]


def evaluate(method: Method, found: list[Portrait]) -> Outcome:
    outcome = Outcome([], [], [])
    for gallery_screenshot, held_out in FOLDS.items():
        gallery = [p for p in found if p.screenshot == gallery_screenshot and p.variant == "png"
                   and p.label not in held_out]
        method.fit(gallery)
        names = {p.label for p in gallery}
        for query in found:
            if query.screenshot == gallery_screenshot and query.variant == "png":
                continue
            started = time.perf_counter()
            scores = method.scores(query.image)
            outcome.milliseconds.append((time.perf_counter() - started) * 1000)
            best = max(scores, key=lambda name: scores[name])
            if query.label in names:
                outcome.known.append((best == query.label, scores[best]))
            else:
                outcome.unknown.append(scores[best])
    return outcome


def padded_speed(found: list[Portrait], size: int) -> float:
    """Milliseconds per portrait against a gallery of `size` images, padded with random descriptors."""
    real = [p for p in found if p.variant == "png"]
    descriptors = np.stack([portrait_descriptor(p.image) for p in real])
    noise = np.random.default_rng(0).normal(size=(size - len(real), descriptors.shape[1])).astype(np.float32)
    noise /= np.linalg.norm(noise, axis=1, keepdims=True)
    index = HeroIndex([p.label for p in real] + [f"padding-{i}" for i in range(len(noise))],
                      np.concatenate([descriptors, noise]))
    started = time.perf_counter()
    for portrait in real:
        index.match(portrait.image, 0.75)
    return (time.perf_counter() - started) * 1000 / len(real)


def report(name: str, outcome: Outcome, threshold: float | None) -> None:
    right = [score for correct, score in outcome.known if correct]
    top1 = sum(correct for correct, _ in outcome.known) / len(outcome.known)
    lowest_right = min(right) if right else float("nan")
    highest_unknown = max(outcome.unknown)
    if threshold is None:
        threshold = (lowest_right + highest_unknown) / 2
    false_unknown = sum(score >= threshold for score in outcome.unknown)
    false_known = sum(not correct and score >= threshold for correct, score in outcome.known)
    missed = sum(correct and score < threshold for correct, score in outcome.known)
    print(f"{name:10s} top-1 {top1:6.1%} of {len(outcome.known)} known | lowest right {lowest_right:.3f}, "
          f"highest unknown {highest_unknown:.3f} | at {threshold:.3f}: {false_unknown} of "
          f"{len(outcome.unknown)} unknown and {false_known} wrong heroes matched, {missed} right ones "
          f"missed | {statistics.mean(outcome.milliseconds):.2f} ms per portrait")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--methods", default=",".join(METHODS), help="comma-separated: " + ", ".join(METHODS))
    parser.add_argument("--threshold", type=float, default=0.75, help="acceptance threshold of thumbnail")
    args = parser.parse_args()

    found = portraits()
    variants = ", ".join(map(variant_name, VARIANTS))
    print(f"{len(found)} portraits from {len(FOLDS)} folds; variants: {variants}")
    for name in args.methods.split(","):
        outcome = evaluate(METHODS[name](), found)
        report(name, outcome, args.threshold if name == "thumbnail" else None)
    if "thumbnail" in args.methods.split(","):
        milliseconds = padded_speed(found, PADDED_GALLERY)
        print(f"thumbnail with a {PADDED_GALLERY}-image gallery: {milliseconds:.2f} ms per portrait")


if __name__ == "__main__":
    main()
