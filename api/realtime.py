"""Fan-out of job events from one Redis pub/sub subscription to this process's WebSocket clients.

Each subscriber has a bounded send queue and its own sender task, so one slow
client never delays the others: when its queue is full it is disconnected.
Events carry a per-job `seq`; a subscriber never receives a seq that is not
greater than the last one it received for that job.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import defaultdict
from typing import Any

import orjson
from redis.asyncio import Redis
from redis.exceptions import RedisError
from starlette.websockets import WebSocket, WebSocketState

from shared import keys
from shared.jobstore import JobStore
from shared.metrics import EVENTS_DELIVERED, EVENTS_RECEIVED, SLOW_CLIENTS_DROPPED, WEBSOCKET_CONNECTIONS
from shared.states import FINAL_STATES

logger = logging.getLogger(__name__)

ALL_JOBS = "*"
CLOSE_TOO_SLOW = 1008
# The close frame waits behind what the client has not read yet.
DROP_CLOSE_TIMEOUT_S = 10.0
RECONNECT_MAX_S = 5.0
# Far above the number of recent jobs a resync can replay, so replays are always deduplicated.
MAX_TRACKED_JOBS = 10_000


class Subscriber:
    def __init__(self, websocket: WebSocket, queue_size: int, close_after_final: str | None = None) -> None:
        self.websocket = websocket
        self.queue: asyncio.Queue[str] = asyncio.Queue(queue_size)
        self.job_ids: set[str] = set()
        self.last_seq: dict[str, int] = {}
        self.close_after_final = close_after_final
        self.dropped = False
        self.sender: asyncio.Task[None] | None = None

    def offer_event(self, job_id: str, seq: int, state: str, text: str) -> None:
        if seq <= self.last_seq.get(job_id, 0):
            return
        self.last_seq[job_id] = seq
        if len(self.last_seq) > MAX_TRACKED_JOBS:
            del self.last_seq[next(iter(self.last_seq))]
        self.send(text)
        if state in FINAL_STATES and job_id == self.close_after_final:
            self.send("")

    def send(self, text: str) -> None:
        """Queue a message; an empty string makes the sender close the socket normally."""
        if self.dropped:
            return
        try:
            self.queue.put_nowait(text)
        except asyncio.QueueFull:
            self.dropped = True
            SLOW_CLIENTS_DROPPED.inc()
            logger.warning("dropped slow WebSocket client after %d queued messages", self.queue.maxsize)
            if self.sender is not None:
                self.sender.cancel()

    def send_json(self, message: dict[str, Any]) -> None:
        self.send(orjson.dumps(message).decode())

    async def run_sender(self) -> None:
        try:
            while True:
                text = await self.queue.get()
                if text == "":
                    await self.websocket.close(1000)
                    return
                await self.websocket.send_text(text)
        except asyncio.CancelledError:
            if self.dropped:
                await _close_quietly(self.websocket, CLOSE_TOO_SLOW, "Client too slow; reconnect and resync")
            raise
        except (RuntimeError, OSError):
            return


class Hub:
    def __init__(self, redis: Redis, store: JobStore, queue_size: int) -> None:
        self.redis = redis
        self.store = store
        self.queue_size = queue_size
        self.followers: dict[str, set[Subscriber]] = defaultdict(set)
        self.connected = asyncio.Event()

    def connect(self, websocket: WebSocket, close_after_final: str | None = None) -> Subscriber:
        subscriber = Subscriber(websocket, self.queue_size, close_after_final)
        subscriber.sender = asyncio.create_task(subscriber.run_sender())
        WEBSOCKET_CONNECTIONS.inc()
        return subscriber

    async def disconnect(self, subscriber: Subscriber) -> None:
        WEBSOCKET_CONNECTIONS.dec()
        for job_id in list(subscriber.job_ids):
            self.unfollow(subscriber, job_id)
        if subscriber.sender is not None:
            subscriber.sender.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await subscriber.sender

    async def follow(self, subscriber: Subscriber, job_id: str, *, announce: bool = True) -> bool:
        """Start sending `job_id`'s events (or every job's, for "*"), beginning with its latest state.

        Returns False for a job that does not exist.
        """
        subscriber.job_ids.add(job_id)
        self.followers[job_id].add(subscriber)
        if job_id == ALL_JOBS:
            snapshot = await self.store.recent()
        else:
            latest = await self.store.get(job_id)
            if latest is None:
                self.unfollow(subscriber, job_id)
                return False
            snapshot = [latest]
        if announce:
            subscriber.send_json({"type": "subscribed", "job_id": job_id})
        for event in snapshot:
            _offer(subscriber, event, _event_text(orjson.dumps(event)))
        return True

    def unfollow(self, subscriber: Subscriber, job_id: str) -> None:
        subscriber.job_ids.discard(job_id)
        followers = self.followers.get(job_id)
        if followers is not None:
            followers.discard(subscriber)
            if not followers:
                del self.followers[job_id]

    def dispatch(self, raw: bytes) -> None:
        try:
            event = orjson.loads(raw)
            job_id = event["job_id"]
        except (orjson.JSONDecodeError, KeyError, TypeError):
            logger.warning("ignored a malformed event on %s", keys.EVENTS_CHANNEL)
            return
        EVENTS_RECEIVED.inc()
        targets = self.followers.get(job_id, set()) | self.followers.get(ALL_JOBS, set())
        if not targets:
            return
        EVENTS_DELIVERED.inc(len(targets))
        text = _event_text(raw)
        for subscriber in targets:
            _offer(subscriber, event, text)

    async def run(self) -> None:
        """Listen on the events channel for the life of the process, reconnecting when Redis drops."""
        delay = 0.25
        while True:
            pubsub = self.redis.pubsub()
            try:
                await pubsub.subscribe(keys.EVENTS_CHANNEL)
                self.connected.set()
                delay = 0.25
                await self.resync()
                while True:
                    message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=1.0)
                    if message is not None and message["type"] == "message":
                        self.dispatch(message["data"])
            except (RedisError, OSError) as exc:
                if self.connected.is_set():
                    logger.warning("lost the Redis event subscription (%s); reconnecting", exc)
            finally:
                self.connected.clear()
                with contextlib.suppress(RedisError, OSError):
                    await pubsub.aclose()
            await asyncio.sleep(delay)
            delay = min(delay * 2, RECONNECT_MAX_S)

    async def resync(self) -> None:
        """Send the latest state of every followed job, covering events missed while disconnected."""
        job_ids = [job_id for job_id in self.followers if job_id != ALL_JOBS]
        events = await self.store.get_many(job_ids)
        for job_id in set(job_ids) - {event["job_id"] for event in events}:
            self._report_lost(job_id)
        if self.followers.get(ALL_JOBS):
            events += await self.store.recent()
        for event in events:
            self.dispatch(orjson.dumps(event))

    def _report_lost(self, job_id: str) -> None:
        """Fail a followed job whose state vanished, as when Redis restarted without persistence."""
        logger.warning("job %s: its state is gone from Redis; telling its followers it failed", job_id)
        for subscriber in list(self.followers.get(job_id, ())):
            event = {
                "job_id": job_id,
                "state": "failed",
                "seq": subscriber.last_seq.get(job_id, 0) + 1,
                "published_at": time.time(),
                "error": "The job was lost when the job store restarted; upload the screenshot again",
            }
            _offer(subscriber, event, _event_text(orjson.dumps(event)))

    @property
    def subscriber_count(self) -> int:
        return len({subscriber for followers in self.followers.values() for subscriber in followers})


def _event_text(raw: bytes) -> str:
    return '{"type":"event",' + raw[1:].decode()


def _offer(subscriber: Subscriber, event: dict[str, Any], text: str) -> None:
    subscriber.offer_event(event["job_id"], int(event.get("seq", 0)), str(event.get("state")), text)


async def _close_quietly(websocket: WebSocket, code: int, reason: str) -> None:
    if websocket.application_state == WebSocketState.DISCONNECTED:
        return
    with contextlib.suppress(RuntimeError, OSError, TimeoutError):
        await asyncio.wait_for(websocket.close(code, reason), timeout=DROP_CLOSE_TIMEOUT_S)
