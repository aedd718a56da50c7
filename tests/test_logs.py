"""SKILLSHIFT_LOG_FORMAT=json: every line of an API process (gunicorn included) and a worker is JSON."""

from __future__ import annotations

import io
import time
from typing import Any

import httpx
import orjson
from PIL import Image

from shared.redis_server import LocalRedis, free_port
from tests.conftest import WORKER_READY_TIMEOUT_S, start_api, start_worker, wait_for_health


def entries(text: str) -> list[dict[str, Any]]:
    return [orjson.loads(line) for line in text.splitlines() if line.strip()]


def test_json_logs_from_every_process() -> None:
    redis = LocalRedis().start()
    port = free_port()
    # The access log on standard output, as start_all_services.sh and the API image run it.
    api = start_api(
        redis.url, port, name="json-api", SKILLSHIFT_LOG_FORMAT="json", GUNICORN_CMD_ARGS="--access-logfile -"
    )
    worker = start_worker(redis.url, name="json-worker", SKILLSHIFT_LOG_FORMAT="json")
    base_url = f"http://127.0.0.1:{port}"
    try:
        wait_for_health(base_url, workers=1, timeout_s=WORKER_READY_TIMEOUT_S)
        buffer = io.BytesIO()
        Image.new("RGB", (640, 296), (70, 20, 40)).save(buffer, format="PNG")
        accepted = httpx.post(f"{base_url}/api/jobs?fresh=1", files={"file": buffer.getvalue()})
        job_id = accepted.json()["job_id"]
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if httpx.get(f"{base_url}/api/jobs/{job_id}").json()["state"] in ("finished", "failed"):
                break
            time.sleep(0.5)
    finally:
        api.stop()
        worker.stop()
        redis.stop()

    api_entries, worker_entries = entries(api.log()), entries(worker.log())

    assert any(entry["logger"].startswith("gunicorn") for entry in api_entries)
    assert any(entry["logger"] == "uvicorn.access" for entry in api_entries)
    assert any(entry.get("job_id") == job_id for entry in api_entries)
    assert any(entry.get("job_id") == job_id for entry in worker_entries)
    for entry in api_entries + worker_entries:
        assert {"time", "level", "logger", "message"} <= entry.keys(), entry
