"""Per-field accuracy of the pipeline against known truth.

Run: nice -n 10 .venv/bin/python bench/accuracy.py [--sizes 1920x886,1280x591,2400x1080]
    [--jpeg-quality 90] [--synthetic 8]

Cases: the four real samples at their own size, the same samples resized to each of
`--sizes`, the samples saved as JPEG at `--jpeg-quality` (0 leaves them out), and
`--synthetic` screens from the generator (half scoreboard, half damage view).
For every field it prints how many values were compared and the share that equals the truth
(names count when their case-insensitive similarity is at least 0.8), per group of cases.
"""

from __future__ import annotations

import argparse
import difflib
import io
import json
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import cv2
import numpy as np
from PIL import Image

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.samples import SAMPLES, load_rgb  # noqa: E402
from workers.pipeline import Analyzer, PipelineConfig  # noqa: E402

NUMERIC = ("level", "kills", "deaths", "assists", "gold", "rating", "hero_damage", "hero_damage_pct",
           "turret_damage", "turret_damage_pct", "damage_taken", "damage_taken_pct", "teamfight_pct")
PLAYER_FIELDS = ("name", "squad", "medal", "is_you", *NUMERIC)
MATCH_FIELDS = ("result", "score", "duration_s", "battle_id")
NAME_SIMILARITY = 0.8
# Targets on the real samples, from the product's accuracy requirements.
TARGETS = {"numeric": 0.98, "name": 0.90, "medal": 0.95, "is_you": 1.0, "match": 1.0, "kda": 1.0}

Case = tuple[str, str, np.ndarray, dict[str, Any]]


def real_cases(sizes: list[tuple[int, int]], jpeg_quality: int) -> list[Case]:
    truth = json.loads((SAMPLES / "truth.json").read_text())
    cases: list[Case] = []
    for name, expected in truth.items():
        image = load_rgb(SAMPLES / name)
        cases.append(("real", name, image, expected))
        for width, height in sizes:
            resized = cv2.resize(image, (width, height), interpolation=cv2.INTER_AREA)
            cases.append((f"real {width}x{height}", name, resized, expected))
        if jpeg_quality:
            cases.append((f"real JPEG q{jpeg_quality}", name, as_jpeg(image, jpeg_quality), expected))
    return cases


def as_jpeg(image: np.ndarray, quality: int) -> np.ndarray:
    """Return the image as it reads back after saving as JPEG (with Pillow's 4:2:0 chroma subsampling)."""
    buffer = io.BytesIO()
    Image.fromarray(image).save(buffer, format="JPEG", quality=quality)
    return np.asarray(Image.open(buffer).convert("RGB"))


def synthetic_cases(count: int) -> list[Case]:
    from workers.training.synthetic import VIEWS, render_screen

    cases: list[Case] = []
    for seed in range(count):
        view = VIEWS[seed % len(VIEWS)]
        image, truth, _ = render_screen(1000 + seed, view)
        cases.append(("synthetic", f"seed {1000 + seed} {view}", np.asarray(image.convert("RGB")), truth))
    return cases


def same(field: str, got: Any, want: Any) -> bool:
    if field == "name":
        ratio = difflib.SequenceMatcher(None, (got or "").lower(), want.lower()).ratio()
        return ratio >= NAME_SIMILARITY
    return bool(got == want)


def compare(result: dict[str, Any], expected: dict[str, Any]) -> dict[str, list[bool]]:
    """Return, per field, one bool per compared value."""
    hits: dict[str, list[bool]] = defaultdict(list)
    hits["view"].append(result["view"] == expected["view"])
    for field in MATCH_FIELDS:
        hits[f"match.{field}"].append(result["match"].get(field) == expected["match"][field])
    if expected["view"] == "scoreboard":
        hits["kda"].append(result["kda"] == expected["kda"])
    players = {(p["team"], p["slot"]): p for p in result.get("players", [])}
    for want in expected["players"]:
        got = players.get((want["team"], want["slot"]), {})
        for field in PLAYER_FIELDS:
            if field in want and want[field] is not None:
                hits[field].append(same(field, got.get(field), want[field]))
    return hits


def share(values: list[bool]) -> float:
    return sum(values) / len(values) if values else float("nan")


def summary(hits: dict[str, list[bool]]) -> dict[str, float]:
    numeric = [hit for field in NUMERIC for hit in hits.get(field, [])]
    match = [hit for field in MATCH_FIELDS for hit in hits.get(f"match.{field}", [])]
    return {
        "numeric": share(numeric),
        "name": share(hits.get("name", [])),
        "medal": share(hits.get("medal", [])),
        "is_you": share(hits.get("is_you", [])),
        "match": share(match),
        "kda": share(hits.get("kda", [])),
    }


def print_table(groups: dict[str, dict[str, list[bool]]]) -> None:
    names = list(groups)
    fields = sorted({field for hits in groups.values() for field in hits},
                    key=lambda f: (not f.startswith(("view", "match", "kda")), f))
    print(f"{'field':<20}" + "".join(f"{name:>22}" for name in names))
    for field in fields:
        cells = []
        for name in names:
            values = groups[name].get(field, [])
            cells.append(f"{sum(values)}/{len(values)} {share(values):6.1%}" if values else "-")
        print(f"{field:<20}" + "".join(f"{cell:>22}" for cell in cells))
    print()
    print(f"{'summary':<20}" + "".join(f"{name:>22}" for name in names))
    for key, target in TARGETS.items():
        cells = [f"{summary(groups[name])[key]:6.1%}" for name in names]
        print(f"{key:<20}" + "".join(f"{cell:>22}" for cell in cells) + f"   target {target:.0%} on real")


def parse_sizes(text: str) -> list[tuple[int, int]]:
    sizes = []
    for part in filter(None, text.split(",")):
        width, height = part.lower().split("x")
        sizes.append((int(width), int(height)))
    return sizes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1920x886,1280x591,2400x1080", help="resized copies")
    parser.add_argument("--jpeg-quality", type=int, default=90, help="JPEG copies at this quality; 0: none")
    parser.add_argument("--synthetic", type=int, default=8, help="number of generated screens")
    parser.add_argument("--device", default="cpu", help="pipeline device: auto, cpu or cuda:N")
    parser.add_argument("--misses", action="store_true", help="print every value that differs from the truth")
    args = parser.parse_args()

    analyzer = Analyzer.load(PipelineConfig(device=args.device))
    cases = real_cases(parse_sizes(args.sizes), args.jpeg_quality) + synthetic_cases(args.synthetic)
    groups: dict[str, dict[str, list[bool]]] = defaultdict(lambda: defaultdict(list))
    started = time.perf_counter()
    for group, label, image, expected in cases:
        result = analyzer.analyze(image)
        for field, values in compare(result, expected).items():
            groups[group][field].extend(values)
            if args.misses and not all(values):
                print(f"miss: {group} {label} {field}")
    print(f"{len(cases)} cases in {time.perf_counter() - started:.0f} s\n")
    print_table(groups)


if __name__ == "__main__":
    main()
