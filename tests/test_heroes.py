"""Hero identification on portraits cropped from the real samples, the gallery folder and the CLI.

tests/data/hero_labels.json names each row's hero with a placeholder ("hero-a1"), since the samples
carry no hero names. The labels were assigned by eye: the two views of a match show the same heroes
in the same rows, and ally slot 2 of match b is the same hero as ally slot 5 of match a (the
uploader played it in both). No other hero appears in both matches.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest

from shared.heroes import NO_MODEL_WARNING, InvalidHeroName, parse_row, valid_hero_name
from workers.cli import main as cli_main
from workers.pipeline.gallery import HeroGallery, hero_of, save_portrait, scan
from workers.pipeline.identify import identify_heroes
from workers.pipeline.portraits import RowNotFound, Screen, crop_portrait, locate_screen

LABELS: dict[str, dict[str, str]] = json.loads(
    (Path(__file__).resolve().parent / "data" / "hero_labels.json").read_text()
)
GALLERY_SOURCE = "match-a-scoreboard.png"
HELD_OUT = {"hero-a9", "hero-a10"}
THRESHOLD = 0.75
# (width, height, JPEG quality): phone sizes smaller and larger than the 2532x1170 samples.
RESIZED = [(1920, 886, 80), (1280, 591, 60), (3200, 1479, 90)]


def load_rgb(path: Path) -> np.ndarray:
    image = cv2.imread(str(path), cv2.IMREAD_COLOR)
    assert image is not None, f"could not read {path}"
    return cv2.cvtColor(image, cv2.COLOR_BGR2RGB)


def resized_jpeg(rgb: np.ndarray, width: int, height: int, quality: int) -> np.ndarray:
    interpolation = cv2.INTER_AREA if width < rgb.shape[1] else cv2.INTER_CUBIC
    resized = cv2.cvtColor(cv2.resize(rgb, (width, height), interpolation=interpolation), cv2.COLOR_RGB2BGR)
    ok, encoded = cv2.imencode(".jpg", resized, [cv2.IMWRITE_JPEG_QUALITY, quality])
    assert ok
    return cv2.cvtColor(cv2.imdecode(encoded, cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)


def rows(name: str) -> list[tuple[str, int, str]]:
    return [(*parse_row(row), label) for row, label in LABELS[name].items()]


@pytest.fixture(scope="module")
def gallery_dir(samples_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A gallery of the match a scoreboard's portraits, without two of its heroes."""
    folder = tmp_path_factory.mktemp("gallery")
    screen = locate_screen(load_rgb(samples_dir / GALLERY_SOURCE))
    for team, slot, label in rows(GALLERY_SOURCE):
        if label not in HELD_OUT:
            save_portrait(folder, label, crop_portrait(screen.image, screen.layout, team, slot))
    return folder


@pytest.fixture(scope="module")
def gallery(gallery_dir: Path) -> HeroGallery:
    return HeroGallery(gallery_dir, THRESHOLD)


def identified(gallery: HeroGallery, screen: Screen, name: str) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for team, slot, label in rows(name):
        match = gallery.match(crop_portrait(screen.image, screen.layout, team, slot))
        found[f"{team}:{slot}"] = (label, match)
    return found


def assert_identified(gallery: HeroGallery, screen: Screen, name: str) -> None:
    for row, (label, match) in identified(gallery, screen, name).items():
        if label in gallery.index.names:
            assert match.hero == label, f"{name} {row}: got {match.candidates}, expected {label}"
            assert match.score >= THRESHOLD, f"{name} {row}: score {match.score}"
        else:
            assert match.hero is None, f"{name} {row}: unknown {label} matched {match.hero} {match.score}"


def test_gallery_holds_eight_heroes(gallery: HeroGallery) -> None:
    assert len(gallery.index) == 8
    assert set(gallery.index.names) == {f"hero-a{i}" for i in range(1, 9)}


def test_same_match_damage_view(gallery: HeroGallery, samples_dir: Path) -> None:
    screen = locate_screen(load_rgb(samples_dir / "match-a-damage.png"))
    assert_identified(gallery, screen, "match-a-damage.png")


@pytest.mark.parametrize("name", ["match-b-scoreboard.png", "match-b-damage.png"])
def test_other_match_repeat_and_unknowns(gallery: HeroGallery, samples_dir: Path, name: str) -> None:
    screen = locate_screen(load_rgb(samples_dir / name))
    found = identified(gallery, screen, name)
    assert found["ally:2"][1].hero == "hero-a5"
    unknown = [row for row, (label, _) in found.items() if label not in gallery.index.names]
    assert len(unknown) == 9
    assert_identified(gallery, screen, name)


@pytest.mark.parametrize("size", RESIZED, ids=lambda size: f"{size[0]}x{size[1]}-q{size[2]}")
@pytest.mark.parametrize("name", ["match-a-scoreboard.png", "match-a-damage.png", "match-b-scoreboard.png"])
def test_resized_jpeg(gallery: HeroGallery, samples_dir: Path, name: str, size: tuple[int, int, int]) -> None:
    screen = locate_screen(resized_jpeg(load_rgb(samples_dir / name), *size))
    assert_identified(gallery, screen, name)


