"""The arq worker: loads the models once, runs `analyze` jobs, reports liveness, sends webhooks."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import os
import socket
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from arq import Worker
from arq.connections import RedisSettings
from arq.worker import func
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError
from redis.exceptions import TimeoutError as RedisTimeoutError

from shared import keys
from shared.heartbeat import HEARTBEAT_INTERVAL_S
from shared.heroes import ADD_PORTRAIT_FUNCTION
from shared.jobstore import JobStore
from shared.outage import RepeatedFailure
from shared.serialization import dumps, loads
from shared.settings import Settings
from workers.corrections import add_hero_portrait
from workers.jobs import analyze
from workers.metrics import BATCH_SIZE
from workers.pipeline import Analyzer, PipelineConfig
from workers.recovery import run_reaper
from workers.webhooks import WebhookSender

logger = logging.getLogger(__name__)

STALE_WORKER_S = 3600
REDIS_RETRIES = 40
OUTAGE_POLL_S = 1.0


async def startup(ctx: dict[str, Any]) -> None:
    settings: Settings = ctx["settings"]
    config = PipelineConfig(
        detector_weights=settings.detector_weights,
        device=settings.device,
        ocr_model_dir=settings.ocr_model_dir,
        hero_gallery=settings.hero_gallery,
        hero_threshold=settings.hero_threshold,
        batch_size=settings.batch_size,
        batch_window_ms=settings.batch_window_ms,
        on_batch=lambda _kind, size: BATCH_SIZE.observe(size),
    )
    # Inference runs off the event loop. The models are not thread-safe, so several inference
    # threads are used only with micro-batching, where the model thread alone touches the models.
    executor = ThreadPoolExecutor(max_workers=_inference_threads(settings), thread_name_prefix="inference")
    started = time.monotonic()
    analyzer = await asyncio.get_running_loop().run_in_executor(executor, Analyzer.load, config)
    logger.info(
        "models ready on %s in %.1f s: %s",
        analyzer.device,
        time.monotonic() - started,
        "; ".join(analyzer.loaded),
    )

    ctx["executor"] = executor
    ctx["analyzer"] = analyzer
    ctx["store"] = JobStore(ctx["redis"], ttl_s=settings.result_ttl_s, recent_limit=settings.recent_jobs)
    ctx["worker_id"] = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
    ctx["heartbeat"] = asyncio.create_task(_heartbeat(ctx["redis"], ctx["worker_id"]))
    ctx["reaper"] = asyncio.create_task(run_reaper(ctx["redis"], ctx["store"], settings))
    ctx["webhooks"] = asyncio.create_task(WebhookSender(ctx["redis"], settings).run())


def _concurrent_jobs(settings: Settings) -> int:
    """Jobs one worker runs at once: enough to fill a batch when micro-batching is on."""
    return max(settings.worker_max_jobs, settings.batch_size)


def _inference_threads(settings: Settings) -> int:
    return _concurrent_jobs(settings) if settings.batch_size > 1 else 1


async def shutdown(ctx: dict[str, Any]) -> None:
    for name in ("heartbeat", "reaper", "webhooks"):
        task: asyncio.Task[None] | None = ctx.get(name)
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
    if "worker_id" in ctx:
        with contextlib.suppress(RedisError, OSError):
            await ctx["redis"].zrem(keys.WORKERS, ctx["worker_id"])
    executor: ThreadPoolExecutor | None = ctx.get("executor")
    if executor is not None:
        executor.shutdown(wait=False, cancel_futures=True)
    analyzer: Analyzer | None = ctx.get("analyzer")
    if analyzer is not None:
        analyzer.close()
    logger.info("worker stopped")


async def _heartbeat(redis: Any, worker_id: str) -> None:
    async def beat() -> None:
        now = time.time()
        async with redis.pipeline(transaction=False) as pipe:
            pipe.zadd(keys.WORKERS, {worker_id: now})
            pipe.zremrangebyscore(keys.WORKERS, "-inf", now - STALE_WORKER_S)
            await pipe.execute()

    outage = RepeatedFailure(logger, "heartbeat to Redis")
    while True:
        await outage.attempt(beat)
        await asyncio.sleep(HEARTBEAT_INTERVAL_S)


def redis_settings(url: str) -> RedisSettings:
    """arq's connection settings, retrying commands with backoff for about a minute while Redis restarts."""
    return dataclasses.replace(
        RedisSettings.from_dsn(url),
        conn_retries=REDIS_RETRIES,
        retry=Retry(ExponentialBackoff(cap=2.0, base=0.1), retries=REDIS_RETRIES),
        retry_on_error=[RedisConnectionError, RedisTimeoutError],
    )


def worker_options(settings: Settings) -> dict[str, Any]:
    return {
        "functions": [
            func(
                analyze,
                name="analyze",
                keep_result=0,
                timeout=settings.job_timeout_s,
                max_tries=settings.max_tries,
            ),
            func(
                add_hero_portrait, name=ADD_PORTRAIT_FUNCTION, keep_result=0, timeout=settings.job_timeout_s
            ),
        ],
        "on_startup": startup,
        "on_shutdown": shutdown,
        "ctx": {"settings": settings},
        "redis_settings": redis_settings(settings.redis_url),
        "queue_name": settings.queue_name,
        "job_serializer": dumps,
        "job_deserializer": loads,
        "max_jobs": _concurrent_jobs(settings),
        "job_timeout": settings.job_timeout_s,
        "keep_result": 0,
        "max_tries": settings.max_tries,
        "job_completion_wait": settings.shutdown_grace_s,
        "allow_abort_jobs": True,
        "health_check_interval": HEARTBEAT_INTERVAL_S,
    }


class SkillShiftWorker(Worker):
    """An arq worker that waits out a Redis outage of any length instead of exiting.

    arq's worker exits on the first Redis error of a queue poll. This one logs the error (then
    at most every 30 s) and polls again a second later, so a running job goes on and the next
    one starts once Redis is back.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.outage = RepeatedFailure(logger, "polling the job queue")

    async def _poll_iteration(self) -> None:
        try:
            await super()._poll_iteration()
        except (RedisConnectionError, RedisTimeoutError, OSError) as exc:
            self.outage.failed(exc)
            await asyncio.sleep(OUTAGE_POLL_S)
        else:
            self.outage.succeeded()

    async def close(self) -> None:
        try:
            await super().close()
        except (RedisConnectionError, RedisTimeoutError, OSError) as exc:
            logger.warning("Redis is unreachable (%s); stopped without removing the health key", exc)


def create_worker(settings: Settings) -> Worker:
    return SkillShiftWorker(**worker_options(settings))
