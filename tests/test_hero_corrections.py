"""Heroes in the running service: a worker with a gallery, and corrections through the API.

The gallery holds eight portraits of match a's scoreboard (see tests/test_heroes.py for the labels).
Match b shares one hero with it, ally slot 2, which is also the uploader's row there.
"""

from __future__ import annotations

import io
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import cv2
import httpx
import numpy as np
import pytest
from PIL import Image

from shared.corrections import correct_hero
from shared.heroes import (
    EMPTY_GALLERY_WARNING,
    NO_DETECTION_PREFIX,
    NO_MODEL_WARNING,
    SLOTS,
    TEAMS,
    unmatched_row,
    unmatched_warning,
)
from shared.redis_server import LocalRedis, free_port
from tests.conftest import WORKER_READY_TIMEOUT_S, Process, start_api, start_worker, wait_for_health
from workers.pipeline.gallery import save_portrait, scan
from workers.pipeline.portraits import crop_portrait, locate_screen

LABELS: dict[str, dict[str, str]] = json.loads(
    (Path(__file__).resolve().parent / "data" / "hero_labels.json").read_text()
)
OWNER = "owner-token-0123456789"
OTHER = "other-token-0123456789"
THRESHOLD = 0.75


class HeroService:
    def __init__(self, url: str, url_off: str, gallery: Path) -> None:
        self.url = url
        self.url_off = url_off
        self.gallery = gallery

    def upload(self, data: bytes, name: str, token: str = OWNER) -> dict[str, Any]:
        files = {"file": (name, data, "image/png")}
        response = httpx.post(f"{self.url}/api/jobs?fresh=1", files=files, headers=auth(token), timeout=30)
        assert response.status_code == 202, response.text
        return dict(response.json())

    def wait_final(self, job_id: str, timeout_s: float = 300) -> dict[str, Any]:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            event = httpx.get(f"{self.url}/api/jobs/{job_id}", headers=auth(OWNER), timeout=5).json()
            if event["state"] in ("finished", "failed"):
                return dict(event)
            time.sleep(0.25)
        raise TimeoutError(f"job {job_id} not final within {timeout_s} s")

    def correct(self, job_id: str, team: str, slot: object, body: Any, token: str | None = OWNER,
                url: str | None = None) -> httpx.Response:
        target = f"{url or self.url}/api/jobs/{job_id}/players/{team}/{slot}/hero"
        content = body if isinstance(body, bytes) else json.dumps(body).encode()
        headers = {"Content-Type": "application/json", **auth(token)}
        return httpx.post(target, content=content, headers=headers, timeout=10)


def auth(token: str | None) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"} if token else {}


def png_bytes(width: int, height: int) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (40, 60, 90)).save(buffer, "PNG")
    return buffer.getvalue()


def player(result: dict[str, Any], team: str, slot: int) -> dict[str, Any]:
    return next(p for p in result["players"] if (p["team"], p["slot"]) == (team, slot))