def test_identify_heroes_fills_rows(gallery: HeroGallery, samples_dir: Path) -> None:
    screen = locate_screen(load_rgb(samples_dir / "match-b-scoreboard.png"))
    players: list[dict[str, Any]] = [
        {"team": team, "slot": slot, "hero": None, "hero_confidence": None}
        for team, slot, _ in rows("match-b-scoreboard.png")
    ]
    warnings: list[str] = []
    identify_heroes(gallery, screen.image, screen.layout, players, warnings)

    ally_two = next(p for p in players if (p["team"], p["slot"]) == ("ally", 2))
    assert ally_two["hero"] == "hero-a5"
    assert ally_two["hero_confidence"] >= THRESHOLD
    others = [p for p in players if p is not ally_two]
    assert all(p["hero"] is None and p["hero_confidence"] is None for p in others)
    assert len(warnings) == 1, warnings
    prefix = "hero not identified, no gallery match reaches 0.75: ally slot 1 (closest: "
    assert warnings[0].startswith(prefix)
    assert "enemy slot 5" in warnings[0]


def test_identify_heroes_without_gallery() -> None:
    warnings: list[str] = []
    identify_heroes(None, np.zeros((10, 10, 3), np.uint8), None, [], warnings)  # type: ignore[arg-type]
    assert warnings == [NO_MODEL_WARNING]


def test_gallery_reloads_on_new_image(gallery_dir: Path, samples_dir: Path, tmp_path: Path) -> None:
    folder = tmp_path / "gallery"
    folder.mkdir()
    fresh = HeroGallery(folder, THRESHOLD)
    assert len(fresh.index) == 0
    assert not fresh.refresh()

    screen = locate_screen(load_rgb(samples_dir / "match-a-scoreboard.png"))
    portrait = crop_portrait(screen.image, screen.layout, "enemy", 4)
    first = save_portrait(folder, "hero-a9", portrait)
    assert fresh.refresh()
    assert fresh.index.names == ["hero-a9"]
    assert save_portrait(folder, "hero-a9", portrait) == first
    assert len(scan(folder)) == 1


def test_gallery_file_names(tmp_path: Path) -> None:
    folder = tmp_path
    (folder / "Yi Sun-shin").mkdir()
    assert hero_of(folder / "Layla.png", folder) == "Layla"
    assert hero_of(folder / "Layla-2.jpg", folder) == "Layla"
    assert hero_of(folder / "Chang'e_3.webp", folder) == "Chang'e"
    assert hero_of(folder / "Yi Sun-shin" / "0f3a.png", folder) == "Yi Sun-shin"

    cv2.imwrite(str(folder / "Layla.png"), np.zeros((8, 8, 3), np.uint8))
    cv2.imwrite(str(folder / "Yi Sun-shin" / "a.png"), np.zeros((8, 8, 3), np.uint8))
    (folder / ".hidden.png").write_bytes(b"")
    (folder / "notes.txt").write_text("not an image")
    assert [(image.hero, image.path.name) for image in scan(folder)] == [("Layla", "Layla.png"),
                                                                        ("Yi Sun-shin", "a.png")]


@pytest.mark.parametrize("raw", ["", "   ", "../x", ".hidden", "a/b", "a\\b", "tab\there", "x" * 41, 7])
def test_invalid_hero_names(raw: object) -> None:
    with pytest.raises(InvalidHeroName):
        valid_hero_name(raw)


def test_valid_hero_names() -> None:
    assert valid_hero_name("  Layla ") == "Layla"
    assert valid_hero_name("Chang'e") == "Chang'e"
    assert valid_hero_name("X.Borg") == "X.Borg"


@pytest.mark.parametrize("raw", ["ally", "ally:0", "ally:6", "team:1", "enemy:x", "ally:3:1"])
def test_invalid_rows(raw: str) -> None:
    with pytest.raises(ValueError):
        parse_row(raw)


def test_locate_screen_rejects_other_images() -> None:
    with pytest.raises(RowNotFound):
        locate_screen(np.full((600, 1200, 3), 40, np.uint8))


def test_cli_add_and_list(samples_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "gallery"
    screenshot = str(samples_dir / "match-b-scoreboard.png")
    assert cli_main(["heroes", "add", screenshot, "--row", "enemy:3", "--hero", "hero-b8",
                     "--gallery", str(folder)]) == 0
    assert cli_main(["heroes", "add", screenshot, "--row", "ally:2", "--hero", "hero-a5",
                     "--gallery", str(folder)]) == 0
    added = capsys.readouterr().out
    assert "added enemy slot 3" in added

    assert cli_main(["heroes", "list", "--gallery", str(folder)]) == 0
    listing = capsys.readouterr()
    assert listing.out.splitlines() == ["hero-a5\t1", "hero-b8\t1"]
    assert "2 images of 2 heroes" in listing.err

    gallery = HeroGallery(folder, THRESHOLD)
    screen = locate_screen(load_rgb(samples_dir / "match-b-damage.png"))
    assert gallery.match(crop_portrait(screen.image, screen.layout, "enemy", 3)).hero == "hero-b8"


def test_cli_add_rejects_bad_row(samples_dir: Path, tmp_path: Path,
                                 capsys: pytest.CaptureFixture[str]) -> None:
    screenshot = str(samples_dir / "match-b-scoreboard.png")
    arguments = ["heroes", "add", screenshot, "--row", "ally:9", "--hero", "x", "--gallery", str(tmp_path)]
    status = cli_main(arguments)
    assert status == 2
    assert "row must be ally:1 to ally:5" in capsys.readouterr().err
    assert not any(tmp_path.iterdir())
