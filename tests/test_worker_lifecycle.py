"""Worker lifecycle with real processes: graceful SIGTERM during a job, and the job timeout."""

from __future__ import annotations

import asyncio
import json
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import websockets

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


async def collect_until_final(ws_url: str, job_id: str, timeout_s: float) -> list[dict]:
    messages: list[dict] = []
    async with websockets.connect(f"{ws_url}/ws/jobs/{job_id}") as socket:
        async with asyncio.timeout(timeout_s):
            async for text in socket:
                messages.append(json.loads(text))
    return messages


async def test_sigkilled_worker_job_is_rerun(stack: tuple[LocalRedis, str], samples_dir: Path) -> None:
    redis, base_url = stack
    ws_url = base_url.replace("http://", "ws://")
    victim = start_ready_worker(redis, base_url, "lifecycle-victim")
    replacement = None
    try:
        job_id = upload(base_url, samples_dir / "match-b-scoreboard.png")
        follower = asyncio.create_task(collect_until_final(ws_url, job_id, timeout_s=600))
        await asyncio.to_thread(wait_for_state, base_url, job_id, ("started",))

        victim.signal(signal.SIGKILL)
        victim.wait(timeout=10)
        killed_at = time.time()
        replacement = start_worker(redis.url, name="lifecycle-replacement")
        messages = await follower
    finally:
        victim.stop()
        if replacement is not None:
            replacement.stop()

    states = [message["state"] for message in messages]
    seqs = [message["seq"] for message in messages]
    requeued = next(message for message in messages if message.get("requeued"))
    requeued_s = requeued["published_at"] - killed_at
    finished_s = messages[-1]["published_at"] - killed_at
    print(f"requeued {requeued_s:.1f} s after SIGKILL, finished {finished_s:.1f} s after it")
    assert states[-1] == "finished"
    assert states.count("finished") + states.count("failed") == 1
    assert seqs == sorted(set(seqs))
    assert any(message.get("requeued") for message in messages)
    assert messages[-1]["result"]["kda"] == "0/5/1"
    assert messages[-1]["attempt"] == 2
