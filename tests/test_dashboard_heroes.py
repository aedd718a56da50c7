"""Hero corrections in the dashboard, in headless Chromium against a real API, worker and Redis.

The worker's gallery contains eight portraits of match a's scoreboard, all but enemy slots 4 and 5
(tests/data/hero_labels.json names them), so those two rows of match a stay unidentified.
Screenshots go to artifacts/dashboard/.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import cv2
import httpx
import pytest
from playwright.sync_api import Browser, Locator, expect

from shared.redis_server import LocalRedis, free_port
from tests.browser import TALL_DESKTOP, Dashboard, launch_chromium, open_dashboard
from tests.conftest import WORKER_READY_TIMEOUT_S, Process, start_api, start_worker, wait_for_health
from workers.pipeline.gallery import save_portrait
from workers.pipeline.portraits import crop_portrait, locate_screen

SAMPLE = "match-a-scoreboard.png"
LABELS: dict[str, str] = json.loads(
    (Path(__file__).resolve().parent / "data" / "hero_labels.json").read_text()
)[SAMPLE]
HELD_OUT = {"hero-a9", "hero-a10"}
CORRECT_BUTTON = re.compile(r"^Correct the hero of ")
SAVE_BUTTON = re.compile(r"^Save the hero of ")
HERO_FIELD = re.compile(r"^Hero of ")


@dataclass
class HeroService:
    url: str
    url_off: str
    gallery: Path


@pytest.fixture(scope="module")
def hero_service(samples_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[HeroService]:
    """Start a worker with a gallery, an API with corrections on, and one with them off, on one Redis."""
    gallery = tmp_path_factory.mktemp("dashboard-hero-gallery")
    image = cv2.cvtColor(cv2.imread(str(samples_dir / SAMPLE)), cv2.COLOR_BGR2RGB)
    screen = locate_screen(image)
    for row, label in LABELS.items():
        team, slot = row.split(":")
        if label not in HELD_OUT:
            save_portrait(gallery, label, crop_portrait(screen.image, screen.layout, team, int(slot)))

    redis = LocalRedis().start()
    port, port_off = free_port(), free_port()
    heroes = {"SKILLSHIFT_HERO_GALLERY": str(gallery), "SKILLSHIFT_HERO_CORRECTIONS": "1"}
    processes: list[Process] = [
        start_worker(redis.url, name="dashboard-heroes-worker", SKILLSHIFT_DETECTOR_WEIGHTS="none",
                     SKILLSHIFT_DEVICE="cpu", **heroes),
        start_api(redis.url, port, name="dashboard-heroes-api", SKILLSHIFT_UPLOADS_PER_MINUTE="1000",
                  **heroes),
        start_api(redis.url, port_off, name="dashboard-heroes-api-off",
                  SKILLSHIFT_UPLOADS_PER_MINUTE="1000"),
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
def browser() -> Iterator[Browser]:
    with launch_chromium() as launched:
        yield launched


@pytest.fixture
def dashboard(browser: Browser, hero_service: HeroService, artifacts_dir: Path) -> Iterator[Dashboard]:
    with open_dashboard(browser, hero_service.url, artifacts_dir) as opened:
        yield opened


def open_sample_result(dashboard: Dashboard, samples_dir: Path) -> str:
    """Upload the sample once the page has read /api/health, open its result and return the job id."""
    dashboard.open()
    expect(dashboard.page.locator("[data-metric=workers]")).not_to_have_text("–")
    dashboard.upload(samples_dir / SAMPLE)
    card = dashboard.card(SAMPLE)
    dashboard.wait_finished(card)
    card.click()
    expect(dashboard.uploader_row()).to_have_count(1)
    job_id = card.get_attribute("data-job-id")
    assert job_id
    return job_id


def team_row(dashboard: Dashboard, team: str, slot: int) -> Locator:
    return dashboard.page.locator(f"#result table.team-{team} tbody tr").nth(slot - 1)


def stored_hero(service: HeroService, job_id: str, team: str, slot: int) -> object:
    event = httpx.get(f"{service.url}/api/jobs/{job_id}", timeout=10).json()
    return next(p["hero"] for p in event["result"]["players"] if (p["team"], p["slot"]) == (team, slot))


def test_correct_hero_with_keyboard(dashboard: Dashboard, hero_service: HeroService,
                                    samples_dir: Path) -> None:
    job_id = open_sample_result(dashboard, samples_dir)
    page = dashboard.page
    expect(page.get_by_role("button", name=CORRECT_BUTTON)).to_have_count(10)
    row = team_row(dashboard, "enemy", 4)
    expect(row.locator(".hero-name")).to_have_text("–")
    warnings = page.locator("#result .warnings li")
    expect(warnings.filter(has_text="enemy slot 4 (closest: ")).to_have_count(1)
    page.evaluate("window.heroTestMarker = 'same page'")

    edit = row.get_by_role("button", name=CORRECT_BUTTON)
    field = row.get_by_role("textbox", name=HERO_FIELD)
    edit.focus()
    page.keyboard.press("Enter")
    expect(field).to_be_focused()
    page.keyboard.press("Escape")
    expect(field).to_be_hidden()
    expect(edit).to_be_focused()
    expect(page.locator("#result .outcome")).to_be_visible()

    page.keyboard.press("Enter")
    expect(field).to_be_focused()
    page.keyboard.type("hero-a9")
    page.keyboard.press("Tab")
    expect(row.get_by_role("button", name=SAVE_BUTTON)).to_be_focused()
    page.keyboard.press("Enter")

    expect(row.locator(".hero-name")).to_have_text("hero-a9")
    expect(row.locator(".hero")).to_contain_text("(corrected)")
    expect(edit).to_be_focused()
    expect(warnings.filter(has_text="enemy slot 4 (")).to_have_count(0)
    expect(warnings.filter(has_text="enemy slot 5 (closest: ")).to_have_count(1)
    assert page.evaluate("window.heroTestMarker") == "same page"
    assert stored_hero(hero_service, job_id, "enemy", 4) == "hero-a9"
    page.set_viewport_size(TALL_DESKTOP)
    dashboard.save("hero-corrected")
    assert dashboard.errors == []


def test_hero_markup_shown_as_text(dashboard: Dashboard, hero_service: HeroService,
                                   samples_dir: Path) -> None:
    job_id = open_sample_result(dashboard, samples_dir)
    page = dashboard.page
    row = dashboard.uploader_row()
    before = row.locator(".hero-name").text_content()

    row.get_by_role("button", name=CORRECT_BUTTON).click()
    field = row.get_by_role("textbox", name=HERO_FIELD)
    save = row.get_by_role("button", name=SAVE_BUTTON)
    field.fill("<b>x</b>")
    save.click()
    expect(row.locator(".hero-error")).to_contain_text("must not contain '/'")
    expect(row.locator(".hero-name")).to_have_text(before or "")
    expect(page.locator("#result b, #result script")).to_have_count(0)
    dashboard.save("hero-invalid-name")

    field.fill("<b>x")
    save.click()
    expect(row.locator(".hero-name")).to_have_text("<b>x")
    expect(page.locator("#result .facts")).to_contain_text("<b>x")
    expect(page.locator("#result b, #result script")).to_have_count(0)
    assert stored_hero(hero_service, job_id, "ally", 5) == "<b>x"
    dashboard.save("hero-markup-as-text")
    page.wait_for_timeout(500)
    assert dashboard.dialogs == []
    assert dashboard.errors == []


def test_no_correct_button_when_off(browser: Browser, hero_service: HeroService, samples_dir: Path,
                                    artifacts_dir: Path) -> None:
    assert httpx.get(f"{hero_service.url_off}/api/health", timeout=10).json()["hero_corrections"] is False
    with open_dashboard(browser, hero_service.url_off, artifacts_dir) as dashboard:
        open_sample_result(dashboard, samples_dir)
        page = dashboard.page
        expect(page.locator("#result table.team-ally tbody tr")).to_have_count(5)
        expect(page.get_by_role("button", name=re.compile("Correct"))).to_have_count(0)
        expect(page.locator("#result .hero-edit, #result .hero-form")).to_have_count(0)
        dashboard.save("hero-corrections-off")
        assert dashboard.errors == []
