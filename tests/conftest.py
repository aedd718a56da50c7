"""Fixtures that run the real service: a Redis server, the arq worker and the API, each its own process."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from shared.redis_server import LocalRedis, free_port

REPO = Path(__file__).resolve().parent.parent
SAMPLES = Path(os.environ.get("SKILLSHIFT_SAMPLES", REPO / "tests" / "data" / "real"))
ARTIFACTS = REPO / "artifacts"
LOGS = ARTIFACTS / "logs"
WORKER_READY_TIMEOUT_S = 300
_STARTED: set[str] = set()


def service_env(redis_url: str, **overrides: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        REDIS_URL=redis_url,
        PYTHONUNBUFFERED="1",
        SKILLSHIFT_LOG_LEVEL="INFO",
        YOLO_OFFLINE="1",
    )
    env.update(overrides)
    return env


@dataclass
class Process:
    """A child process with its output in a log file under artifacts/logs."""

    name: str
    command: list[str]
    env: dict[str, str]
    log_path: Path = field(init=False)
    popen: subprocess.Popen[bytes] | None = None

    def __post_init__(self) -> None:
        LOGS.mkdir(parents=True, exist_ok=True)
        self.log_path = LOGS / f"{self.name}.log"

    def start(self) -> Process:
        # Each run starts a process's log afresh; a restart of the same process appends.
        log = self.log_path.open("ab" if self.name in _STARTED else "wb")
        _STARTED.add(self.name)
        self.popen = subprocess.Popen(
            self.command, cwd=REPO, env=self.env, stdout=log, stderr=subprocess.STDOUT
        )
        return self

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def signal(self, signum: int) -> None:
        assert self.popen is not None
        self.popen.send_signal(signum)

    def wait(self, timeout: float) -> int:
        assert self.popen is not None
        return self.popen.wait(timeout=timeout)

    def stop(self, timeout: float = 30) -> None:
        if self.popen is None or self.popen.poll() is not None:
            return
        self.popen.send_signal(signal.SIGTERM)
        try:
            self.popen.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.popen.kill()
            self.popen.wait()


def start_worker(redis_url: str, name: str = "worker", **overrides: str) -> Process:
    command = [sys.executable, "-m", "workers"]
    return Process(name, command, service_env(redis_url, **overrides)).start()


def start_api(redis_url: str, port: int, name: str = "api", processes: int = 1, **overrides: str) -> Process:
    """Start the API as users run it: gunicorn with uvicorn workers."""
    command = [sys.executable, "-m", "gunicorn", "api.main:app", "--config", "python:api.gunicorn_conf"]
    command += ["--workers", str(processes), "--bind", f"127.0.0.1:{port}", "--graceful-timeout", "5"]
    return Process(name, command, service_env(redis_url, **overrides)).start()


def wait_for_health(base_url: str, *, workers: int = 0, timeout_s: float = 60) -> dict[str, Any]:
    """Poll /api/health until Redis is reachable and at least `workers` workers are alive."""
    deadline = time.monotonic() + timeout_s
    last: Any = None
    while time.monotonic() < deadline:
        try:
            response = httpx.get(f"{base_url}/api/health", timeout=2)
            last = response.json()
            if response.status_code == 200 and (last["services"]["workers"] or 0) >= workers:
                return dict(last)
        except (httpx.HTTPError, ValueError):
            pass
        time.sleep(0.25)
    raise TimeoutError(f"service at {base_url} not ready within {timeout_s} s; last health: {last}")


@dataclass
class Service:
    redis: LocalRedis
    api: Process
    worker: Process
    port: int
    worker_metrics_port: int

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    def upload(self, path: Path, **kwargs: Any) -> httpx.Response:
        with path.open("rb") as handle:
            files = {"file": (path.name, handle, "image/png")}
            return httpx.post(f"{self.base_url}/api/jobs?fresh=1", files=files, timeout=30, **kwargs)

    def wait_final(self, job_id: str, timeout_s: float = 300) -> dict[str, Any]:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            event = httpx.get(f"{self.base_url}/api/jobs/{job_id}", timeout=5).json()
            if event["state"] in ("finished", "failed"):
                return dict(event)
            time.sleep(0.25)
        raise TimeoutError(f"job {job_id} not final within {timeout_s} s")


@pytest.fixture(scope="session")
def samples_dir() -> Path:
    if not SAMPLES.is_dir():
        pytest.fail(f"real samples not found at {SAMPLES}; set SKILLSHIFT_SAMPLES")
    return SAMPLES


@pytest.fixture(scope="session")
def truth(samples_dir: Path) -> dict[str, Any]:
    return dict(json.loads((samples_dir / "truth.json").read_text()))


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="session")
def service() -> Iterator[Service]:
    redis = LocalRedis().start()
    port = free_port()
    metrics_port = free_port()
    worker = start_worker(redis.url, SKILLSHIFT_WORKER_METRICS_PORT=str(metrics_port))
    api = start_api(redis.url, port, SKILLSHIFT_UPLOADS_PER_MINUTE="1000")
    running = Service(redis=redis, api=api, worker=worker, port=port, worker_metrics_port=metrics_port)
    try:
        wait_for_health(running.base_url, workers=1, timeout_s=WORKER_READY_TIMEOUT_S)
        yield running
    finally:
        api.stop()
        worker.stop(timeout=60)
        redis.stop()
