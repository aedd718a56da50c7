"""Tests of the synthetic screen generator against the real samples' truth schema."""

from __future__ import annotations

import copy
import json
import random
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

from workers.training import layout
from workers.training.augment import augment
from workers.training.synthetic import CLASSES, VIEWS, main, render_screen
from workers.training.values import UNICODE_NAMES, sample_match

SEEDS = range(40)


def players_of(truth: dict[str, Any], team: str) -> list[dict[str, Any]]:
    return [player for player in truth["players"] if player["team"] == team]


@pytest.mark.parametrize("view", VIEWS)
def test_render_deterministic(view: str) -> None:
    first, first_truth, first_boxes = render_screen(7, view)
    second, second_truth, second_boxes = render_screen(7, view)
    assert first.tobytes() == second.tobytes()
    assert first_truth == second_truth
    assert first_boxes == second_boxes


def test_render_differs_by_seed() -> None:
    first, _, _ = render_screen(1, "scoreboard")
    second, _, _ = render_screen(2, "scoreboard")
    assert first.tobytes() != second.tobytes()


def test_truth_keys_match_real(truth: dict[str, Any]) -> None:
    real_by_view = {entry["view"]: entry for entry in truth.values()}
    for view in VIEWS:
        _, synthetic, _ = render_screen(3, view)
        real = real_by_view[view]
        assert synthetic.keys() == real.keys()
        assert synthetic["match"].keys() == real["match"].keys()
        assert synthetic["match"]["score"].keys() == real["match"]["score"].keys()
        assert len(synthetic["players"]) == len(real["players"]) == 10
        for player in synthetic["players"]:
            assert player.keys() == real["players"][0].keys()


def test_truth_value_types(truth: dict[str, Any]) -> None:
    real = next(entry for entry in truth.values() if entry["view"] == "scoreboard")
    _, synthetic, _ = render_screen(4, "scoreboard")
    for key, value in real["players"][0].items():
        if value is not None:
            assert isinstance(synthetic["players"][0][key], type(value)), key
    assert len(synthetic["match"]["battle_id"]) == 18
    assert synthetic["match"]["battle_id"].isdigit()


@pytest.mark.parametrize("seed", SEEDS)
def test_kills_sum_to_score(seed: int) -> None:
    _, truth, _ = render_screen(seed, "scoreboard")
    for team in layout.TEAMS:
        assert sum(player["kills"] for player in players_of(truth, team)) == truth["match"]["score"][team]
    you = [player for player in truth["players"] if player["is_you"]]
    assert len(you) == 1
    assert you[0]["team"] == "ally"
    assert truth["kda"] == f"{you[0]['kills']}/{you[0]['deaths']}/{you[0]['assists']}"


@pytest.mark.parametrize("seed", SEEDS)
def test_damage_percents_sum_to_100(seed: int) -> None:
    _, truth, _ = render_screen(seed, "damage")
    assert truth["kda"] is None
    for team in layout.TEAMS:
        for key in ("hero_damage", "turret_damage", "damage_taken"):
            players = players_of(truth, team)
            total = sum(player[f"{key}_pct"] for player in players)
            expected = 0 if all(player[key] == 0 for player in players) else 100
            assert total == expected, (team, key)


def test_values_cover_edge_cases() -> None:
    matches = [sample_match(random.Random(seed)) for seed in range(400)]
    numbers = [p[key] for m in matches for p in m["players"] for key in ("kills", "deaths", "assists")]
    medals = {p["medal"] for m in matches for p in m["players"]}
    names = {p["name"] for m in matches for p in m["players"]}
    assert 0 in numbers
    assert max(numbers) >= 100
    assert medals == {"mvp", "gold", "silver", "bronze"}
    assert names & set(UNICODE_NAMES)
    assert "<img src=x onerror=alert(1)>" in names
    assert {m["result"] for m in matches} == {"victory", "defeat"}


@pytest.mark.parametrize("view", VIEWS)
@pytest.mark.parametrize("size", [(2532, 1170), (1280, 591)])
def test_boxes_inside_image(view: str, size: tuple[int, int]) -> None:
    image, _, boxes = render_screen(11, view, *size)
    assert image.size == size
    for item in boxes:
        x0, y0, x1, y1 = item["box"]
        assert item["label"] in CLASSES
        assert 0 <= x0 < x1 <= image.width, item
        assert 0 <= y0 < y1 <= image.height, item


def test_boxes_per_view() -> None:
    for view in VIEWS:
        _, truth, boxes = render_screen(12, view)
        labels = [item["label"] for item in boxes]
        assert labels.count("player_row") == 10
        assert labels.count("own_row") == 1
        assert labels.count("portrait") == 10
        assert labels.count("header") == 1
        assert labels.count("battle_id") == 1
        medals = [label for label in labels if label.startswith("medal_")]
        if view == "scoreboard":
            assert sorted(medals) == sorted(f"medal_{p['medal']}" for p in truth["players"])
        else:
            assert medals == []


SPECIAL_NAMES = ("<img src=x onerror=alert(1)>", "Zoë Ñandú", "Łukasz", "a<b", "Tom & Jerry")


def name_band(image: Image.Image, slot: layout.Slot) -> np.ndarray:
    band = (layout.NAME_X["ally"], slot.top + 10, 780, slot.top + 62)
    return np.asarray(image.crop(band).convert("L"), dtype=np.int16)


def test_special_names_render() -> None:
    special_match = sample_match(random.Random(5))
    plain_match = copy.deepcopy(special_match)
    for player, name in zip(special_match["players"][:5], SPECIAL_NAMES, strict=True):
        player["name"] = name
    for player in plain_match["players"][:5]:
        player["name"] = "x"

    special, truth, _ = render_screen(5, "scoreboard", match=special_match)
    plain, _, _ = render_screen(5, "scoreboard", match=plain_match)

    assert [player["name"] for player in truth["players"][:5]] == list(SPECIAL_NAMES)
    for index in range(5):
        slot = layout.Slot("ally", index)
        diff = np.abs(name_band(special, slot) - name_band(plain, slot))
        assert diff.max() > 50, SPECIAL_NAMES[index]
    outside = np.asarray(special, dtype=np.int16)[:, 800:] - np.asarray(plain, dtype=np.int16)[:, 800:]
    assert not outside.any()


@pytest.mark.parametrize("seed", range(6))
def test_augment_keeps_boxes_inside(seed: int) -> None:
    image, _, boxes = render_screen(seed, "scoreboard")
    augmented, moved = augment(image, random.Random(seed), boxes)
    assert len(moved) == len(boxes)
    for item in moved:
        x0, y0, x1, y1 = item["box"]
        assert 0 <= x0 < x1 <= augmented.width
        assert 0 <= y0 < y1 <= augmented.height


def test_augment_deterministic() -> None:
    image, _, boxes = render_screen(2, "damage")
    first, _ = augment(image, random.Random(9), boxes)
    second, _ = augment(image, random.Random(9), boxes)
    assert first.tobytes() == second.tobytes()


def test_cli_writes_pairs(tmp_path: Path) -> None:
    main([str(tmp_path), "--count", "4", "--seed", "3"])
    pngs = sorted(tmp_path.glob("*.png"))
    assert len(pngs) == 4
    for png in pngs:
        record = json.loads(png.with_suffix(".json").read_text())
        assert record["view"] in VIEWS
        assert Image.open(png).size == (layout.WIDTH, layout.HEIGHT)
        assert len(record["boxes"]) >= 23
