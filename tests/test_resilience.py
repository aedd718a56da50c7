"""Backpressure, slow WebSocket clients and API restarts, on a real Redis and API without a worker."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
from collections.abc import Iterator
from pathlib import Path

import httpx
import orjson
import pytest
import websockets
from PIL import Image
from redis.asyncio import Redis

from shared import keys
from shared.jobstore import JobStore
from shared.redis_server import LocalRedis, free_port
from tests.conftest import Process, start_api, wait_for_health

EVENTS = 3000
BURST_JOB = "d" * 32
# Random, so that permessage-deflate cannot shrink it.
EVENT_PADDING = os.urandom(2000).hex()


@pytest.fixture(scope="module")
def redis_server() -> Iterator[LocalRedis]:
    server = LocalRedis().start()
    yield server
    server.stop()


def start_ready_api(redis: LocalRedis, port: int, name: str, **env: str) -> Process:
    api = start_api(redis.url, port, name=name, **env)
    wait_for_health(f"http://127.0.0.1:{port}", workers=0)
    return api


def test_full_queue_answers_503(redis_server: LocalRedis, tmp_path: Path) -> None:
    port = free_port()
    api = start_ready_api(
        redis_server, port, "backpressure-api", SKILLSHIFT_MAX_QUEUE="2", SKILLSHIFT_QUEUE="bp"
    )
    image = tmp_path / "plain.png"
    Image.new("RGB", (640, 296), (10, 10, 40)).save(image)
    try:
        statuses = []
        for _ in range(4):
            with image.open("rb") as handle:
                response = httpx.post(
                    f"http://127.0.0.1:{port}/api/jobs?fresh=1", files={"file": handle}, timeout=30
                )
            statuses.append(response.status_code)
    finally:
        api.stop()

    assert statuses == [202, 202, 503, 503]
    assert response.headers["retry-after"] == "10"
    assert "queue is full" in response.json()["detail"]


async def publish_burst(redis_url: str, job_id: str) -> None:
    redis = Redis.from_url(redis_url)
    try:
        for start in range(1, EVENTS + 1, 20):
            async with redis.pipeline(transaction=False) as pipe:
                for seq in range(start, min(start + 20, EVENTS + 1)):
                    event = {
                        "seq": seq,
                        "job_id": job_id,
                        "state": "started",
                        "stage": "reading",
                        "pad": EVENT_PADDING,
                    }
                    pipe.publish(keys.EVENTS_CHANNEL, orjson.dumps(event))
                await pipe.execute()
            await asyncio.sleep(0.02)
    finally:
        await redis.aclose()


async def test_slow_client_dropped_without_delaying_others(redis_server: LocalRedis) -> None:
    port = free_port()
    api = start_ready_api(redis_server, port, "slow-client-api", SKILLSHIFT_WS_SEND_QUEUE="64")
    url = f"ws://127.0.0.1:{port}/ws"
    subscribe = json.dumps({"op": "subscribe", "job_id": "*"})
    tiny = socket.socket()
    tiny.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    tiny.connect(("127.0.0.1", port))
    try:
        async with (
            websockets.connect(url) as fast,
            websockets.connect(url, sock=tiny, max_queue=1, compression=None) as slow,
        ):
            for client in (fast, slow):
                await client.send(subscribe)
                assert json.loads(await client.recv())["type"] == "subscribed"

            async def read_all() -> list[int]:
                seqs: list[int] = []
                try:
                    async with asyncio.timeout(60):
                        while len(seqs) < EVENTS:
                            message = json.loads(await fast.recv())
                            if message["job_id"] == BURST_JOB:
                                seqs.append(message["seq"])
                except TimeoutError:
                    pytest.fail(f"fast client got {len(seqs)} of {EVENTS} events; last {seqs[-3:]}")
                return seqs

            reader = asyncio.create_task(read_all())
            await publish_burst(redis_server.url, BURST_JOB)
            seqs = await reader

            with pytest.raises(websockets.ConnectionClosed):
                async with asyncio.timeout(60):
                    while True:
                        await slow.recv()
            slow_code = slow.close_code
    finally:
        api.stop()

    assert seqs == list(range(1, EVENTS + 1))
    assert slow_code == 1008


async def test_api_restart_clients_resync(redis_server: LocalRedis, tmp_path: Path) -> None:
    port = free_port()
    url = f"ws://127.0.0.1:{port}"
    image = tmp_path / "plain.png"
    Image.new("RGB", (640, 296), (40, 10, 10)).save(image)
    api = start_ready_api(redis_server, port, "restart-api-1", SKILLSHIFT_QUEUE="restart")
    with image.open("rb") as handle:
        job_id = httpx.post(f"http://127.0.0.1:{port}/api/jobs", files={"file": handle}).json()["job_id"]

    async with websockets.connect(f"{url}/ws/jobs/{job_id}") as follower:
        first = json.loads(await follower.recv())
        api.signal(signal.SIGTERM)
        with pytest.raises(websockets.ConnectionClosed):
            async with asyncio.timeout(30):
                await follower.recv()
        api.wait(timeout=30)
    close_code = follower.close_code

    store = JobStore(Redis.from_url(redis_server.url), ttl_s=600)
    changed = await store.publish(job_id, {"state": "started", "stage": "reading"})
    await store.redis.aclose()
    assert changed is not None

    api = start_ready_api(redis_server, port, "restart-api-2", SKILLSHIFT_QUEUE="restart")
    try:
        async with websockets.connect(f"{url}/ws/jobs/{job_id}") as follower:
            resynced = json.loads(await follower.recv())
    finally:
        api.stop()

    assert first["state"] == "queued"
    assert close_code in (1001, 1012)
    assert resynced["state"] == "started"
    assert resynced["seq"] == changed["seq"]
