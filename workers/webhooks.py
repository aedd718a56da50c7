"""Webhook delivery: POST each job's final event to its callback URL, retrying with backoff.

The outbox is a Redis sorted set of job ids scored by the Unix time their
next attempt is due. The job store's transition script adds a job to it in
the step that writes the job's final state. So each final state is queued
exactly once, whether a worker, the reaper or the API (cancel) wrote it, and
no crash between writing the state and queueing the webhook can lose it.

Every worker runs a `WebhookSender` beside the arq loop. It claims due
entries with a script that moves their due time past the attempt's timeout,
POSTs the stored final event, then removes the entry or pushes its due time
back by the retry delay. An attempt cut short by a crash or a restart is
picked up again by any worker once its claim lapses, so delivery is at least
once: receivers drop repeats by the `X-SkillShift-Event-Id` header. The
sender is not an arq job because a worker runs one analysis at a time, and a
slow receiver must never hold that slot.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable
from typing import cast
from urllib.parse import urlsplit

import httpx
from redis.asyncio import Redis
from redis.exceptions import RedisError

from shared import keys
from shared.outage import RepeatedFailure
from shared.serialization import loads
from shared.settings import Settings
from shared.webhooks import (
    ATTEMPT_HEADER,
    EVENT_ID_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    CallbackRejected,
    check_callback_url,
    sign,
)
from workers.metrics import WEBHOOK_ATTEMPTS, WEBHOOK_DELIVERIES

logger = logging.getLogger(__name__)

POLL_INTERVAL_S = 0.5
MAX_CONCURRENT = 16
CLAIM_MARGIN_S = 10
MAX_RETRY_DELAY_S = 3600
RETRY_STATUSES = {429}
USER_AGENT = "SkillShift-Webhook/1"

# Returns false when the entry is gone or not due (another worker has claimed it),
# 0 when the job's state expired, else the number of this attempt.
_CLAIM = """
local due = redis.call('ZSCORE', KEYS[1], ARGV[1])
if not due or tonumber(due) > tonumber(ARGV[2]) then
  return false
end
if redis.call('HEXISTS', KEYS[2], 'event') == 0 then
  redis.call('ZREM', KEYS[1], ARGV[1])
  return 0
