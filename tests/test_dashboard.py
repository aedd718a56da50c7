"""The dashboard in web_ui/ in headless Chromium, against the real API, worker and Redis.

Each test saves screenshots of the states it reaches under artifacts/dashboard/.
"""

from __future__ import annotations

import json
import random
import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, ViewportSize, WebSocketRoute, expect

from shared.redis_server import free_port
from tests.browser import FINISH_TIMEOUT_MS, TALL_DESKTOP, Dashboard, launch_chromium, open_dashboard
from tests.conftest import Process, Service, start_api, wait_for_health
from workers.training.synthetic import render_screen
from workers.training.values import sample_match

PHONE: ViewportSize = {"width": 375, "height": 812}

POLL_LABEL = "Live updates unavailable, polling every 2.5 s"
SOCKET_URL = re.compile(r"/ws$")
ANNOTATED_LOADED = """() => {
  const image = document.querySelector("#result .shot-image");
  return image.src.endsWith("/annotated.png") && image.complete && image.naturalWidth > 0;
}"""
BLOB_IMAGE_LOADED = """() => {
  const image = document.querySelector("#result .shot-image");
  return image.src.startsWith("blob:") && image.complete && image.naturalWidth > 0;
}"""
CLIENT_TOKEN = "dashboard-client-token"
HOSTILE_NAME = "<img src=x onerror=alert(1)>"
HOSTILE_SQUAD = "<b>X</b>"
HOSTILE_WARNING = "<script>alert(2)</script> unreadable gold"
HOSTILE_ERROR = '<img src=y onerror="alert(3)"> is not a post-match screen'


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with launch_chromium() as launched:
        yield launched


@pytest.fixture
def dashboard(browser: Browser, service: Service, artifacts_dir: Path) -> Iterator[Dashboard]:
    with open_dashboard(browser, service.base_url, artifacts_dir) as opened:
        yield opened


@pytest.fixture(scope="module")
def secured_url(service: Service) -> Iterator[str]:
    """A second API process on the same Redis and worker, with API tokens required."""
    port = free_port()
    api: Process = start_api(
        service.redis.url, port, name="dashboard-secured-api", SKILLSHIFT_API_TOKENS=CLIENT_TOKEN
    )
    base_url = f"http://127.0.0.1:{port}"
    try:
        wait_for_health(base_url, workers=1)
        yield base_url
    finally:
        api.stop()


def event(job_id: str, seq: int, state: str, **fields: Any) -> dict[str, Any]:
    now = time.time()
    message = {"type": "event", "job_id": job_id, "state": state, "seq": seq, "published_at": now}
    message.update(created_at=now - 30, **fields)
    if state != "queued":
        message.setdefault("started_at", now - 20)
    if state in ("finished", "failed"):
        message.setdefault("finished_at", now - 2)
    return message


def hostile_result(samples_dir: Path) -> dict[str, Any]:
    """The truth of a real scoreboard with markup in the names, squads and warnings."""
    result: dict[str, Any] = json.loads((samples_dir / "truth.json").read_text())["match-a-scoreboard.png"]
    result["players"][1]["name"] = HOSTILE_NAME
    result["players"][6]["squad"] = HOSTILE_SQUAD
    result.update(confidence=0.71, warnings=[HOSTILE_WARNING], timings_ms={"reading": 9100.0})
    result["image"] = {"width": 2532, "height": 1170}
    return result


def mock_socket(messages: list[dict[str, Any]]) -> Callable[[WebSocketRoute], None]:
    """Return a WS /ws handler that confirms the "*" subscription, then sends `messages` in order."""

    def handle(socket: WebSocketRoute) -> None:
        def on_message(text: str | bytes) -> None:
            if json.loads(text) == {"op": "subscribe", "job_id": "*"}:
                socket.send(json.dumps({"type": "subscribed", "job_id": "*"}))
                for message in messages:
                    socket.send(json.dumps(message))

        socket.on_message(on_message)

    return handle


