"""Job state in Redis: the latest event of each job, its image, and the event channel.

Every state change goes through one Lua script that, atomically, takes the
next per-job sequence number, stores the event as the job's latest state and
publishes it. A job in a final state (finished or failed) never changes again,
so late or duplicate publishers cannot overwrite it, and only `create` may
publish the first event of a job, so a job whose state vanished (Redis
restarted without persistence) is never half brought back.

A job created with a callback URL is added to the webhook outbox by the same
script that writes its final state, so the webhook of each final state is
queued exactly once, whichever process wrote it (worker, reaper, or the API on
cancel); workers/webhooks.py delivers it.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable
from typing import Any, cast

from prometheus_client import Counter
from redis.asyncio import Redis

from shared import keys
from shared.serialization import dumps, loads
from shared.states import FINAL_STATES, JobState

# API processes publish `queued` and cancellations, workers the rest, so both report this counter.
EVENTS_PUBLISHED = Counter(
    "skillshift_events_published_total", "Job events stored and published by this process", ["state"]
)

_TRANSITION = """
local current = redis.call('HGET', KEYS[1], 'state')
if current == 'finished' or current == 'failed' then
  return false
end
if not current and ARGV[5] ~= '1' then
  return false
end
local seq = redis.call('INCR', KEYS[2])
redis.call('EXPIRE', KEYS[2], ARGV[2])
local event = '{"seq":' .. seq .. ',' .. string.sub(ARGV[1], 2)
redis.call('HSET', KEYS[1], 'state', ARGV[3], 'event', event)
redis.call('EXPIRE', KEYS[1], ARGV[2])
local final = ARGV[3] == 'finished' or ARGV[3] == 'failed'
if final and redis.call('HEXISTS', KEYS[1], 'callback_url') == 1 then
  redis.call('ZADD', KEYS[3], ARGV[6], ARGV[7])
end
redis.call('PUBLISH', ARGV[4], event)
return event
"""

Event = dict[str, Any]


class JobStore:
    def __init__(self, redis: Redis, *, ttl_s: int, recent_limit: int = 100) -> None:
        self.redis = redis
        self.ttl_s = ttl_s
        self.recent_limit = recent_limit
        self._transition = redis.register_script(_TRANSITION)

    async def create(
        self, job_id: str, image: bytes, *, image_ttl_s: int, owner: str = "", callback_url: str | None = None
    ) -> Event:
        """Store the image and publish the job's first event, `queued`.

        `owner` is the digest of the API token that created the job ("" when tokens are off).
        `callback_url`, already checked against the allow list, receives the final event.
        """
        now = time.time()
        fields = {"owner": owner} if callback_url is None else {"owner": owner, "callback_url": callback_url}
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.set(keys.job_image(job_id), image, ex=image_ttl_s)
            pipe.hset(keys.job_state(job_id), mapping=fields)
            pipe.zadd(keys.RECENT_JOBS, {job_id: now})
            pipe.zremrangebyscore(keys.RECENT_JOBS, "-inf", now - self.ttl_s)
            pipe.zremrangebyrank(keys.RECENT_JOBS, 0, -self.recent_limit - 1)
            await pipe.execute()
        event = await self.publish(job_id, {"state": JobState.QUEUED, "created_at": now}, create=True)
        assert event is not None, "a new job cannot already be final"
        return event

    async def get(self, job_id: str) -> Event | None:
        raw = await cast("Awaitable[bytes | None]", self.redis.hget(keys.job_state(job_id), "event"))
        return None if raw is None else cast(Event, loads(raw))

    async def owner(self, job_id: str) -> str | None:
        """Return the digest of the token that created the job, "" for a public job, None for no job."""
        raw = await cast("Awaitable[bytes | None]", self.redis.hget(keys.job_state(job_id), "owner"))
        return None if raw is None else raw.decode()

    async def get_many(self, job_ids: list[str]) -> list[Event]:
        if not job_ids:
            return []
        async with self.redis.pipeline(transaction=False) as pipe:
            for job_id in job_ids:
                pipe.hget(keys.job_state(job_id), "event")
            raws = await pipe.execute()
        return [loads(raw) for raw in raws if raw is not None]

    async def recent(self) -> list[Event]:
        """Return the latest event of each recent job, oldest first."""
        job_ids = await self.redis.zrange(keys.RECENT_JOBS, -self.recent_limit, -1)
        return await self.get_many([job_id.decode() for job_id in job_ids])

    async def image(self, job_id: str) -> bytes | None:
        return cast("bytes | None", await self.redis.get(keys.job_image(job_id)))

    async def publish(self, job_id: str, changes: Event, *, create: bool = False) -> Event | None:
        """Merge `changes` into the job's latest event and publish the result.

        Returns the published event, or None when the job is already final or,
        unless `create` is set, has no state.
        """
        current = await self.get(job_id) or {}
        if current.get("state") in FINAL_STATES:
            return None
        event = {key: value for key, value in current.items() if key not in _PER_EVENT_FIELDS}
        event.update(changes)
        event["job_id"] = job_id
        event["published_at"] = time.time()
        if event["state"] != JobState.STARTED:
            event.pop("stage", None)
        body = dumps(event)
        raw = await self._transition(
            keys=[keys.job_state(job_id), keys.job_seq(job_id), keys.WEBHOOK_OUTBOX],
            args=[
                body,
                self.ttl_s,
                event["state"],
                keys.EVENTS_CHANNEL,
                "1" if create else "0",
                event["published_at"],
                job_id,
            ],
        )
        if raw is None:
            return None
        EVENTS_PUBLISHED.labels(event["state"]).inc()
        return cast(Event, loads(raw))


_PER_EVENT_FIELDS = {"seq", "published_at", "retry_in_s", "requeued"}
