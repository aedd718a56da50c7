"""Worker lifecycle with real processes: graceful SIGTERM during a job, and the job timeout."""

from __future__ import annotations

import signal
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from shared.redis_server import LocalRedis, free_port
from tests.conftest import WORKER_READY_TIMEOUT_S, Process, start_api, start_worker, wait_for_health


@pytest.fixture(scope="module")
def stack() -> Iterator[tuple[LocalRedis, str]]:
    redis = LocalRedis().start()
    port = free_port()
    api = start_api(redis.url, port, name="lifecycle-api")
    base_url = f"http://127.0.0.1:{port}"
    try:
        wait_for_health(base_url, workers=0)
        yield redis, base_url
    finally:
        api.stop()
        redis.stop()


def upload(base_url: str, path: Path) -> str:
    with path.open("rb") as handle:
        response = httpx.post(f"{base_url}/api/jobs", files={"file": handle}, timeout=30)
    assert response.status_code == 202, response.text
    return str(response.json()["job_id"])


def wait_for_state(base_url: str, job_id: str, states: tuple[str, ...], timeout_s: float = 300) -> dict:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        event = httpx.get(f"{base_url}/api/jobs/{job_id}", timeout=5).json()
        if event["state"] in states:
            return dict(event)
        time.sleep(0.05)
    raise TimeoutError(f"job {job_id} did not reach {states} within {timeout_s} s")


def start_ready_worker(redis: LocalRedis, base_url: str, name: str, **env: str) -> Process:
    worker = start_worker(redis.url, name=name, **env)
    wait_for_health(base_url, workers=1, timeout_s=WORKER_READY_TIMEOUT_S)
    return worker


def test_sigterm_lets_running_job_finish(stack: tuple[LocalRedis, str], samples_dir: Path) -> None:
    redis, base_url = stack
    worker = start_ready_worker(redis, base_url, "lifecycle-sigterm")
    try:
        job_id = upload(base_url, samples_dir / "match-a-scoreboard.png")
        wait_for_state(base_url, job_id, ("started", "finished"))

        worker.signal(signal.SIGTERM)
        exit_code = worker.wait(timeout=120)
        final = wait_for_state(base_url, job_id, ("finished", "failed"), timeout_s=5)
    finally:
        worker.stop()

    assert final["state"] == "finished", final.get("error")
    assert final["result"]["kda"] == "2/2/17"
    assert exit_code == 0
    assert "worker stopped" in worker.log()


def test_job_timeout_fails_job(stack: tuple[LocalRedis, str], samples_dir: Path) -> None:
    redis, base_url = stack
    worker = start_ready_worker(redis, base_url, "lifecycle-timeout", SKILLSHIFT_JOB_TIMEOUT_S="1")
    try:
        job_id = upload(base_url, samples_dir / "match-b-damage.png")
        final = wait_for_state(base_url, job_id, ("finished", "failed"))
    finally:
        worker.stop()

    assert final["state"] == "failed"
    assert final["error"] == "Analysis timed out after 1 s"
