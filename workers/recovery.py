"""Recovery of jobs whose worker died, in seconds rather than after arq's in-progress timeout.

While a job runs, its worker refreshes a short lease key. Every worker runs a
reaper that looks for running jobs whose lease expired: such a job's worker is
gone (killed, crashed, lost its host). The reaper deletes arq's in-progress
lock so any worker can take the job again at once, or fails the job when it
has used all its tries.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator
from typing import Any

from arq.constants import in_progress_key_prefix, job_key_prefix, retry_key_prefix
from redis.asyncio import Redis
from redis.exceptions import RedisError

from shared import keys
from shared.jobstore import JobStore
from shared.outage import RepeatedFailure
from shared.settings import Settings
from shared.states import JobState

logger = logging.getLogger(__name__)

LEASE_TTL_S = 10
LEASE_REFRESH_S = 3.0
REAP_INTERVAL_S = 5.0


@contextlib.asynccontextmanager
async def job_lease(redis: Redis, job_id: str, worker_id: str) -> AsyncIterator[None]:
    """Hold the lease of a running job for as long as the block runs."""
    lease = keys.job_lease(job_id)
    await redis.set(lease, worker_id, ex=LEASE_TTL_S)
    await redis.zadd(keys.RUNNING_JOBS, {job_id: time.time()})
    refresher = asyncio.create_task(_refresh(redis, lease, worker_id))
    try:
        yield
    finally:
        refresher.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await refresher
        with contextlib.suppress(RedisError, OSError):
            async with redis.pipeline(transaction=True) as pipe:
                pipe.delete(lease)
                pipe.zrem(keys.RUNNING_JOBS, job_id)
                await pipe.execute()


async def _refresh(redis: Redis, lease: str, worker_id: str) -> None:
    while True:
        await asyncio.sleep(LEASE_REFRESH_S)
        try:
            await redis.set(lease, worker_id, ex=LEASE_TTL_S)
        except (RedisError, OSError) as exc:
            logger.warning("could not refresh %s: %s", lease, exc)


async def run_reaper(redis: Redis, store: JobStore, settings: Settings) -> None:
    outage = RepeatedFailure(logger, "orphaned-job check")
    while True:
        await outage.attempt(lambda: reap_orphans(redis, store, settings))
        await asyncio.sleep(REAP_INTERVAL_S)


async def reap_orphans(redis: Redis, store: JobStore, settings: Settings) -> list[str]:
    """Requeue or fail every running job whose lease expired; return their ids."""
    reaped = []
    for raw in await redis.zrange(keys.RUNNING_JOBS, 0, -1):
        job_id = raw.decode()
        if await redis.exists(keys.job_lease(job_id)):
            continue
        # Only one worker handles each orphan.
        if not await redis.set(keys.job_reap_claim(job_id), b"1", nx=True, ex=30):
            continue
        await _recover(redis, store, settings, job_id)
        reaped.append(job_id)
    return reaped


async def _recover(redis: Redis, store: JobStore, settings: Settings, job_id: str) -> None:
    await redis.zrem(keys.RUNNING_JOBS, job_id)
    latest: dict[str, Any] | None = await store.get(job_id)
    if latest is None or latest.get("state") != JobState.STARTED:
        return

    tries = int(await redis.get(retry_key_prefix + job_id) or 0)
    if tries >= settings.max_tries:
        logger.error("job %s: its worker died on each of %d tries; failing it", job_id, tries)
        async with redis.pipeline(transaction=True) as pipe:
            pipe.zrem(settings.queue_name, job_id)
            pipe.delete(in_progress_key_prefix + job_id, job_key_prefix + job_id, retry_key_prefix + job_id)
            await pipe.execute()
        error = f"The worker running this job stopped unexpectedly on each of {tries} tries"
        await store.publish(job_id, {"state": JobState.FAILED, "error": error, "finished_at": time.time()})
        return

    logger.warning(
        "job %s: its worker stopped responding; requeued (try %d of %d)", job_id, tries, settings.max_tries
    )
    await redis.delete(in_progress_key_prefix + job_id)
    await store.publish(job_id, {"state": JobState.QUEUED, "requeued": True})
