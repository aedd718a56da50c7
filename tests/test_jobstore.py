"""The job store on a real Redis server: seq order, final states, pub/sub delivery, expiry."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator

import orjson
import pytest
from redis.asyncio import Redis

from shared import keys
from shared.jobstore import JobStore
from shared.redis_server import LocalRedis


@pytest.fixture(scope="module")
def local_redis() -> Iterator[LocalRedis]:
    server = LocalRedis().start()
    yield server
    server.stop()


@pytest.fixture
async def store(local_redis: LocalRedis) -> AsyncIterator[JobStore]:
    redis = Redis.from_url(local_redis.url)
    await redis.flushdb()
    yield JobStore(redis, ttl_s=60, recent_limit=3)
    await redis.aclose()


async def test_seq_only_grows(store: JobStore) -> None:
    created = await store.create("a" * 32, b"image", image_ttl_s=60)
    started = await store.publish("a" * 32, {"state": "started", "stage": "decoding"})
    reading = await store.publish("a" * 32, {"state": "started", "stage": "reading"})

    assert created["seq"] == 1
    assert started is not None and started["seq"] == 2
    assert reading is not None and reading["seq"] == 3
    assert reading["created_at"] == created["created_at"]


async def test_final_state_never_changes(store: JobStore) -> None:
    await store.create("b" * 32, b"image", image_ttl_s=60)
    finished = await store.publish("b" * 32, {"state": "finished", "result": {"kda": "1/2/3"}})

    late = await store.publish("b" * 32, {"state": "started", "stage": "reading"})
    latest = await store.get("b" * 32)

    assert late is None
    assert latest == finished
    assert latest is not None and "stage" not in latest


async def test_events_reach_subscribers(store: JobStore) -> None:
    pubsub = store.redis.pubsub()
    await pubsub.subscribe(keys.EVENTS_CHANNEL)
    await pubsub.get_message(timeout=1)

    await store.create("c" * 32, b"image", image_ttl_s=60)
    message = None
    async with asyncio.timeout(5):
        while message is None:
            message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=1)

    event = orjson.loads(message["data"])
    assert event["job_id"] == "c" * 32
    assert event["state"] == "queued"
    await pubsub.aclose()


async def test_recent_keeps_newest_jobs(store: JobStore) -> None:
    for letter in "defgh":
        await store.create(letter * 32, b"image", image_ttl_s=60)

    recent = await store.recent()

    assert [event["job_id"][0] for event in recent] == ["f", "g", "h"]


async def test_state_and_image_expire(store: JobStore) -> None:
    await store.create("9" * 32, b"image", image_ttl_s=30)

    state_ttl = await store.redis.ttl(keys.job_state("9" * 32))
    image_ttl = await store.redis.ttl(keys.job_image("9" * 32))

    assert 0 < state_ttl <= 60
    assert 0 < image_ttl <= 30


async def test_vanished_job_is_not_recreated(store: JobStore) -> None:
    event = await store.publish("7" * 32, {"state": "finished", "result": {}})

    assert event is None
    assert await store.get("7" * 32) is None
