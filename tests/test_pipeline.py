"""Unit tests of the pipeline's parsing helpers on hand-built OCR lines and synthetic images (no model)."""

from __future__ import annotations

import numpy as np
import pytest

from workers.pipeline.cells import clean_name, parse_int, parse_percent, parse_rating
from workers.pipeline.checks import check_damage_percents, check_kills, confidence
from workers.pipeline.header import (
    Reading,
    find_battle_id,
    find_duration,
    find_result,
    find_scores,
    is_damage_view,
    parse_duration,
)
from workers.pipeline.layout import Box, find_content, find_layout
from workers.pipeline.medals import classify_medal, medal_from_label
from workers.pipeline.ocr import OcrLine
from workers.pipeline.ratings import white_level


def reading(text: str, box: tuple[int, int, int, int], digits: str | None = None) -> Reading:
    shape = Box(*box)
    return Reading(OcrLine(text, shape, 0.9), OcrLine(digits if digits is not None else text, shape, 0.9))


HEADER = [
    reading("21", (806, 50, 898, 118)),
    reading("VIC TORY", (1078, 30, 1478, 110), digits="1"),
    reading("12", (1634, 46, 1730, 118)),
    reading("Duration", (1920, 184, 2036, 208), digits=""),
    reading("12.35", (2048, 180, 2124, 208), digits="12:35"),
]


@pytest.mark.parametrize(
    ("text", "low", "high", "expected"),
    [("7488", 0, 99999, 7488), ("10 381", 0, 99999, 10381), ("", 0, 9, None), ("7a", 0, 99, None),
     ("120", 0, 99, None), (None, 0, 9, None)],
)
def test_parse_int_cases(text: str | None, low: int, high: int, expected: int | None) -> None:
    assert parse_int(text, low, high) == expected


@pytest.mark.parametrize(
    ("text", "expected"), [("37%", 37), ("100%", 100), ("5", 5), ("101%", None), ("%", None)]
)
def test_parse_percent_cases(text: str, expected: int | None) -> None:
    assert parse_percent(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"), [("9.8", 9.8), ("104", 10.4), ("7", None), ("1234", None), ("", None)]
)
def test_parse_rating_cases(text: str, expected: float | None) -> None:
    assert parse_rating(text) == expected


@pytest.mark.parametrize(
    ("upscale", "expected"), [(0.5, 200), (1.0, 200), (1.5, 192.5), (2.0, 185), (3.0, 185)]
)
def test_white_level_cases(upscale: float, expected: float) -> None:
    assert white_level(upscale) == pytest.approx(expected)


@pytest.mark.parametrize(("text", "expected"), [("12:35", 755), ("10.56", 656), ("1235", 755), ("9:07", 547),
                                                ("12:75", None), ("5", None)])
def test_parse_duration_cases(text: str, expected: int | None) -> None:
    assert parse_duration(text) == expected


def test_header_result_and_scores() -> None:
    result, title = find_result(HEADER)
    assert result == "victory"
    assert title is HEADER[1]
    assert find_scores(HEADER, title, mid=1266) == (21, 12)


def test_header_defeat_title() -> None:
    lines = [reading("4", (850, 50, 900, 118)), reading("DEFEAT", (1090, 30, 1460, 100)),
             reading("26", (1634, 46, 1730, 118))]
    result, title = find_result(lines)
    assert result == "defeat"
    assert find_scores(lines, title, mid=1266) == (4, 26)


def test_header_without_title() -> None:
    lines = [reading("Data", (400, 1096, 476, 1128))]
    assert find_result(lines) == (None, None)


def test_duration_next_to_label() -> None:
    assert find_duration(HEADER) == 755


def test_duration_inside_label_box() -> None:
    assert find_duration([reading("Duration 10:56", (1913, 180, 2130, 208))]) == 656


def test_duration_missing_label() -> None:
    assert find_duration(HEADER[:3]) is None


def test_battle_id_longest_digit_run() -> None:
    lines = [reading("BattlelD", (264, 1036, 372, 1068), digits="1"),
             reading("518274630912457036", (388, 1036, 688, 1064))]
    assert find_battle_id(lines) == "518274630912457036"


def test_battle_id_label_in_same_box() -> None:
    lines = [reading("BattleID 928183216149812811", (259, 1029, 712, 1068), digits="820928183216149812811")]
    assert find_battle_id(lines) == "928183216149812811"


def test_battle_id_digit_misread_as_letter_keeps_digits() -> None:
    lines = [reading("BattleID 92818321614981281l", (259, 1029, 712, 1068), digits="928183216149812811")]
    assert find_battle_id(lines) == "928183216149812811"


NAME_CASES = [
    ("Dorian @", "Dorian"),
    ("[ it's me", "it's me"),
    ("Tom & Jerry", "Tom & Jerry"),
    ("coffee after 9", "coffee after 9"),
    ("<img src=x onerror=alert(1)>", "<img src=x onerror=alert(1)>"),
    (None, None),
]


