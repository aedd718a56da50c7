"""Load run: many WebSocket subscribers and uploads against a real stack on loopback.

Starts its own Redis, API (gunicorn, several processes) and one worker, then
uploads small screenshots while subscribers follow them, and reports whether
every subscriber got every final state it followed, plus API latency under
load. Bounded in count and time; sends traffic to 127.0.0.1 only.

    .venv/bin/python bench/load.py --subscribers 1000 --uploads 200
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import signal
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import websockets
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from shared.redis_server import LocalRedis, free_port  # noqa: E402
from tests.conftest import start_api, start_worker, wait_for_health  # noqa: E402

FINAL = ("finished", "failed")


def screenshot_bytes(index: int) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (640, 296), (index % 200, 40, 90)).save(buffer, format="PNG")
    return buffer.getvalue()


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] if ordered else float("nan")


async def follow(ws_url: str, job_id: str, deadline: float) -> str | None:
    """Return the final state this subscriber saw for `job_id`, or None."""
    async with websockets.connect(f"{ws_url}/ws/jobs/{job_id}", open_timeout=60) as socket:
        async with asyncio.timeout(max(1.0, deadline - time.monotonic())):
            async for text in socket:
                message = json.loads(text)
                if message.get("state") in FINAL:
                    return str(message["state"])
    return None


async def firehose(
    ws_url: str, job_ids: set[str], finals: dict[str, int], subscribed: asyncio.Event, deadline: float
) -> None:
    """Follow every job from before the first upload; count final states of `job_ids` (filled later)."""
    async with websockets.connect(f"{ws_url}/ws", open_timeout=60, max_queue=None) as socket:
        await socket.send(json.dumps({"op": "subscribe", "job_id": "*"}))
        async with asyncio.timeout(max(1.0, deadline - time.monotonic())):
            async for text in socket:
                message = json.loads(text)
                if message.get("type") == "subscribed":
                    subscribed.set()
                if message.get("state") in FINAL:
                    finals[message["job_id"]] = finals.get(message["job_id"], 0) + 1
                    if job_ids and job_ids <= set(finals):
                        return


async def probe_health(base_url: str, stop: asyncio.Event, latencies: list[float]) -> None:
    async with httpx.AsyncClient(timeout=10) as client:
        while not stop.is_set():
            started = time.perf_counter()
            response = await client.get(f"{base_url}/api/health")
            latencies.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200
            await asyncio.sleep(0.1)


async def run(
    base_url: str, subscribers: int, uploads: int, firehoses: int, time_limit_s: float
) -> dict[str, Any]:
    ws_url = base_url.replace("http://", "ws://")
    deadline = time.monotonic() + time_limit_s
    stop = asyncio.Event()
    health_ms: list[float] = []
    prober = asyncio.create_task(probe_health(base_url, stop, health_ms))

    wanted: set[str] = set()
    hose_finals: list[dict[str, int]] = [{} for _ in range(firehoses)]
    ready = [asyncio.Event() for _ in range(firehoses)]
    hoses = [
        asyncio.create_task(firehose(ws_url, wanted, finals, event, deadline))
        for finals, event in zip(hose_finals, ready, strict=True)
    ]
    await asyncio.gather(*(event.wait() for event in ready))

    upload_ms: list[float] = []
    job_ids: list[str] = []
    async with httpx.AsyncClient(timeout=60) as client:
        for index in range(uploads):
            started = time.perf_counter()
            files = {"file": screenshot_bytes(index)}
            response = await client.post(f"{base_url}/api/jobs?fresh=1", files=files)
            upload_ms.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 202, response.text
            job_ids.append(response.json()["job_id"])

    wanted.update(job_ids)
    followers = subscribers - firehoses
    plan = [job_ids[index % len(job_ids)] for index in range(followers)]
    following = (follow(ws_url, job_id, deadline) for job_id in plan)
    results = await asyncio.gather(*following, return_exceptions=True)
    await asyncio.gather(*hoses, return_exceptions=True)
    stop.set()
    await prober

    states = await asyncio.gather(*(asyncio.to_thread(_state, base_url, job_id) for job_id in job_ids))
    missed = sum(1 for result in results if result not in FINAL)
    hose_missed = sum(len(wanted - set(finals)) for finals in hose_finals)
    hose_duplicates = sum(
        count - 1
        for finals in hose_finals
        for job_id, count in finals.items()
        if job_id in wanted and count > 1
    )
    return {
        "uploads": uploads,
        "subscribers": subscribers,
        "job_followers": followers,
        "firehose_subscribers": firehoses,
        "jobs_finished": states.count("finished"),
        "jobs_failed": states.count("failed"),
        "jobs_not_final": sum(1 for state in states if state not in FINAL),
        "followers_missing_final": missed,
        "firehose_missing_finals": hose_missed,
        "firehose_duplicate_finals": hose_duplicates,
        "upload_ms_p50": round(statistics.median(upload_ms), 1),
        "upload_ms_p99": round(percentile(upload_ms, 0.99), 1),
        "health_ms_p50": round(statistics.median(health_ms), 1),
        "health_ms_p99": round(percentile(health_ms, 0.99), 1),
        "health_probes": len(health_ms),
    }


def _state(base_url: str, job_id: str) -> str:
    return str(httpx.get(f"{base_url}/api/jobs/{job_id}", timeout=30).json()["state"])


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--subscribers", type=int, default=1000, help="WebSocket subscribers in all")
    parser.add_argument("--firehoses", type=int, default=20, help="how many of them follow every job (*)")
    parser.add_argument("--uploads", type=int, default=200, help="screenshots to upload")
    parser.add_argument("--api-processes", type=int, default=2, help="gunicorn worker processes")
    parser.add_argument("--time-limit", type=float, default=600, help="seconds before the run gives up")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(1))

    redis = LocalRedis().start()
    port = free_port()
    env = {"SKILLSHIFT_UPLOADS_PER_MINUTE": "0", "SKILLSHIFT_DETECTOR_WEIGHTS": "none"}
    api = start_api(redis.url, port, name="bench-api", processes=args.api_processes, **env)
    worker = start_worker(redis.url, name="bench-worker", **env)
    base_url = f"http://127.0.0.1:{port}"
    try:
        wait_for_health(base_url, workers=1, timeout_s=300)
        started = time.monotonic()
        report = asyncio.run(run(base_url, args.subscribers, args.uploads, args.firehoses, args.time_limit))
        report["wall_s"] = round(time.monotonic() - started, 1)
    finally:
        api.stop()
        worker.stop()
        redis.stop()
    for key, value in report.items():
        print(f"{key:>28}: {value}")


if __name__ == "__main__":
    main()
