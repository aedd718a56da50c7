"""Micro-batching: grouping of concurrent model calls, and the same results as one image at a time."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest

from workers.pipeline import Analyzer, PipelineConfig
from workers.pipeline.batching import MicroBatcher

NAMES = ["match-a-scoreboard.png", "match-a-damage.png", "match-b-scoreboard.png", "match-b-damage.png"]


class Recorder:
    """Runners that double numbers and remember the size of every batch they ran."""

    def __init__(self) -> None:
        self.sizes: list[int] = []
        self.lock = threading.Lock()

    def double(self, payloads: list[int]) -> list[int]:
        with self.lock:
            self.sizes.append(len(payloads))
        return [2 * value for value in payloads]

    def broken(self, payloads: list[int]) -> list[int]:
        raise ValueError(f"cannot run {payloads}")


def run_jobs(batcher: MicroBatcher, jobs: int, calls_per_job: int) -> list[list[int]]:
    start = threading.Barrier(jobs)

    def job(number: int) -> list[int]:
        with batcher.job():
            start.wait()
            return [batcher.call("double", None, 100 * number + step) for step in range(calls_per_job)]

    with ThreadPoolExecutor(jobs) as pool:
        return list(pool.map(job, range(jobs)))


def test_outputs_reach_their_callers() -> None:
    recorder = Recorder()
    batcher = MicroBatcher({"double": recorder.double}, max_batch=4, window_s=0.5)
    try:
        outputs = run_jobs(batcher, jobs=4, calls_per_job=5)
    finally:
        batcher.close()
    assert outputs == [[2 * (100 * n + s) for s in range(5)] for n in range(4)]
    assert sum(recorder.sizes) == 20


def test_concurrent_jobs_share_batches() -> None:
    recorder = Recorder()
    batcher = MicroBatcher({"double": recorder.double}, max_batch=4, window_s=1.0)
    try:
        run_jobs(batcher, jobs=4, calls_per_job=3)
    finally:
        batcher.close()
    assert max(recorder.sizes) == 4
    assert len(recorder.sizes) < 12


def test_batch_size_capped() -> None:
    recorder = Recorder()
    batcher = MicroBatcher({"double": recorder.double}, max_batch=2, window_s=1.0)
    try:
        run_jobs(batcher, jobs=4, calls_per_job=3)
    finally:
        batcher.close()
    assert max(recorder.sizes) <= 2


def test_single_job_runs_alone() -> None:
    recorder = Recorder()
    batcher = MicroBatcher({"double": recorder.double}, max_batch=8, window_s=1.0)
    try:
        outputs = run_jobs(batcher, jobs=1, calls_per_job=6)
    finally:
        batcher.close()
    assert outputs == [[0, 2, 4, 6, 8, 10]]
    assert recorder.sizes == [1] * 6


def test_group_keys_kept_apart() -> None:
    recorder = Recorder()
    batcher = MicroBatcher({"double": recorder.double}, max_batch=4, window_s=1.0)
    start = threading.Barrier(4)

    def job(number: int) -> int:
        with batcher.job():
            start.wait()
            value: int = batcher.call("double", number % 2, number)
            return value

    try:
        with ThreadPoolExecutor(4) as pool:
            outputs = list(pool.map(job, range(4)))
    finally:
        batcher.close()
    assert outputs == [0, 2, 4, 6]
    assert max(recorder.sizes) <= 2


def test_runner_error_reaches_every_caller() -> None:
    batcher = MicroBatcher({"broken": Recorder().broken}, max_batch=2, window_s=0.2)
    try:
        with batcher.job(), pytest.raises(ValueError, match="cannot run"):
            batcher.call("broken", None, 1)
        with batcher.job():
            assert batcher.runners
    finally:
        batcher.close()


def test_closed_batcher_rejects_calls() -> None:
    batcher = MicroBatcher({"double": Recorder().double}, max_batch=2, window_s=0.01)
    batcher.close()
    with pytest.raises(RuntimeError, match="model thread has stopped"):
        batcher.call("double", None, 1)


def test_invalid_batch_size() -> None:
    with pytest.raises(ValueError, match="max_batch must be at least 1"):
        MicroBatcher({}, max_batch=0, window_s=0.01)


def without_timings(result: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in result.items() if key != "timings_ms"}


@pytest.fixture(scope="module")
def images(samples_dir: Path) -> list[np.ndarray]:
    loaded = []
    for name in NAMES:
        image = cv2.imread(str(samples_dir / name), cv2.IMREAD_COLOR)
        assert image is not None, name
        loaded.append(cv2.cvtColor(image, cv2.COLOR_BGR2RGB))
    return loaded


def test_batched_analysis_equals_single(images: list[np.ndarray]) -> None:
    single = Analyzer.load(PipelineConfig(device="cpu"))
    expected = [without_timings(single.analyze(image)) for image in images]

    sizes: list[tuple[str, int]] = []
    batched = Analyzer.load(PipelineConfig(device="cpu", batch_size=4, batch_window_ms=200,
                                           on_batch=lambda kind, size: sizes.append((kind, size))))
    try:
        with ThreadPoolExecutor(len(images)) as pool:
            got = [without_timings(result) for result in pool.map(batched.analyze, images)]
    finally:
        batched.close()

    for name, got_one, expected_one in zip(NAMES, got, expected, strict=True):
        assert got_one["match"] == expected_one["match"], name
        assert got_one["players"] == expected_one["players"], name
        assert got_one["kda"] == expected_one["kda"], name
    assert max(size for kind, size in sizes if kind == "recognize") > 1
    assert any(line.startswith("micro-batching") for line in batched.loaded)