end
redis.call('ZADD', KEYS[1], ARGV[3], ARGV[1])
return redis.call('HINCRBY', KEYS[2], 'webhook_attempts', 1)
"""


class WebhookSender:
    def __init__(self, redis: Redis, settings: Settings) -> None:
        self.redis = redis
        self.settings = settings
        self.http = httpx.AsyncClient(follow_redirects=False, headers={"User-Agent": USER_AGENT})
        self.deliveries: set[asyncio.Task[None]] = set()
        self._claim = redis.register_script(_CLAIM)

    async def run(self) -> None:
        """Deliver due webhooks until cancelled; in-flight attempts are retried after their claim lapses."""
        outage = RepeatedFailure(logger, "webhook outbox check")
        try:
            while True:
                await outage.attempt(self.send_due)
                await asyncio.sleep(POLL_INTERVAL_S)
        finally:
            for task in self.deliveries:
                task.cancel()
            await asyncio.gather(*self.deliveries, return_exceptions=True)
            await self.http.aclose()

    async def send_due(self) -> None:
        """Claim due outbox entries, up to the free delivery slots, and start one delivery for each."""
        free = MAX_CONCURRENT - len(self.deliveries)
        if free <= 0:
            return
        now = time.time()
        due = await self.redis.zrangebyscore(keys.WEBHOOK_OUTBOX, "-inf", now, start=0, num=free)
        claim_until = now + self.settings.webhook_timeout_s + CLAIM_MARGIN_S
        for raw in due:
            job_id = raw.decode()
            attempt = await self._claim(
                keys=[keys.WEBHOOK_OUTBOX, keys.job_state(job_id)], args=[job_id, now, claim_until]
            )
            if attempt is None:
                continue
            if attempt == 0:
                logger.warning("job %s: webhook dropped, the job's state expired", job_id)
                WEBHOOK_DELIVERIES.labels(outcome="dropped").inc()
                continue
            if attempt > self.settings.webhook_max_attempts:
                # Attempts cut short by crashes are counted too, so a crash loop ends here.
                logger.error("job %s: webhook failed, %d attempts were started", job_id, attempt - 1)
                WEBHOOK_DELIVERIES.labels(outcome="failed").inc()
                await self.redis.zrem(keys.WEBHOOK_OUTBOX, job_id)
                continue
            task = asyncio.create_task(self.deliver(job_id, int(attempt)))
            self.deliveries.add(task)
            task.add_done_callback(self.deliveries.discard)

    async def deliver(self, job_id: str, attempt: int) -> None:
        """Make one delivery attempt, then remove the outbox entry or reschedule it."""
        try:
            retry_in_s = await self._attempt(job_id, attempt)
        except (RedisError, OSError) as exc:
            logger.warning("job %s: webhook attempt %d failed on Redis: %s; retrying", job_id, attempt, exc)
            return
        except Exception:
            logger.exception("job %s: webhook attempt %d failed with an internal error", job_id, attempt)
            WEBHOOK_DELIVERIES.labels(outcome="failed").inc()
            retry_in_s = None

        try:
            if retry_in_s is None:
                await self.redis.zrem(keys.WEBHOOK_OUTBOX, job_id)
            else:
                await self.redis.zadd(keys.WEBHOOK_OUTBOX, {job_id: time.time() + retry_in_s}, xx=True)
        except (RedisError, OSError) as exc:
            logger.warning("job %s: webhook attempt %d not recorded: %s; retrying", job_id, attempt, exc)

    async def _attempt(self, job_id: str, attempt: int) -> float | None:
        """POST the final event once; return the delay before the next attempt, or None when done."""
        fields = self.redis.hmget(keys.job_state(job_id), ["event", "callback_url"])
        raw_event, raw_url = await cast("Awaitable[list[bytes | None]]", fields)
        if raw_event is None or raw_url is None:
            logger.warning("job %s: webhook dropped, the job has no final event or callback URL", job_id)
            WEBHOOK_DELIVERIES.labels(outcome="dropped").inc()
            return None
        url = raw_url.decode()
        host = urlsplit(url).netloc
        try:
            check_callback_url(url, self.settings.webhook_hosts)
        except CallbackRejected as exc:
            logger.warning("job %s: webhook to %s dropped: %s", job_id, host, exc)
            WEBHOOK_DELIVERIES.labels(outcome="dropped").inc()
            return None

        started = time.monotonic()
        status = await self._post(url, raw_event, job_id, attempt)
        return self._settle(job_id, host, attempt, status, time.monotonic() - started)

    def _settle(
        self, job_id: str, host: str, attempt: int, status: int | str, duration_s: float
    ) -> float | None:
        """Log and count one attempt; return the delay before the next one, or None when there is none."""
        max_attempts = self.settings.webhook_max_attempts
        if isinstance(status, int):
            result = f"HTTP {status}"
            WEBHOOK_ATTEMPTS.labels(result=f"{status // 100}xx").inc()
        else:
            result = status
            WEBHOOK_ATTEMPTS.labels(result="error").inc()
        line = f"job {job_id}: webhook to {host}, attempt {attempt} of {max_attempts}: {result}"
        line += f" in {duration_s:.2f} s"

        if isinstance(status, int) and 200 <= status < 300:
            WEBHOOK_DELIVERIES.labels(outcome="delivered").inc()
            logger.info("%s; delivered", line)
            return None
        retryable = not isinstance(status, int) or status >= 500 or status in RETRY_STATUSES
        if retryable and attempt < max_attempts:
            retry_in_s = self.retry_delay(attempt)
            logger.warning("%s; retrying in %.0f s", line, retry_in_s)
            return retry_in_s
        WEBHOOK_DELIVERIES.labels(outcome="failed").inc()
        logger.error("%s; %s", line, "giving up" if retryable else "not retried after this status")
        return None

    async def _post(self, url: str, body: bytes, job_id: str, attempt: int) -> int | str:
        """POST the signed body; return the response status, or the error's name when none came."""
        timestamp = int(time.time())
        seq = loads(body)["seq"]
        headers = {
            "Content-Type": "application/json",
            TIMESTAMP_HEADER: str(timestamp),
            SIGNATURE_HEADER: sign(self.settings.webhook_secret, timestamp, body),
            EVENT_ID_HEADER: f"{job_id}:{seq}",
            ATTEMPT_HEADER: str(attempt),
        }
        timeout_s = self.settings.webhook_timeout_s
        try:
            async with asyncio.timeout(timeout_s):
                response = await self.http.post(url, content=body, headers=headers, timeout=timeout_s)
        except TimeoutError:
            return f"timed out after {timeout_s} s"
        except httpx.HTTPError as exc:
            return type(exc).__name__
        return response.status_code

    def retry_delay(self, attempt: int) -> float:
        """Seconds before the attempt after `attempt`: the base delay doubled per attempt, capped."""
        return float(min(self.settings.webhook_backoff_s * 2 ** (attempt - 1), MAX_RETRY_DELAY_S))
