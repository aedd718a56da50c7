"""Two API processes and two workers around one Redis: clients of either API see jobs of either worker."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import websockets

from shared.redis_server import LocalRedis, free_port
from tests.conftest import WORKER_READY_TIMEOUT_S, Process, start_api, start_worker, wait_for_health

SAMPLES = ["match-a-scoreboard.png", "match-b-scoreboard.png", "match-a-damage.png", "match-b-damage.png"]


@pytest.fixture(scope="module")
def cluster() -> Iterator[list[str]]:
    redis = LocalRedis().start()
    ports = [free_port(), free_port()]
    processes: list[Process] = [
        start_api(redis.url, ports[0], name="cluster-api-1"),
        start_api(redis.url, ports[1], name="cluster-api-2"),
        start_worker(redis.url, name="cluster-worker-1"),
        start_worker(redis.url, name="cluster-worker-2"),
    ]
    urls = [f"http://127.0.0.1:{port}" for port in ports]
    try:
        for url in urls:
            wait_for_health(url, workers=2, timeout_s=WORKER_READY_TIMEOUT_S)
        yield urls
    finally:
        for process in processes:
            process.stop()
        redis.stop()


async def collect_finals(url: str, job_count: int) -> dict[str, dict[str, Any]]:
    finals: dict[str, dict[str, Any]] = {}
    async with websockets.connect(url.replace("http://", "ws://") + "/ws") as socket:
        await socket.send(json.dumps({"op": "subscribe", "job_id": "*"}))
        async with asyncio.timeout(600):
            while len(finals) < job_count:
                message = json.loads(await socket.recv())
                if message.get("state") in ("finished", "failed"):
                    finals[message["job_id"]] = message
    return finals


async def test_clients_of_both_apis_see_both_workers(cluster: list[str], samples_dir: Path) -> None:
    watchers = [asyncio.create_task(collect_finals(url, len(SAMPLES))) for url in cluster]
    await asyncio.sleep(0.5)
    job_ids = []
    async with httpx.AsyncClient(timeout=30) as client:
        for index, sample in enumerate(SAMPLES):
            with (samples_dir / sample).open("rb") as handle:
                response = await client.post(f"{cluster[index % 2]}/api/jobs", files={"file": handle})
            job_ids.append(response.json()["job_id"])

    seen_by_first, seen_by_second = await asyncio.gather(*watchers)

    assert set(seen_by_first) == set(job_ids)
    assert set(seen_by_second) == set(job_ids)
    assert all(event["state"] == "finished" for event in seen_by_first.values())
    assert len({event["worker"] for event in seen_by_first.values()}) == 2
    for job_id in job_ids:
        assert seen_by_first[job_id]["seq"] == seen_by_second[job_id]["seq"]