@pytest.mark.parametrize(("text", "expected"), NAME_CASES)
def test_clean_name(text: str | None, expected: str | None) -> None:
    assert clean_name(text) == expected


def test_battle_id_too_short() -> None:
    assert find_battle_id([reading("12345", (0, 0, 10, 10))]) is None


def test_damage_view_words() -> None:
    lines = [reading("Hero Damage", (490, 220, 600, 270)), reading("Turret Damage", (680, 220, 800, 270)),
             reading("Teamfight Participation", (1060, 220, 1230, 270))]
    assert is_damage_view(lines)
    assert not is_damage_view(HEADER)


def player(team: str, slot: int, **fields: int | None) -> dict[str, object]:
    return {"team": team, "slot": slot, **fields}


def test_kills_match_score() -> None:
    players = [player("ally", i + 1, kills=k) for i, k in enumerate([3, 0, 8, 8, 2])]
    players += [player("enemy", i + 1, kills=k) for i, k in enumerate([2, 2, 4, 2, 2])]
    assert check_kills(players, {"ally": 21, "enemy": 12}) == []
    warnings = check_kills(players, {"ally": 20, "enemy": 12})
    assert len(warnings) == 1
    assert "ally kills add up to 21" in warnings[0]


def test_kills_skip_unread() -> None:
    players = [player("ally", 1, kills=None)] + [player("ally", i, kills=1) for i in range(2, 6)]
    assert check_kills(players, {"ally": 99, "enemy": None}) == []


def damage_team(team: str, hero: list[int], hero_pct: list[int]) -> list[dict[str, object]]:
    return [
        player(team, i + 1, hero_damage=h, hero_damage_pct=p, turret_damage=0, turret_damage_pct=0,
               damage_taken=100, damage_taken_pct=20)
        for i, (h, p) in enumerate(zip(hero, hero_pct, strict=True))
    ]


def test_damage_percents_consistent() -> None:
    players = damage_team("ally", [41438, 45713, 52423, 55652, 20959], [19, 21, 24, 26, 10])
    assert check_damage_percents(players) == []


def test_damage_percent_misread() -> None:
    players = damage_team("ally", [41438, 45713, 52423, 55652, 20959], [19, 21, 24, 26, 70])
    warnings = check_damage_percents(players)
    assert any("adds up to 160" in w for w in warnings)
    assert any("slot 5" in w for w in warnings)


def test_confidence_penalties() -> None:
    assert confidence([], 0, 0) == 0.0
    assert confidence([0.8, 1.0], 0, 0) == 0.9
    assert confidence([0.8, 1.0], 1, 1) < 0.9


def synthetic_screen(width: int = 2532, height: int = 1170, you_slot: int = 3) -> np.ndarray:
    """Dark table with a red enemy header band at 214..277 and the uploader's row lit at the given slot."""
    image = np.full((height, width, 3), (45, 65, 90), np.uint8)
    scale = height / 1170
    mid = width // 2
    band_top, band_bottom = int(214 * scale), int(277 * scale)
    image[band_top:band_bottom, mid:] = (124, 59, 63)
    pitch = 152 * scale
    top = int(band_bottom + (you_slot - 1) * pitch)
    image[top:top + int(141 * scale), : int(mid * 0.9)] = (58, 138, 189)
    return image


def test_layout_synthetic_screen() -> None:
    layout = find_layout(synthetic_screen())
    assert layout is not None
    assert layout.you_slot == 3
    assert abs(layout.pitch - 152) < 2
    assert abs(layout.mid - 1266) <= 2


def test_layout_letterboxed_and_scaled() -> None:
    screen = synthetic_screen(1280, 591, you_slot=1)
    padded = np.zeros((591 + 200, 1280 + 300, 3), np.uint8)
    padded[100:691, 150:1430] = screen
    assert find_content(padded) == Box(150, 100, 1430, 691)
    layout = find_layout(padded)
    assert layout is not None
    assert layout.you_slot == 1
    assert abs(layout.pitch - 76) < 2


def test_layout_absent() -> None:
    assert find_layout(np.full((600, 1200, 3), 128, np.uint8)) is None


def test_medal_colours() -> None:
    gold = np.full((40, 40, 3), (230, 190, 60), np.uint8)
    silver = np.full((40, 40, 3), (200, 200, 205), np.uint8)
    bronze = np.full((40, 40, 3), (200, 120, 80), np.uint8)
    dark = np.full((40, 40, 3), (30, 40, 60), np.uint8)
    assert classify_medal(gold) == "gold"
    assert classify_medal(silver) == "silver"
    assert classify_medal(bronze) == "bronze"
    assert classify_medal(dark) is None


def test_medal_mvp_red_letters() -> None:
    badge = np.full((40, 40, 3), (200, 200, 205), np.uint8)
    badge[10:20] = (220, 30, 40)
    assert classify_medal(badge) == "mvp"


def test_medal_detector_labels() -> None:
    assert medal_from_label("medal_gold") == "gold"
    assert medal_from_label("MVP") == "mvp"
    assert medal_from_label("portrait") is None
