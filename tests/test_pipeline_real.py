"""The pipeline with real EasyOCR on the real post-match screenshots, checked against truth.json."""

from __future__ import annotations

import difflib
import io
import shutil
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest
from PIL import Image

from workers.pipeline import STAGES, AnalysisError, Analyzer, PipelineConfig
from workers.pipeline.models import DETECTION_WEIGHTS, RECOGNITION_WEIGHTS, WeightsError

SCOREBOARDS = ["match-a-scoreboard.png", "match-b-scoreboard.png"]
DAMAGE_VIEWS = ["match-a-damage.png", "match-b-damage.png"]
EXACT_FIELDS = ("kills", "deaths", "assists", "gold", "is_you")
Results = dict[str, dict[str, Any]]
DAMAGE_FIELDS = ("hero_damage", "hero_damage_pct", "turret_damage", "turret_damage_pct",
                 "damage_taken", "damage_taken_pct", "teamfight_pct")


@pytest.fixture(scope="module")
def analyzer() -> Analyzer:
    return Analyzer.load(PipelineConfig(device="cpu"))


@pytest.fixture(scope="module")
def results(analyzer: Analyzer, samples_dir: Path) -> Results:
    return {name: analyzer.analyze(load_rgb(samples_dir / name)) for name in SCOREBOARDS + DAMAGE_VIEWS}


def load_rgb(path: Path) -> np.ndarray:
    image = cv2.imread(str(path), cv2.IMREAD_COLOR)
    assert image is not None, f"could not read {path}"
    return cv2.cvtColor(image, cv2.COLOR_BGR2RGB)


def name_similarity(a: str | None, b: str) -> float:
    return difflib.SequenceMatcher(None, (a or "").lower(), b.lower()).ratio()


def damage_matches(got: list[dict[str, Any]], want: list[dict[str, Any]]) -> list[bool]:
    return [g[field] == w[field] for g, w in zip(got, want, strict=True) for field in DAMAGE_FIELDS]


def share(matches: list[bool]) -> float:
    return sum(matches) / len(matches)


def assert_core_fields(result: dict[str, Any], expected: dict[str, Any], label: str) -> None:
    """The fields that must equal truth.json exactly: match header, K/D/A, gold, is_you, kda."""
    assert result["view"] == expected["view"], f"{label}: view"
    for field in ("result", "score", "duration_s", "battle_id"):
        assert result["match"][field] == expected["match"][field], f"{label}: match {field}"
    assert result["kda"] == expected["kda"], f"{label}: kda"
    assert len(result["players"]) == 10, f"{label}: player count"
    for got, want in zip(result["players"], expected["players"], strict=True):
        where = f"{label}: {want['team']} slot {want['slot']}"
        assert (got["team"], got["slot"]) == (want["team"], want["slot"]), f"{where}: order"
        for field in EXACT_FIELDS:
            assert got[field] == want[field], f"{where}: {field} is {got[field]!r}, expected {want[field]!r}"


@pytest.mark.parametrize("name", SCOREBOARDS)
def test_scoreboard_exact_fields(results: Results, truth: dict[str, Any], name: str) -> None:
    assert_core_fields(results[name], truth[name], name)


@pytest.mark.parametrize("name", SCOREBOARDS)
def test_scoreboard_names_and_badges(results: Results, truth: dict[str, Any], name: str) -> None:
    pairs = list(zip(results[name]["players"], truth[name]["players"], strict=True))
    names = [name_similarity(got["name"], want["name"]) >= 0.8 for got, want in pairs]
    assert share(names) >= 0.9, f"names: {[got['name'] for got, _ in pairs]}"
    assert share([got["squad"] == want["squad"] for got, want in pairs]) >= 0.9, "squad tags"
    assert share([got["medal"] == want["medal"] for got, want in pairs]) >= 0.95, "medals"
    assert share([got["rating"] == want["rating"] for got, want in pairs]) >= 0.9, "ratings"
    assert share([got["level"] == want["level"] for got, want in pairs]) >= 0.9, "levels"


@pytest.mark.parametrize("name", DAMAGE_VIEWS)
def test_damage_view_numbers(results: Results, truth: dict[str, Any], name: str) -> None:
    result, expected = results[name], truth[name]
    assert result["view"] == "damage"
    assert result["kda"] is None
    assert result["match"] == expected["match"]
    cells = damage_matches(result["players"], expected["players"])
    assert share(cells) >= 0.98, f"{cells.count(False)} of {len(cells)} damage cells differ"
    assert [got["is_you"] for got in result["players"]] == [want["is_you"] for want in expected["players"]]


