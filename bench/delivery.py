"""Push versus poll: how soon clients learn of job state changes, and what it costs Redis.

Starts its own Redis, API and worker on loopback. Phase "push": N WebSocket
subscribers follow every job while small screenshots are uploaded one per
second. Each subscriber records, per event, receipt time minus the event's
`published_at`. In the same phase one client polls GET /api/jobs/{id} every
2.5 s, as the original design did, and records how late it sees each final
state. Phase "poll": the same uploads followed by as many polling clients as
there were subscribers and no WebSocket, to count the Redis commands per job
of the polling design against the push design.

    .venv/bin/python bench/delivery.py --subscribers 200 --jobs 20
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import random
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import websockets
from PIL import Image
from redis import Redis

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from shared.redis_server import LocalRedis, free_port  # noqa: E402
from tests.conftest import start_api, start_worker, wait_for_health  # noqa: E402

POLL_INTERVAL_S = 2.5
FINAL = ("finished", "failed")


def image_bytes(index: int) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (640, 296), (index * 7 % 255, 30, 80)).save(buffer, format="PNG")
    return buffer.getvalue()


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] if ordered else float("nan")


async def subscriber(ws_url: str, delays_ms: list[float], ready: asyncio.Event, stop: asyncio.Event) -> None:
    async with websockets.connect(f"{ws_url}/ws", open_timeout=60, max_queue=None) as socket:
        await socket.send(json.dumps({"op": "subscribe", "job_id": "*"}))
        # A separate task closes the socket when the run ends. Reading with no timeout keeps this
        # script's own cost per message low, so the delays measure the service.
        closer = asyncio.create_task(_close_on(stop, socket))
        async for text in socket:
            received = time.time()
            message = json.loads(text)
            if message.get("type") == "subscribed":
                ready.set()
            elif message.get("type") == "event":
                delays_ms.append((received - message["published_at"]) * 1000)
        await closer


async def _close_on(stop: asyncio.Event, socket: Any) -> None:
    await stop.wait()
    await socket.close()


async def poll_until_final(
    client: httpx.AsyncClient, base_url: str, job_id: str, offset_s: float = 0.0
) -> tuple[float, int]:
    """Poll like the original design and return how late the final state was seen (ms) and the poll count.

    The first poll comes `offset_s` plus one interval after the upload.
    """
    polls = 0
    await asyncio.sleep(offset_s)
    while True:
        await asyncio.sleep(POLL_INTERVAL_S)
        polls += 1
        event = (await client.get(f"{base_url}/api/jobs/{job_id}")).json()
        if event["state"] in FINAL:
            return (time.time() - event["published_at"]) * 1000, polls


async def upload_and_poll(base_url: str, jobs: int, pollers_per_job: int) -> tuple[list[float], list[int]]:
    """Upload one image per second and follow each job with `pollers_per_job` pollers.

    The first poller of each job is in phase with its upload, the others start at random points.
    """
    late_ms: list[float] = []
    polls: list[int] = []
    limits = httpx.Limits(max_connections=max(10, pollers_per_job))
    async with httpx.AsyncClient(timeout=30, limits=limits) as client:
        pollers = []
        for index in range(jobs):
            response = await client.post(f"{base_url}/api/jobs?fresh=1", files={"file": image_bytes(index)})
            job_id = response.json()["job_id"]
            for number in range(pollers_per_job):
                offset_s = random.uniform(0, POLL_INTERVAL_S) if number else 0.0
                pollers.append(asyncio.create_task(poll_until_final(client, base_url, job_id, offset_s)))
            await asyncio.sleep(1.0)
        for late, count in await asyncio.gather(*pollers):
            late_ms.append(late)
            polls.append(count)
    return late_ms, polls


COUNTED = ("hget", "publish", "evalsha", "get")


def commands(redis_url: str) -> dict[str, int]:
    """Calls so far of the commands that reading and publishing job states use."""
    client = Redis.from_url(redis_url)
    try:
        stats = client.info("commandstats")
    finally:
        client.close()
    return {name: int(stats.get(f"cmdstat_{name}", {}).get("calls", 0)) for name in COUNTED}


def delta(before: dict[str, int], after: dict[str, int], jobs: int) -> str:
    per_job = {name: (after[name] - before[name]) / jobs for name in COUNTED}
    listed = ", ".join(f"{name.upper()} {calls:.1f}" for name, calls in per_job.items())
    return f"{listed}; total {sum(per_job.values()):.1f}"


async def push_phase(base_url: str, redis_url: str, subscribers: int, jobs: int) -> dict[str, Any]:
    ws_url = base_url.replace("http://", "ws://")
    delays_ms: list[float] = []
    stop = asyncio.Event()
    ready = [asyncio.Event() for _ in range(subscribers)]
    tasks = [asyncio.create_task(subscriber(ws_url, delays_ms, event, stop)) for event in ready]
    await asyncio.gather(*(event.wait() for event in ready))
    await asyncio.sleep(1.0)
    delays_ms.clear()

    before = commands(redis_url)
    late_ms, _ = await upload_and_poll(base_url, jobs, pollers_per_job=1)
    await asyncio.sleep(2.0)
    stop.set()
    await asyncio.gather(*tasks)
    return {
        "delays_ms": delays_ms,
        "poll_late_ms": late_ms,
        "commands": delta(before, commands(redis_url), jobs),
    }


async def poll_phase(base_url: str, redis_url: str, jobs: int, pollers: int) -> dict[str, Any]:
    before = commands(redis_url)
    late_ms, polls = await upload_and_poll(base_url, jobs, pollers_per_job=pollers)
    return {"poll_late_ms": late_ms, "polls": polls, "commands": delta(before, commands(redis_url), jobs)}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--subscribers", type=int, default=200, help="WebSocket subscribers following every job"
    )
    parser.add_argument("--jobs", type=int, default=20, help="screenshots uploaded, one per second")
    args = parser.parse_args()

    redis = LocalRedis().start()
    port = free_port()
    env = {"SKILLSHIFT_UPLOADS_PER_MINUTE": "0", "SKILLSHIFT_DETECTOR_WEIGHTS": "none"}
    api = start_api(redis.url, port, name="delivery-api", **env)
    worker = start_worker(redis.url, name="delivery-worker", **env)
    base_url = f"http://127.0.0.1:{port}"
    try:
        wait_for_health(base_url, workers=1, timeout_s=300)
        push = asyncio.run(push_phase(base_url, redis.url, args.subscribers, args.jobs))
        poll = asyncio.run(poll_phase(base_url, redis.url, args.jobs, args.subscribers))
    finally:
        api.stop()
        worker.stop()
        redis.stop()

    push_p50 = statistics.median(push["delays_ms"])
    push_p99 = percentile(push["delays_ms"], 0.99)
    poll_p50 = statistics.median(push["poll_late_ms"])
    print(f"subscribers {args.subscribers}, jobs {args.jobs}, events received {len(push['delays_ms'])}")
    print(f"push delay ms: p50 {push_p50:.1f}  p99 {push_p99:.1f}  max {max(push['delays_ms']):.1f}")
    print(
        f"poll delay ms (every {POLL_INTERVAL_S} s): p50 {poll_p50:.0f}  "
        f"p99 {percentile(push['poll_late_ms'], 0.99):.0f}"
    )
    print(
        f"poll p50 / push p50: {poll_p50 / push_p50:.0f}x   poll p50 / push p99: {poll_p50 / push_p99:.0f}x"
    )
    print(
        f"Redis calls per job, push phase ({args.subscribers} subscribers and one poller): {push['commands']}"
    )
    print(
        f"Redis calls per job, poll phase ({args.subscribers} pollers, "
        f"{statistics.mean(poll['polls']):.1f} polls each per job): {poll['commands']}"
    )


if __name__ == "__main__":
    main()
