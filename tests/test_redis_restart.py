"""Redis restarted under a running API, worker and WebSocket clients: 503 while away, then recovery."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import websockets
from PIL import Image

from shared.redis_server import LocalRedis, free_port
from tests.conftest import WORKER_READY_TIMEOUT_S, Process, start_api, start_worker, wait_for_health

Stack = tuple[LocalRedis, Process, Process, str]


@pytest.fixture(scope="module")
def stack() -> Iterator[Stack]:
    redis = LocalRedis().start()
    port = free_port()
    api = start_api(redis.url, port, name="restart-api")
    worker = start_worker(redis.url, name="restart-worker")
    base_url = f"http://127.0.0.1:{port}"
    try:
        wait_for_health(base_url, workers=1, timeout_s=WORKER_READY_TIMEOUT_S)
        yield redis, api, worker, base_url
    finally:
        api.stop()
        worker.stop()
        redis.stop()


def upload(base_url: str, path: Path) -> str:
    with path.open("rb") as handle:
        response = httpx.post(f"{base_url}/api/jobs", files={"file": handle}, timeout=30)
    assert response.status_code == 202, response.text
    return str(response.json()["job_id"])


async def next_event_for(socket: Any, job_id: str, states: tuple[str, ...]) -> dict[str, Any]:
    while True:
        message = json.loads(await socket.recv())
        if message.get("job_id") == job_id and message.get("state") in states:
            return dict(message)


async def test_redis_restart_recovers_everything(stack: Stack, samples_dir: Path, tmp_path: Path) -> None:
    redis, api, worker, base_url = stack
    ws_url = base_url.replace("http://", "ws://")
    small = tmp_path / "small.png"
    Image.new("RGB", (640, 296), (10, 30, 70)).save(small)

    async with websockets.connect(f"{ws_url}/ws") as firehose:
        await firehose.send(json.dumps({"op": "subscribe", "job_id": "*"}))
        running = upload(base_url, samples_dir / "match-a-scoreboard.png")
        async with websockets.connect(f"{ws_url}/ws/jobs/{running}") as follower:
            async with asyncio.timeout(300):
                await next_event_for(follower, running, ("started",))

            redis.stop()
            while_down = {
                "health": httpx.get(f"{base_url}/api/health", timeout=30),
                "read": httpx.get(f"{base_url}/api/jobs/{running}", timeout=30),
                "upload": httpx.post(f"{base_url}/api/jobs", files={"file": small.read_bytes()}, timeout=30),
            }
            redis.process = LocalRedis(port=redis.port).start().process

            async with asyncio.timeout(120):
                lost = await next_event_for(follower, running, ("finished", "failed"))
            finals_after = []
            with_timeout = asyncio.wait_for(follower.recv(), timeout=3)
            try:
                finals_after.append(await with_timeout)
            except (TimeoutError, websockets.ConnectionClosed):
                pass

        for name, response in while_down.items():
            assert response.status_code == 503, name
            assert response.headers["retry-after"], name
            assert "detail" in response.json() or response.json()["status"] == "unhealthy", name
        assert lost["state"] == "failed"
        assert "lost" in lost["error"]
        assert finals_after == []

        recovered_health = await asyncio.to_thread(wait_for_health, base_url, workers=1, timeout_s=120)
        assert recovered_health["services"]["redis"] == "ok"
        fresh = upload(base_url, small)
        async with asyncio.timeout(300):
            done = await next_event_for(firehose, fresh, ("finished", "failed"))

    assert done["state"] == "finished"
    assert api.popen is not None and api.popen.poll() is None
    assert worker.popen is not None and worker.popen.poll() is None


def test_worker_waits_out_long_outage(stack: Stack, tmp_path: Path) -> None:
    """Redis stays down through several polls of the queue. The worker keeps running, then runs jobs again."""
    redis, _api, worker, base_url = stack
    small = tmp_path / "small.png"
    Image.new("RGB", (640, 296), (40, 10, 70)).save(small)

    seen = len(worker.log())
    redis.stop()
    deadline = time.monotonic() + 180
    while "polling the job queue failed" not in worker.log()[seen:] and time.monotonic() < deadline:
        time.sleep(1)
    # Several more polls fail while Redis stays down.
    time.sleep(5)
    outage_log = worker.log()[seen:]
    redis.process = LocalRedis(port=redis.port).start().process

    assert outage_log.count("polling the job queue failed") == 1
    assert "Traceback" not in outage_log
    assert worker.popen is not None
    assert worker.popen.poll() is None
    wait_for_health(base_url, workers=1, timeout_s=120)
    job_id = upload(base_url, small)
    deadline = time.monotonic() + 120
    state = None
    while time.monotonic() < deadline:
        state = httpx.get(f"{base_url}/api/jobs/{job_id}", timeout=30).json()["state"]
        if state in ("finished", "failed"):
            break
        time.sleep(0.5)
    assert state == "finished"
    assert worker.popen.poll() is None
    assert "polling the job queue works again" in worker.log()[seen:]