@pytest.mark.parametrize("name", DAMAGE_VIEWS)
def test_damage_view_names(results: Results, truth: dict[str, Any], name: str) -> None:
    pairs = list(zip(results[name]["players"], truth[name]["players"], strict=True))
    assert share([name_similarity(got["name"], want["name"]) >= 0.8 for got, want in pairs]) >= 0.9


def test_result_shape(results: Results) -> None:
    result = results["match-a-scoreboard.png"]
    assert result["hero"] is None
    assert "hero not identified: no hero model configured" in result["warnings"]
    assert set(result["timings_ms"]) == set(STAGES)
    assert result["image"] == {"width": 2532, "height": 1170}
    assert 0.0 <= result["confidence"] <= 1.0
    assert result["detections"] == []
    for line in result["text"]:
        x0, y0, x1, y1 = line["box"]
        assert all(isinstance(v, int) for v in line["box"]), line
        assert 0 <= x0 < x1 <= 2532, line
        assert 0 <= y0 < y1 <= 1170, line


@pytest.mark.parametrize(("name", "size"), [("match-a-scoreboard.png", (1280, 591)),
                                            ("match-b-scoreboard.png", (2400, 1080))])
def test_rescaled_scoreboard(analyzer: Analyzer, samples_dir: Path, truth: dict[str, Any],
                             name: str, size: tuple[int, int]) -> None:
    image = cv2.resize(load_rgb(samples_dir / name), size, interpolation=cv2.INTER_AREA)
    result = analyzer.analyze(image)
    assert_core_fields(result, truth[name], f"{name} at {size}")
    assert result["image"] == {"width": size[0], "height": size[1]}


@pytest.mark.parametrize(("name", "size", "least"), [("match-a-scoreboard.png", (1280, 591), 10),
                                                     ("match-b-scoreboard.png", (1280, 591), 10),
                                                     ("match-b-scoreboard.png", (1600, 739), 10)])
def test_small_scoreboard_ratings(analyzer: Analyzer, samples_dir: Path, truth: dict[str, Any],
                                  name: str, size: tuple[int, int], least: int) -> None:
    """Ratings of a small screenshot, whose badge digits blur when it is upscaled for reading."""
    image = cv2.resize(load_rgb(samples_dir / name), size, interpolation=cv2.INTER_AREA)
    ratings = {(p["team"], p["slot"]): p["rating"] for p in analyzer.analyze(image)["players"]}
    right = [ratings.get((p["team"], p["slot"])) == p["rating"] for p in truth[name]["players"]]
    assert sum(right) >= least, right


def as_jpeg(image: np.ndarray, quality: int) -> np.ndarray:
    buffer = io.BytesIO()
    Image.fromarray(image).save(buffer, format="JPEG", quality=quality)
    return np.asarray(Image.open(buffer).convert("RGB"))


@pytest.mark.parametrize("name", ["match-a-scoreboard.png", "match-b-damage.png"])
def test_jpeg_squad_tags(analyzer: Analyzer, samples_dir: Path, truth: dict[str, Any], name: str) -> None:
    """Squad tags and names of a screenshot saved as JPEG, whose chroma subsampling pales the yellow tags."""
    image = as_jpeg(load_rgb(samples_dir / name), 90)
    players = {(p["team"], p["slot"]): p for p in analyzer.analyze(image)["players"]}
    for want in truth[name]["players"]:
        got = players[(want["team"], want["slot"])]
        assert got["squad"] == want["squad"], got
        assert name_similarity(got["name"], want["name"]) >= 0.8, got


@pytest.mark.parametrize("name", SCOREBOARDS)
def test_jpeg_ratings(analyzer: Analyzer, samples_dir: Path, truth: dict[str, Any], name: str) -> None:
    """Ratings of a scoreboard saved as JPEG at quality 85, whose artifacts break the thin badge digits."""
    image = as_jpeg(load_rgb(samples_dir / name), 85)
    ratings = {(p["team"], p["slot"]): p["rating"] for p in analyzer.analyze(image)["players"]}
    for want in truth[name]["players"]:
        assert ratings[(want["team"], want["slot"])] == want["rating"], want


def test_padded_scoreboard(analyzer: Analyzer, samples_dir: Path, truth: dict[str, Any]) -> None:
    name = "match-b-scoreboard.png"
    image = load_rgb(samples_dir / name)
    padded = np.zeros((image.shape[0] + 400, image.shape[1], 3), np.uint8)
    padded[200:200 + image.shape[0]] = image
    result = analyzer.analyze(padded)
    assert_core_fields(result, truth[name], f"{name} letterboxed")
    you = next(p for p in result["players"] if p["is_you"])
    assert you["slot"] == 2


