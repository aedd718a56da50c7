"""Headless Chromium driving the dashboard, shared by the browser tests."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Dialog, Locator, Page, ViewportSize, expect, sync_playwright

CHROMIUM = Path("/usr/bin/chromium")
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
DESKTOP: ViewportSize = {"width": 1280, "height": 900}
# Tall enough that the sticky result panel shows the teams and the screenshot without scrolling.
TALL_DESKTOP: ViewportSize = {"width": 1280, "height": 2000}

# Generous because the first job may wait for the worker to warm up.
# CPU analysis of one real sample takes an estimated 10-20 s.
FINISH_TIMEOUT_MS = 240_000


@dataclass
class Dashboard:
    """A page showing the dashboard, with the dialogs and script errors it raised."""

    page: Page
    base_url: str
    artifacts: Path
    dialogs: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def open(self, query: str = "") -> None:
        self.page.goto(f"{self.base_url}/{query}")
        expect(self.page.locator("#job-list")).to_be_attached()

    def connection(self) -> Locator:
        return self.page.locator("[data-connection-text]")

    def upload(self, *paths: Path) -> None:
        self.page.set_input_files("#file-input", [str(path) for path in paths])

    def card(self, title: str) -> Locator:
        return self.page.locator(".job-card", has=self.page.locator(".job-title", has_text=title))

    def wait_state(self, card: Locator, state: str | re.Pattern[str], timeout_ms: float = 15_000) -> None:
        expect(card).to_have_attribute("data-state", state, timeout=timeout_ms)

    def wait_finished(self, card: Locator) -> None:
        """Wait for the job to end, then fail at once, with the job's error, unless it finished."""
        self.wait_state(card, re.compile("finished|failed"), timeout_ms=FINISH_TIMEOUT_MS)
        state = card.get_attribute("data-state")
        assert state == "finished", f"job {state}: {card.locator('.job-detail').text_content()}"

    def uploader_row(self) -> Locator:
        return self.page.locator("#result tr.is-you")

    def save(self, name: str) -> None:
        folder = self.artifacts / "dashboard"
        folder.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(folder / f"{name}.png"), full_page=True)


@contextmanager
def launch_chromium() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}; install Debian's chromium package")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=LAUNCH_ARGS)
        yield launched
        launched.close()


@contextmanager
def open_dashboard(browser: Browser, base_url: str, artifacts: Path) -> Iterator[Dashboard]:
    """Open a page in a new browser context that records the page's dialogs and script errors."""
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    page.set_default_timeout(15_000)
    opened = Dashboard(page, base_url, artifacts)

    def record_dialog(dialog: Dialog) -> None:
        opened.dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", record_dialog)
    page.on("pageerror", lambda error: opened.errors.append(str(error)))
    yield opened
    context.close()