def test_upload_shows_uploader_kda(dashboard: Dashboard, samples_dir: Path) -> None:
    dashboard.open()
    expect(dashboard.connection()).to_have_text("Live")
    expect(dashboard.page.locator("[data-metric=workers]")).not_to_have_text("–")
    dashboard.save("empty")

    dashboard.upload(samples_dir / "match-a-scoreboard.png")
    card = dashboard.card("match-a-scoreboard.png")
    expect(card).to_have_count(1, timeout=2_000)
    dashboard.wait_state(card, re.compile("started|finished"), timeout_ms=FINISH_TIMEOUT_MS)
    dashboard.save("started")
    dashboard.wait_finished(card)
    expect(card.locator(".job-stage")).to_contain_text("K/D/A 2/2/17")
    dashboard.save("finished-card")

    card.click()
    expect(dashboard.uploader_row()).to_have_count(1)
    expect(dashboard.uploader_row().locator("td.col-kda")).to_have_text("2/2/17")
    expect(dashboard.page.locator("#result .outcome")).to_have_text("victory", ignore_case=True)
    dashboard.page.set_viewport_size(TALL_DESKTOP)
    dashboard.save("result-view")

    dashboard.page.get_by_role("button", name="Show detections").click()
    shot = dashboard.page.locator("#result .shot-image")
    expect(shot).to_have_attribute("src", re.compile(r"/annotated\.png$"))
    dashboard.page.wait_for_function(ANNOTATED_LOADED)
    expect(dashboard.page.locator("#result .shot-note")).to_be_hidden()
    assert dashboard.errors == []


def test_poll_transport_shows_result(dashboard: Dashboard, samples_dir: Path) -> None:
    dashboard.open("?transport=poll")
    expect(dashboard.connection()).to_have_text(POLL_LABEL)
    dashboard.save("polling-fallback")

    dashboard.upload(samples_dir / "match-a-scoreboard.png")
    card = dashboard.card("match-a-scoreboard.png")
    dashboard.wait_finished(card)
    card.click()

    expect(dashboard.uploader_row().locator("td.col-kda")).to_have_text("2/2/17")
    expect(dashboard.connection()).to_have_text(POLL_LABEL)
    assert dashboard.errors == []


def test_unreachable_socket_falls_back_to_polling(dashboard: Dashboard, samples_dir: Path) -> None:
    attempts: list[float] = []

    def refuse(socket: WebSocketRoute) -> None:
        attempts.append(time.monotonic())
        socket.close(code=1011, reason="unreachable in this test")

    dashboard.page.route_web_socket(SOCKET_URL, refuse)
    dashboard.open()
    expect(dashboard.connection()).to_have_text(POLL_LABEL)

    dashboard.upload(samples_dir / "match-a-scoreboard.png")
    card = dashboard.card("match-a-scoreboard.png")
    dashboard.wait_finished(card)
    card.click()

    expect(dashboard.uploader_row().locator("td.col-kda")).to_have_text("2/2/17")
    # The first retry comes about 1 s after the first refusal, which a quick job may beat.
    deadline = time.monotonic() + 10
    while len(attempts) < 2 and time.monotonic() < deadline:
        dashboard.page.wait_for_timeout(200)
    assert len(attempts) >= 2, "the page never retried the WebSocket"
    assert dashboard.errors == []


def test_socket_reconnects_with_backoff(dashboard: Dashboard) -> None:
    attempts: list[float] = []

    def refuse_twice(socket: WebSocketRoute) -> None:
        attempts.append(time.monotonic())
        if len(attempts) <= 2:
            socket.close(code=1011, reason="dropped in this test")
        else:
            socket.connect_to_server()

    dashboard.page.route_web_socket(SOCKET_URL, refuse_twice)
    dashboard.open()
    expect(dashboard.connection()).to_have_text(POLL_LABEL)
    expect(dashboard.connection()).to_have_text("Live", timeout=15_000)

    assert len(attempts) == 3
    first_wait, second_wait = attempts[1] - attempts[0], attempts[2] - attempts[1]
    # Lower bounds check the backoff; the upper bounds leave room for a busy machine.
    assert 0.8 <= first_wait < 5.0, f"first retry after {first_wait:.2f} s, expected about 1 s"
    assert 1.6 <= second_wait < 8.0, f"second retry after {second_wait:.2f} s, expected about 2 s"
    assert second_wait > first_wait