def test_pillarboxed_damage_view(analyzer: Analyzer, samples_dir: Path, truth: dict[str, Any]) -> None:
    name = "match-a-damage.png"
    image = cv2.resize(load_rgb(samples_dir / name), (1920, 886), interpolation=cv2.INTER_AREA)
    padded = np.zeros((886, 1920 + 300, 3), np.uint8)
    padded[:, 150:2070] = image
    result = analyzer.analyze(padded)
    assert result["view"] == "damage"
    assert result["match"] == truth[name]["match"]
    cells = damage_matches(result["players"], truth[name]["players"])
    assert share(cells) >= 0.95


def test_stages_reported_in_order(analyzer: Analyzer, samples_dir: Path) -> None:
    image = load_rgb(samples_dir / "match-b-damage.png")
    image = cv2.resize(image, (1280, 591), interpolation=cv2.INTER_AREA)
    seen: list[str] = []
    analyzer.analyze(image, on_stage=seen.append)
    assert tuple(seen) == STAGES


def test_other_screen_is_unknown(analyzer: Analyzer) -> None:
    gradient = np.tile(np.linspace(0, 255, 1600, dtype=np.uint8)[None, :, None], (720, 1, 3))
    result = analyzer.analyze(gradient)
    assert result["view"] == "unknown"
    assert result["players"] == []
    assert any("not a post-match screen" in w for w in result["warnings"])


@pytest.mark.parametrize("image", [np.zeros((100, 100), np.uint8), np.zeros((50, 50, 3), np.uint8),
                                   np.zeros((720, 1600, 3), np.float32)])
def test_unusable_image_rejected(analyzer: Analyzer, image: np.ndarray) -> None:
    with pytest.raises(AnalysisError):
        analyzer.analyze(image)


def test_detector_keeps_medals(samples_dir: Path, truth: dict[str, Any]) -> None:
    weights = Path(__file__).resolve().parent.parent / "workers" / "pipeline" / "weights" / "detector.pt"
    if not weights.is_file():
        pytest.skip(f"no detector weights at {weights}")
    with_detector = Analyzer.load(PipelineConfig(device="cpu", detector_weights=weights))
    name = "match-a-scoreboard.png"
    result = with_detector.analyze(load_rgb(samples_dir / name))

    assert result["detections"], "the detector found nothing"
    assert "detector skipped: no detector weights configured" not in result["warnings"]
    pairs = zip(result["players"], truth[name]["players"], strict=True)
    medals = [got["medal"] == want["medal"] for got, want in pairs]
    assert share(medals) >= 0.95, f"medals: {[got['medal'] for got in result['players']]}"


def test_altered_weights_rejected(tmp_path: Path) -> None:
    import easyocr_en_models

    source = Path(easyocr_en_models.model_dir())
    for name in (DETECTION_WEIGHTS, RECOGNITION_WEIGHTS):
        shutil.copyfile(source / name, tmp_path / name)
    with (tmp_path / RECOGNITION_WEIGHTS).open("r+b") as handle:
        handle.seek(1000)
        byte = handle.read(1)
        handle.seek(1000)
        handle.write(bytes([byte[0] ^ 0xFF]))

    with pytest.raises(WeightsError) as error:
        Analyzer.load(PipelineConfig(device="cpu", ocr_model_dir=tmp_path))
    message = str(error.value)
    assert RECOGNITION_WEIGHTS in message
    assert "5864788e1821be9e454ec108d61b887d" in message


def crops(image: np.ndarray) -> dict[str, np.ndarray]:
    height, width = image.shape[:2]
    return {
        "top half": image[: height // 2],
        "right half": image[:, width // 2:],
        "centre": image[height // 4: 3 * height // 4, width // 4: 3 * width // 4],
        "mirrored": image[:, ::-1],
        "upside down": image[::-1],
        "two side by side": np.hstack([image, image]),
    }


@pytest.mark.parametrize("variant", ["top half", "right half", "centre", "mirrored", "upside down",
                                     "two side by side"])
def test_cut_or_turned_screen_is_unknown(analyzer: Analyzer, samples_dir: Path, variant: str) -> None:
    image = np.ascontiguousarray(crops(load_rgb(samples_dir / "match-a-scoreboard.png"))[variant])
    result = analyzer.analyze(image)
    assert result["view"] == "unknown"
    assert any("not a post-match screen" in w for w in result["warnings"])


@pytest.mark.parametrize("colour", [(90, 10, 10), (200, 20, 20), (20, 180, 200)])
def test_solid_colour_is_unknown(analyzer: Analyzer, colour: tuple[int, int, int]) -> None:
    result = analyzer.analyze(np.full((296, 640, 3), colour, np.uint8))
    assert result["view"] == "unknown"
