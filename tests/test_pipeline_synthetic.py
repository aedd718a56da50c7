"""The pipeline with real EasyOCR on generated screens whose every value is known."""

from __future__ import annotations

import difflib
from typing import Any

import numpy as np
import pytest

from workers.pipeline import Analyzer, PipelineConfig
from workers.training.synthetic import render_screen

SEEDS = [1000, 1002]
SCOREBOARD_NUMBERS = ("kills", "deaths", "assists", "gold", "level")
DAMAGE_NUMBERS = ("hero_damage", "hero_damage_pct", "turret_damage", "turret_damage_pct",
                  "damage_taken", "damage_taken_pct", "teamfight_pct")


@pytest.fixture(scope="module")
def analyzer() -> Analyzer:
    return Analyzer.load(PipelineConfig(device="cpu"))


@pytest.fixture(scope="module")
def analysed(analyzer: Analyzer) -> dict[tuple[int, str], tuple[dict[str, Any], dict[str, Any]]]:
    pairs = {}
    for seed in SEEDS:
        for view in ("scoreboard", "damage"):
            image, truth, _ = render_screen(seed, view)
            pairs[(seed, view)] = (analyzer.analyze(np.asarray(image.convert("RGB"))), truth)
    return pairs


def exact_share(result: dict[str, Any], truth: dict[str, Any], fields: tuple[str, ...]) -> float:
    hits = [got[field] == want[field]
            for got, want in zip(result["players"], truth["players"], strict=True) for field in fields]
    return sum(hits) / len(hits)


@pytest.mark.parametrize("seed", SEEDS)
def test_synthetic_scoreboard_numbers(analysed: dict[Any, Any], seed: int) -> None:
    result, truth = analysed[(seed, "scoreboard")]
    assert result["view"] == "scoreboard"
    assert result["kda"] == truth["kda"]
    assert exact_share(result, truth, SCOREBOARD_NUMBERS) >= 0.95
    assert [p["is_you"] for p in result["players"]] == [p["is_you"] for p in truth["players"]]


@pytest.mark.parametrize("seed", SEEDS)
def test_synthetic_damage_numbers(analysed: dict[Any, Any], seed: int) -> None:
    result, truth = analysed[(seed, "damage")]
    assert result["view"] == "damage"
    assert exact_share(result, truth, DAMAGE_NUMBERS) >= 0.95


@pytest.mark.parametrize("view", ["scoreboard", "damage"])
@pytest.mark.parametrize("seed", SEEDS)
def test_synthetic_match_header(analysed: dict[Any, Any], seed: int, view: str) -> None:
    result, truth = analysed[(seed, view)]
    assert result["match"]["result"] == truth["match"]["result"]
    assert result["match"]["duration_s"] == truth["match"]["duration_s"]
    assert result["match"]["battle_id"] == truth["match"]["battle_id"]


def test_synthetic_ascii_names(analysed: dict[Any, Any]) -> None:
    pairs = [
        (got["name"], want["name"])
        for result, truth in analysed.values()
        for got, want in zip(result["players"], truth["players"], strict=True)
        if want["name"].isascii()
    ]
    ratios = [difflib.SequenceMatcher(None, (got or "").lower(), want.lower()).ratio() for got, want in pairs]
    assert sum(ratio >= 0.8 for ratio in ratios) / len(ratios) >= 0.8, pairs