@pytest.fixture(scope="module")
def heroes_service(samples_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[HeroService]:
    gallery = tmp_path_factory.mktemp("hero-gallery")
    image = cv2.cvtColor(cv2.imread(str(samples_dir / "match-a-scoreboard.png")), cv2.COLOR_BGR2RGB)
    screen = locate_screen(image)
    for row, label in LABELS["match-a-scoreboard.png"].items():
        team, slot = row.split(":")
        if label not in ("hero-a9", "hero-a10"):
            save_portrait(gallery, label, crop_portrait(screen.image, screen.layout, team, int(slot)))

    redis = LocalRedis().start()
    port, port_off = free_port(), free_port()
    heroes = {"SKILLSHIFT_HERO_GALLERY": str(gallery), "SKILLSHIFT_HERO_CORRECTIONS": "1"}
    processes: list[Process] = [
        start_worker(redis.url, name="heroes-worker", SKILLSHIFT_DETECTOR_WEIGHTS="none",
                     SKILLSHIFT_DEVICE="cpu", **heroes),
        start_api(redis.url, port, name="heroes-api", SKILLSHIFT_API_TOKENS=f"{OWNER},{OTHER}",
                  SKILLSHIFT_UPLOADS_PER_MINUTE="1000", **heroes),
        start_api(redis.url, port_off, name="heroes-api-off", SKILLSHIFT_UPLOADS_PER_MINUTE="1000"),
    ]
    service = HeroService(f"http://127.0.0.1:{port}", f"http://127.0.0.1:{port_off}", gallery)
    try:
        wait_for_health(service.url, workers=1, timeout_s=WORKER_READY_TIMEOUT_S)
        wait_for_health(service.url_off, workers=1, timeout_s=60)
        yield service
    finally:
        for process in processes:
            process.stop(timeout=60)
        redis.stop()


@pytest.fixture(scope="module")
def match_b(heroes_service: HeroService, samples_dir: Path) -> dict[str, Any]:
    job = heroes_service.upload((samples_dir / "match-b-scoreboard.png").read_bytes(), "match-b.png")
    event = heroes_service.wait_final(job["job_id"])
    assert event["state"] == "finished", event
    return event


def test_health_reports_corrections(heroes_service: HeroService) -> None:
    assert httpx.get(f"{heroes_service.url}/api/health").json()["hero_corrections"] is True
    assert httpx.get(f"{heroes_service.url_off}/api/health").json()["hero_corrections"] is False


def test_worker_identifies_gallery_hero(match_b: dict[str, Any]) -> None:
    result = match_b["result"]
    you = player(result, "ally", 2)
    assert you["is_you"]
    assert you["hero"] == "hero-a5"
    assert you["hero_confidence"] >= THRESHOLD
    assert result["hero"] == "hero-a5"
    assert result["hero_confidence"] == you["hero_confidence"]
    others = [p for p in result["players"] if p is not you]
    assert [p["hero"] for p in others] == [None] * 9
    assert "hero not identified: no hero model configured" not in result["warnings"]
    unknown = [w for w in result["warnings"] if w.startswith("hero not identified, no gallery match")]
    assert len(unknown) == 1, result["warnings"]
    assert "ally slot 1 (closest: hero-a" in unknown[0]


def test_correction_rejects_bad_requests(heroes_service: HeroService, match_b: dict[str, Any]) -> None:
    job_id = match_b["job_id"]
    cases = [
        ("ally", 1, {"hero": "hero-b1"}, None, None, 401),
        ("ally", 1, {"hero": "hero-b1"}, OTHER, None, 404),
        ("ally", 1, {"hero": "hero-b1"}, None, heroes_service.url_off, 403),
        ("middle", 1, {"hero": "hero-b1"}, OWNER, None, 404),
        ("ally", 6, {"hero": "hero-b1"}, OWNER, None, 404),
        ("ally", 1, b"hero-b1", OWNER, None, 422),
        ("ally", 1, {"name": "hero-b1"}, OWNER, None, 422),
        ("ally", 1, {"hero": "../escape"}, OWNER, None, 422),
        ("ally", 1, {"hero": ""}, OWNER, None, 422),
    ]
    for team, slot, body, token, url, status in cases:
        response = heroes_service.correct(job_id, team, slot, body, token, url)
        assert response.status_code == status, (team, slot, body, token, response.text)
        assert isinstance(response.json()["detail"], str)
    missing = heroes_service.correct("0" * 32, "ally", 1, {"hero": "x"})
    assert missing.status_code == 404
    assert not (heroes_service.gallery / "hero-b1").exists()


def test_correction_of_unreadable_jobs(heroes_service: HeroService) -> None:
    failed = heroes_service.wait_final(heroes_service.upload(png_bytes(120, 120), "small.png")["job_id"])
    assert failed["state"] == "failed"
    response = heroes_service.correct(failed["job_id"], "ally", 1, {"hero": "x"})
    assert response.status_code == 409
    assert "failed" in response.json()["detail"]

    unknown = heroes_service.wait_final(heroes_service.upload(png_bytes(640, 300), "plain.png")["job_id"])
    assert unknown["result"]["view"] == "unknown"
    response = heroes_service.correct(unknown["job_id"], "ally", 1, {"hero": "x"})
    assert response.status_code == 409
    assert "no ally slot 1 row" in response.json()["detail"]


def test_correction_updates_result_and_gallery(heroes_service: HeroService, match_b: dict[str, Any],
                                               samples_dir: Path) -> None:
    job_id = match_b["job_id"]
    response = heroes_service.correct(job_id, "ally", 1, {"hero": " hero-b1 "})
    assert response.status_code == 202, response.text
    event = response.json()
    assert event["seq"] > match_b["seq"]
    assert event["state"] == "finished"
    corrected = player(event["result"], "ally", 1)
    assert corrected["hero"] == "hero-b1"
    assert corrected["hero_corrected"] is True
    assert corrected["hero_confidence"] is None
    assert event["result"]["hero"] == "hero-a5"
    stored = httpx.get(f"{heroes_service.url}/api/jobs/{job_id}", headers=auth(OWNER)).json()
    assert stored["seq"] == event["seq"]
    assert player(stored["result"], "ally", 1)["hero"] == "hero-b1"

    before, after = match_b["result"]["warnings"], stored["result"]["warnings"]
    assert after == event["result"]["warnings"]
    changed = [(old, new) for old, new in zip(before, after, strict=True) if old != new]
    assert len(changed) == 1, (before, after)
    old, new = changed[0]
    assert old.startswith("hero not identified, no gallery match reaches 0.75: ally slot 1 (closest: ")
    assert new.startswith("hero not identified, no gallery match reaches 0.75: ally slot 3 (closest: ")
    assert "ally slot 1 " not in new
    assert new.count(" (closest: ") == 8
    assert old.endswith("; " + new.partition("0.75: ")[2])

    deadline = time.monotonic() + 60
    while not any(image.hero == "hero-b1" for image in scan(heroes_service.gallery)):
        assert time.monotonic() < deadline, "the worker did not add the corrected portrait"
        time.sleep(0.25)

    damage = heroes_service.upload((samples_dir / "match-b-damage.png").read_bytes(), "match-b-damage.png")
    result = heroes_service.wait_final(damage["job_id"])["result"]
    assert player(result, "ally", 1)["hero"] == "hero-b1"
    assert player(result, "ally", 1)["hero_confidence"] >= THRESHOLD
    assert player(result, "ally", 2)["hero"] == "hero-a5"
    assert [p["hero"] for p in result["players"] if p["slot"] > 2 or p["team"] == "enemy"] == [None] * 8


def test_correction_keeps_gallery_images_whole(heroes_service: HeroService) -> None:
    for image in scan(heroes_service.gallery):
        pixels = cv2.imread(str(image.path))
        assert pixels is not None, image.path
        assert isinstance(pixels, np.ndarray) and pixels.shape[0] == pixels.shape[1], image.path


def unmatched_result(rows: list[tuple[str, int]], other_warnings: list[str]) -> dict[str, Any]:
    """A result in which every row in `rows` has no hero and is named in the unmatched-heroes warning."""
    players = [
        {"team": team, "slot": slot, "hero": None if (team, slot) in rows else f"hero-{team}{slot}",
         "hero_confidence": None if (team, slot) in rows else 0.9, "is_you": (team, slot) == ("ally", 2)}
        for team in TEAMS for slot in SLOTS
    ]
    closest = [("hero-x; enemy slot 5", 0.61), ("hero-y", 0.5)]
    listed = [unmatched_row(team, slot, closest) for team, slot in rows]
    return {"hero": None, "players": players, "warnings": [*other_warnings, unmatched_warning(0.75, listed)]}


def test_correction_drops_row_from_warning() -> None:
    result = unmatched_result([("ally", 1), ("ally", 2), ("enemy", 5)], ["duration could not be read"])
    correct_hero(result, "ally", 2, "Layla")

    assert result["hero"] == "Layla"
    assert result["warnings"][0] == "duration could not be read"
    assert result["warnings"][1] == (
        "hero not identified, no gallery match reaches 0.75: "
        "ally slot 1 (closest: hero-x; enemy slot 5 0.61, hero-y 0.50); "
        "enemy slot 5 (closest: hero-x; enemy slot 5 0.61, hero-y 0.50)"
    )
    assert len(result["warnings"]) == 2


def test_correction_of_last_unmatched_row() -> None:
    result = unmatched_result([("enemy", 5)], ["kda not read: the uploader's K/D/A is incomplete"])
    correct_hero(result, "enemy", 5, "Tigreal")
    assert result["warnings"] == ["kda not read: the uploader's K/D/A is incomplete"]

    correct_hero(result, "enemy", 5, "Franco")
    assert result["warnings"] == ["kda not read: the uploader's K/D/A is incomplete"]


def test_correction_of_matched_row_keeps_warnings() -> None:
    result = unmatched_result([("ally", 1)], [])
    warnings = list(result["warnings"])
    correct_hero(result, "enemy", 3, "Miya")
    assert result["warnings"] == warnings


@pytest.mark.parametrize("warning", [NO_MODEL_WARNING, EMPTY_GALLERY_WARNING])
def test_correction_keeps_warning_for_all_rows(warning: str) -> None:
    players = [{"team": team, "slot": slot, "hero": None} for team in TEAMS for slot in SLOTS]
    result = {"players": players, "warnings": [warning, "gold could not be read"]}
    for team, slot in [(p["team"], p["slot"]) for p in players][:-1]:
        correct_hero(result, team, slot, "Layla")
        assert result["warnings"] == [warning, "gold could not be read"], (team, slot)

    correct_hero(result, "enemy", 5, "Layla")
    assert result["warnings"] == ["gold could not be read"]


def test_correction_drops_row_from_detection_warning() -> None:
    players = [{"team": team, "slot": slot, "hero": None} for team in TEAMS for slot in SLOTS]
    result = {"players": players, "warnings": [NO_DETECTION_PREFIX + "ally slot 1, enemy slot 1"]}
    correct_hero(result, "ally", 1, "Layla")
    assert result["warnings"] == [NO_DETECTION_PREFIX + "enemy slot 1"]

    correct_hero(result, "enemy", 1, "Tigreal")
    assert result["warnings"] == []
