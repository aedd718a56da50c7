"""Upload acceptance: latency and rate of `POST /api/jobs` for full-size screenshots, and API memory.

Run: .venv/bin/python bench/upload.py [--clients 50] [--uploads 400] [--api-processes 2]

Starts its own Redis and API (gunicorn) on loopback, with no worker. So the run measures only
what the API does per upload: it reads and size-checks the body, sniffs and decodes the image,
stores it in Redis and enqueues the job. Each upload is a real 2532x1170 screenshot made about
2.5 MB with noise of ±1 on its top rows, sent with `?fresh=1` so that no upload is served from the
deduplication cache. Prints p50/p99 latency, uploads per second, and the resident memory of
each API process before the run, at its peak (sampled every 50 ms) and 1 s after.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import os
import statistics
import sys
import threading
import time
from pathlib import Path

import httpx
import numpy as np
from PIL import Image

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from shared.redis_server import LocalRedis, free_port  # noqa: E402
from tests.conftest import start_api, wait_for_health  # noqa: E402

SAMPLES = Path(os.environ.get("SKILLSHIFT_SAMPLES", REPO / "tests" / "data" / "real"))
TARGET_BYTES = 2_500_000


def screenshot_bytes() -> bytes:
    """Return a real screenshot with noise added until its PNG is at least TARGET_BYTES."""
    pixels = np.asarray(Image.open(SAMPLES / "match-a-scoreboard.png").convert("RGB")).astype(np.int16)
    noise = np.random.default_rng(0).integers(-1, 2, pixels.shape)
    height = pixels.shape[0]
    for rows in range(height // 20, height + 1, height // 20):
        noisy = pixels.copy()
        noisy[:rows] = np.clip(pixels[:rows] + noise[:rows], 0, 255)
        buffer = io.BytesIO()
        Image.fromarray(noisy.astype(np.uint8)).save(buffer, format="PNG")
        if buffer.tell() >= TARGET_BYTES:
            break
    return buffer.getvalue()


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def api_processes(master: int) -> list[int]:
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    return [int(pid) for pid in children]


Outcome = tuple[list[float], list[int], float]


async def upload_all(base_url: str, data: bytes, clients: int, uploads: int) -> Outcome:
    latencies: list[float] = []
    statuses: list[int] = []
    remaining = iter(range(uploads))

    async def client() -> None:
        async with httpx.AsyncClient(base_url=base_url, timeout=60) as http:
            for _ in remaining:
                started = time.perf_counter()
                files = {"file": ("shot.png", data, "image/png")}
                response = await http.post("/api/jobs?fresh=1", files=files)
                latencies.append((time.perf_counter() - started) * 1000)
                statuses.append(response.status_code)

    started = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(clients)))
    return latencies, statuses, time.perf_counter() - started


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=50, help="concurrent uploading clients")
    parser.add_argument("--uploads", type=int, default=400, help="uploads in all")
    parser.add_argument("--api-processes", type=int, default=2, help="gunicorn worker processes")
    args = parser.parse_args()

    data = screenshot_bytes()
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    redis = LocalRedis().start()
    api = start_api(redis.url, port, name="bench-upload-api", processes=args.api_processes,
                    SKILLSHIFT_UPLOADS_PER_MINUTE="0", SKILLSHIFT_MAX_QUEUE=str(args.uploads + 100))
    try:
        wait_for_health(base_url)
        assert api.popen is not None
        pids = api_processes(api.popen.pid)
        before = [rss_mib(pid) for pid in pids]
        peaks = list(before)
        done = threading.Event()

        def sample() -> None:
            while not done.wait(0.05):
                for index, pid in enumerate(pids):
                    peaks[index] = max(peaks[index], rss_mib(pid))

        sampler = threading.Thread(target=sample)
        sampler.start()
        try:
            latencies, statuses, wall_s = asyncio.run(upload_all(base_url, data, args.clients, args.uploads))
        finally:
            done.set()
            sampler.join()
        time.sleep(1)
        after = [rss_mib(pid) for pid in pids]
    finally:
        api.stop()
        redis.stop()

    accepted = statuses.count(202)
    print(f"screenshot: 2532x1170 PNG, {len(data) / 1e6:.2f} MB; {args.clients} clients; "
          f"{args.api_processes} API processes; {os.cpu_count()} CPUs")
    print(f"uploads: {len(statuses)}, accepted (202): {accepted}, other statuses: "
          f"{sorted({s for s in statuses if s != 202}) or 'none'}")
    p50, p99 = statistics.median(latencies), percentile(latencies, 0.99)
    print(f"accept latency ms: p50 {p50:.1f}  p99 {p99:.1f}  max {max(latencies):.1f}")
    print(f"uploads per second: {len(statuses) / wall_s:.1f} ({wall_s:.1f} s in all)")
    print("API process RSS MiB before: " + ", ".join(f"{value:.0f}" for value in before))
    print("API process RSS MiB peak:   " + ", ".join(f"{value:.0f}" for value in peaks))
    print("API process RSS MiB after:  " + ", ".join(f"{value:.0f}" for value in after))


if __name__ == "__main__":
    main()
