"""The `analyze` job: read the upload from Redis, run the pipeline in the inference thread, publish states."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from typing import Any

from arq import Retry
from redis.exceptions import RedisError

from shared import keys
from shared.images import ImageRejected, decode_rgb
from shared.jobstore import JobStore
from shared.settings import Settings
from shared.states import FINAL_STATES, JobState, Stage
from workers.metrics import BATCH_SIZE, JOB_SECONDS, JOBS, STAGE_SECONDS
from workers.pipeline import AnalysisError
from workers.recovery import job_lease

logger = logging.getLogger(__name__)

TRANSIENT_ERRORS = (RedisError, OSError, RuntimeError, MemoryError)
FINISHED_LOG_KEEP_S = 3600


class StagePublisher:
    """Publishes stage changes reported by the inference thread, in order, from the event loop."""

    def __init__(self, store: JobStore, job_id: str) -> None:
        self.store = store
        self.job_id = job_id
        self.loop = asyncio.get_running_loop()
        self.queue: asyncio.Queue[str | None] = asyncio.Queue()
        self.task = asyncio.create_task(self._run())

    def report(self, stage: str) -> None:
        """Thread-safe: called by the pipeline as each stage begins."""
        self.loop.call_soon_threadsafe(self.queue.put_nowait, stage)

    async def close(self) -> None:
        self.queue.put_nowait(None)
        await self.task

    async def _run(self) -> None:
        while (stage := await self.queue.get()) is not None:
            try:
                await self.store.publish(self.job_id, {"state": JobState.STARTED, "stage": stage})
            except RedisError as exc:
                logger.warning("job %s: could not publish stage %s: %s", self.job_id, stage, exc)


async def analyze(ctx: dict[str, Any], job_id: str) -> None:
    store: JobStore = ctx["store"]

    latest = await store.get(job_id)
    if latest is None or latest.get("state") in FINAL_STATES:
        logger.warning("job %s: skipped, its state is %s", job_id, latest and latest.get("state") or "gone")
        return

    async with job_lease(store.redis, job_id, ctx["worker_id"]):
        await _attempt(ctx, job_id)


async def _attempt(ctx: dict[str, Any], job_id: str) -> None:
    settings: Settings = ctx["settings"]
    store: JobStore = ctx["store"]
    attempt: int = ctx["job_try"]

    started = time.monotonic()
    await store.publish(
        job_id,
        {
            "state": JobState.STARTED,
            "stage": Stage.DECODING,
            "started_at": time.time(),
            "attempt": attempt,
            "worker": ctx["worker_id"],
        },
    )
    try:
        result = await _run_pipeline(ctx, job_id)
    except (ImageRejected, AnalysisError) as exc:
        logger.warning("job %s: bad image: %s", job_id, exc)
        await _finish(store, job_id, {"state": JobState.FAILED, "error": str(exc)})
        return
    except asyncio.CancelledError:
        await asyncio.shield(_cancelled(store, settings, job_id, time.monotonic() - started))
        raise
    except TRANSIENT_ERRORS as exc:
        await _transient_failure(store, settings, job_id, attempt, exc)
        return
    except Exception as exc:
        logger.exception("job %s: analysis failed", job_id)
        error = f"Analysis failed with an internal error ({type(exc).__name__}); the screenshot was not read"
        await _finish(store, job_id, {"state": JobState.FAILED, "error": error})
        return

    timings = result.setdefault("timings_ms", {})
    timings["total"] = round((time.monotonic() - started) * 1000, 1)
    for stage, milliseconds in timings.items():
        if stage != "total":
            STAGE_SECONDS.labels(stage=stage).observe(milliseconds / 1000)
    JOB_SECONDS.observe(timings["total"] / 1000)
    await _finish(store, job_id, {"state": JobState.FINISHED, "result": result})


async def _run_pipeline(ctx: dict[str, Any], job_id: str) -> dict[str, Any]:
    settings: Settings = ctx["settings"]
    store: JobStore = ctx["store"]
    loop = asyncio.get_running_loop()

    data = await store.image(job_id)
    if data is None:
        raise ImageRejected(410, "The uploaded image expired before a worker could read it; upload it again")

    decode_started = time.monotonic()
    image = await loop.run_in_executor(
        ctx["executor"], lambda: decode_rgb(data, max_pixels=settings.max_image_pixels)
    )
    decoding_ms = round((time.monotonic() - decode_started) * 1000, 1)

    if ctx["analyzer"].batcher is None:
        BATCH_SIZE.observe(1)
    stages = StagePublisher(store, job_id)
    try:
        result: dict[str, Any] = await loop.run_in_executor(
            ctx["executor"], ctx["analyzer"].analyze, image, stages.report
        )
    finally:
        await stages.close()
    result.setdefault("timings_ms", {})["decoding"] = decoding_ms
    return result


async def _finish(store: JobStore, job_id: str, changes: dict[str, Any]) -> None:
    JOBS.labels(state=str(changes["state"])).inc()
    now = time.time()
    await store.publish(job_id, {**changes, "finished_at": now})
    async with store.redis.pipeline(transaction=False) as pipe:
        pipe.zadd(keys.FINISHED_LOG, {job_id: now})
        pipe.zremrangebyscore(keys.FINISHED_LOG, "-inf", now - FINISHED_LOG_KEEP_S)
        await pipe.execute()


async def _transient_failure(
    store: JobStore, settings: Settings, job_id: str, attempt: int, exc: BaseException
) -> None:
    if attempt >= settings.max_tries:
        logger.error("job %s: failed after %d attempts: %r", job_id, attempt, exc)
        error = (
            f"Analysis failed after {attempt} attempts ({type(exc).__name__}); upload the screenshot again"
        )
        await _finish(store, job_id, {"state": JobState.FAILED, "error": error})
        return
    delay_s = 2 * attempt
    logger.warning("job %s: attempt %d failed (%r); retrying in %d s", job_id, attempt, exc, delay_s)
    with contextlib.suppress(RedisError):
        await store.publish(job_id, {"state": JobState.QUEUED, "retry_in_s": delay_s})
    raise Retry(defer=delay_s)


async def _cancelled(store: JobStore, settings: Settings, job_id: str, elapsed_s: float) -> None:
    """Record why a job's task was cancelled: a client's cancel, its timeout, or the worker shutting down."""
    try:
        latest = await store.get(job_id)
        if latest is not None and latest.get("state") in FINAL_STATES:
            logger.info("job %s: stopped, it is already %s", job_id, latest["state"])
        elif elapsed_s >= settings.job_timeout_s - 1:
            logger.error("job %s: timed out after %.0f s", job_id, elapsed_s)
            error = f"Analysis timed out after {settings.job_timeout_s} s"
            await _finish(store, job_id, {"state": JobState.FAILED, "error": error})
        else:
            logger.warning("job %s: interrupted by worker shutdown; it will run again", job_id)
            await store.publish(job_id, {"state": JobState.QUEUED})
    except RedisError as exc:
        logger.warning("job %s: could not record cancellation: %s", job_id, exc)