def test_screenshot_text_is_not_markup(dashboard: Dashboard, samples_dir: Path) -> None:
    finished_id, failed_id = "a" * 32, "b" * 32
    messages = [
        event(finished_id, 2, "started", stage="reading"),
        event(finished_id, 4, "finished", result=hostile_result(samples_dir)),
        event(finished_id, 3, "started", stage="parsing"),
        event(failed_id, 3, "failed", error=HOSTILE_ERROR),
    ]
    dashboard.page.route_web_socket(SOCKET_URL, mock_socket(messages))
    dashboard.open()
    finished = dashboard.page.locator(f".job-card[data-job-id='{finished_id}']")
    failed = dashboard.page.locator(f".job-card[data-job-id='{failed_id}']")

    dashboard.wait_state(finished, "finished")
    dashboard.wait_state(failed, "failed")
    expect(failed.locator(".job-detail")).to_have_text(HOSTILE_ERROR)
    dashboard.save("failed-card")

    finished.focus()
    dashboard.page.keyboard.press("Enter")
    expect(dashboard.page.locator("#result h2")).to_be_focused()
    table = dashboard.page.locator("#result .teams")
    expect(table.get_by_text(HOSTILE_NAME, exact=True)).to_have_count(1)
    expect(table.get_by_text(HOSTILE_SQUAD, exact=True)).to_have_count(1)
    expect(dashboard.page.locator("#result .warnings li")).to_have_text(HOSTILE_WARNING)
    expect(dashboard.page.locator("img[src='x'], img[src='y'], #result b, #result script")).to_have_count(0)

    failed.click()
    expect(dashboard.page.locator("#result .error-text")).to_have_text(HOSTILE_ERROR)
    dashboard.save("failed-result")
    expect(finished).to_have_attribute("data-state", "finished")
    dashboard.page.wait_for_timeout(500)
    assert dashboard.dialogs == []
    assert dashboard.errors == []


def test_hostile_screenshot_end_to_end(dashboard: Dashboard, service: Service, tmp_path: Path) -> None:
    match = sample_match(random.Random(7))
    match["players"][0]["name"] = HOSTILE_NAME
    match["players"][6]["name"] = "<b>bold</b>"
    image, _, _ = render_screen(7, "scoreboard", match=match)
    path = tmp_path / "hostile-names.png"
    image.save(path)

    dashboard.open()
    dashboard.upload(path)
    card = dashboard.card("hostile-names.png")
    dashboard.wait_state(card, re.compile("finished|failed"), timeout_ms=FINISH_TIMEOUT_MS)
    job_id = card.get_attribute("data-job-id")
    final = httpx.get(f"{service.base_url}/api/jobs/{job_id}", timeout=10).json()
    card.click()

    if final["state"] == "finished":
        read_names = [row["name"] for row in final["result"]["players"] if row.get("name")]
        shown_names = dashboard.page.locator("#result .teams .name").all_text_contents()
        assert read_names, "the worker read no player names from the synthetic scoreboard"
        assert set(read_names) <= set(shown_names)
    else:
        expect(dashboard.page.locator("#result .error-text")).to_have_text(final["error"])
    expect(dashboard.page.locator("#result img")).to_have_count(1)
    expect(dashboard.page.locator("#result b, #result script")).to_have_count(0)
    dashboard.save("hostile-names-result")
    dashboard.page.wait_for_timeout(500)
    assert dashboard.dialogs == []
    assert dashboard.errors == []


def test_token_server_asks_for_token(dashboard: Dashboard, secured_url: str, samples_dir: Path) -> None:
    dashboard.base_url = secured_url
    dashboard.open()
    form = dashboard.page.locator("#token-form")
    expect(form).to_be_visible()
    dashboard.save("token-form")

    dashboard.page.get_by_label("This server needs an API token").fill(CLIENT_TOKEN)
    dashboard.page.get_by_role("button", name="Save token").click()
    expect(form).to_be_hidden()
    expect(dashboard.connection()).to_have_text("Live")

    dashboard.upload(samples_dir / "match-a-scoreboard.png")
    card = dashboard.card("match-a-scoreboard.png")
    dashboard.wait_finished(card)
    card.click()
    expect(dashboard.uploader_row().locator("td.col-kda")).to_have_text("2/2/17")

    dashboard.page.get_by_role("button", name="Show detections").click()
    dashboard.page.wait_for_function(BLOB_IMAGE_LOADED)
    expect(dashboard.page.locator("#result .shot-note")).to_be_hidden()
    expect(dashboard.connection()).to_have_text("Live")
    assert dashboard.errors == []


def test_phone_layout_and_reduced_motion(dashboard: Dashboard, samples_dir: Path) -> None:
    job_id = "c" * 32
    finished = event(job_id, 5, "finished", result=hostile_result(samples_dir))
    dashboard.page.route_web_socket(SOCKET_URL, mock_socket([finished]))
    dashboard.page.set_viewport_size(PHONE)
    dashboard.page.emulate_media(reduced_motion="reduce")
    dashboard.open()

    card = dashboard.page.locator(f".job-card[data-job-id='{job_id}']")
    card.click()
    expect(dashboard.uploader_row()).to_have_count(1)
    dashboard.save("result-view-375px")

    assert dashboard.page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    dot = dashboard.page.locator(".connection-dot")
    assert dot.evaluate("node => getComputedStyle(node).animationName") == "none"
    assert dashboard.errors == []
