"""Latency of one screenshot alone and throughput with micro-batching at several batch sizes.

Run: nice -n 10 .venv/bin/python bench/throughput.py [--device cpu] [--batch-sizes 1,2,4] [--images 16]

Batch size 1 analyses the images one after another in one thread, as a worker without
micro-batching does. A batch size B above 1 runs B threads over the same images with
micro-batching on, as a worker with SKILLSHIFT_BATCH_SIZE=B does. The images cycle through the
four real samples. The output gives seconds per image alone (p50, p95), images per second for
each batch size with its ratio to batch size 1, the mean batch of the recognizer, and peak memory.
"""

from __future__ import annotations

import argparse
import os
import queue
import resource
import statistics
import sys
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.samples import NAMES, SAMPLES, load_rgb  # noqa: E402
from workers.pipeline import Analyzer, PipelineConfig  # noqa: E402


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def run_single(analyzer: Analyzer, images: list[np.ndarray]) -> tuple[float, list[float]]:
    latencies = []
    started = time.perf_counter()
    for image in images:
        began = time.perf_counter()
        analyzer.analyze(image)
        latencies.append(time.perf_counter() - began)
    return time.perf_counter() - started, latencies


def run_batched(analyzer: Analyzer, images: list[np.ndarray], threads: int) -> float:
    pending: queue.Queue[np.ndarray] = queue.Queue()
    for image in images:
        pending.put(image)

    def drain() -> None:
        while True:
            try:
                image = pending.get_nowait()
            except queue.Empty:
                return
            analyzer.analyze(image)

    workers = [threading.Thread(target=drain) for _ in range(threads)]
    started = time.perf_counter()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return time.perf_counter() - started


def recorder(batches: dict[str, list[int]]) -> Callable[[str, int], None]:
    return lambda kind, count: batches[kind].append(count)


def gpu_memory_mib(device: str) -> str:
    if not device.startswith("cuda"):
        return "-"
    import torch

    return f"{torch.cuda.max_memory_allocated() / 2**20:.0f} MiB"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cpu", help="pipeline device: auto, cpu or cuda:N")
    parser.add_argument("--batch-sizes", default="1,2,4", help="batch sizes, comma-separated")
    parser.add_argument("--images", type=int, default=16, help="images per batch size")
    parser.add_argument("--window-ms", type=float, default=5.0, help="micro-batching window in milliseconds")
    args = parser.parse_args()

    samples = [load_rgb(SAMPLES / name) for name in NAMES]
    images = [samples[i % len(samples)] for i in range(args.images)]
    sizes = sorted({1, *(int(part) for part in args.batch_sizes.split(",") if part)})

    single = Analyzer.load(PipelineConfig(device=args.device))
    print(f"models: {'; '.join(single.loaded)}")
    single.analyze(samples[0])
    elapsed, latencies = run_single(single, images)
    baseline = len(images) / elapsed
    p50_ms, p95_ms = statistics.median(latencies) * 1000, percentile(latencies, 0.95) * 1000
    print(f"alone: p50 {p50_ms:.0f} ms, p95 {p95_ms:.0f} ms per image over {len(images)} images")
    print(f"{'batch':>6}{'images/s':>10}{'ratio':>8}{'mean batch':>12}")
    print(f"{1:>6}{baseline:>10.2f}{1.0:>8.2f}{1.0:>12.1f}")

    for size in sizes[1:]:
        batches: dict[str, list[int]] = defaultdict(list)
        analyzer = Analyzer.load(PipelineConfig(
            device=args.device, batch_size=size, batch_window_ms=args.window_ms,
            on_batch=recorder(batches),
        ))
        try:
            run_batched(analyzer, samples, min(size, len(samples)))
            batches.clear()
            elapsed = run_batched(analyzer, images, size)
        finally:
            analyzer.close()
        rate = len(images) / elapsed
        mean_batch = statistics.mean(batches["recognize"]) if batches["recognize"] else 0.0
        print(f"{size:>6}{rate:>10.2f}{rate / baseline:>8.2f}{mean_batch:>12.1f}")

    peak_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS {peak_rss:.0f} MiB; peak GPU memory {gpu_memory_mib(args.device)}; "
          f"{os.cpu_count()} CPUs; load average {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
