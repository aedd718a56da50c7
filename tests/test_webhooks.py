"""Webhooks: callback URL checks, and signed deliveries from a real worker to a receiver on 127.0.0.1."""

from __future__ import annotations

import hashlib
import hmac
import threading
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from arq.constants import retry_key_prefix
from redis import Redis as SyncRedis
from redis.asyncio import Redis

from shared import keys
from shared.jobstore import JobStore
from shared.redis_server import LocalRedis, free_port
from shared.webhooks import CallbackRejected, check_callback_url, sign
from skillshift import Client
from tests.conftest import WORKER_READY_TIMEOUT_S, Service, start_api, start_worker, wait_for_health
from tests.test_api import small_screenshot

SECRET = "test-webhook-secret-0123456789"
MAX_ATTEMPTS = 3
QUEUE = "skillshift:queue"


@dataclass
class Delivery:
    path: str
    headers: dict[str, str]
    body: bytes
    received_at: float


class Receiver:
    """A webhook receiver on 127.0.0.1 that replies on each path with a script of statuses, then 200."""

    def __init__(self) -> None:
        self.deliveries: list[Delivery] = []
        self.scripts: dict[str, list[int]] = {}
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def port(self) -> int:
        return int(self.server.server_address[1])

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def respond(self, path: str, statuses: list[int]) -> None:
        with self.lock:
            self.scripts[path] = list(statuses)

    def received(self, path: str) -> list[Delivery]:
        with self.lock:
            return [delivery for delivery in self.deliveries if delivery.path == path]

    def wait_for(self, path: str, count: int, timeout_s: float = 30) -> list[Delivery]:
        deadline = time.monotonic() + timeout_s
        while len(found := self.received(path)) < count:
            if time.monotonic() > deadline:
                raise TimeoutError(f"{len(found)} of {count} deliveries to {path} within {timeout_s} s")
            time.sleep(0.05)
        return found

    def _record(self, path: str, headers: dict[str, str], body: bytes) -> int:
        with self.lock:
            self.deliveries.append(Delivery(path, headers, body, time.monotonic()))
            script = self.scripts.get(path)
            return script.pop(0) if script else 200

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                headers = {name.lower(): value for name, value in self.headers.items()}
                status = receiver._record(self.path, headers, body)
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        return Handler


@dataclass
class Hooked:
    service: Service
    receiver: Receiver

    def upload(self, path: Path, callback_url: str) -> httpx.Response:
        return self.service.upload(path, data={"callback_url": callback_url})

    def job(self, job_id: str) -> dict[str, Any]:
        return dict(httpx.get(f"{self.service.base_url}/api/jobs/{job_id}", timeout=5).json())


@pytest.fixture(scope="module")
def hooked() -> Iterator[Hooked]:
    redis = LocalRedis().start()
    receiver = Receiver()
    receiver.thread.start()
    env = {
        "SKILLSHIFT_WEBHOOK_HOSTS": f"127.0.0.1:{receiver.port}",
        "SKILLSHIFT_WEBHOOK_SECRET": SECRET,
        "SKILLSHIFT_WEBHOOK_BACKOFF_S": "1",
        "SKILLSHIFT_WEBHOOK_MAX_ATTEMPTS": str(MAX_ATTEMPTS),
        "SKILLSHIFT_WEBHOOK_TIMEOUT_S": "2",
        "SKILLSHIFT_UPLOADS_PER_MINUTE": "1000",
    }
    port = free_port()
    metrics_port = free_port()
    worker = start_worker(
        redis.url,
        name="webhook-worker",
        SKILLSHIFT_DETECTOR_WEIGHTS="none",
        SKILLSHIFT_WORKER_METRICS_PORT=str(metrics_port),
        **env,
    )
    api = start_api(redis.url, port, name="webhook-api", **env)
    service = Service(redis=redis, api=api, worker=worker, port=port, worker_metrics_port=metrics_port)
    try:
        wait_for_health(service.base_url, workers=1, timeout_s=WORKER_READY_TIMEOUT_S)
        yield Hooked(service, receiver)
    finally:
        api.stop()
        worker.stop(timeout=60)
        receiver.server.shutdown()
        redis.stop()


@pytest.fixture
async def store(hooked: Hooked) -> AsyncIterator[JobStore]:
    redis = Redis.from_url(hooked.service.redis.url)
    yield JobStore(redis, ttl_s=600)
    await redis.aclose()


def unique_path(name: str) -> str:
    return f"/hooks/{name}/{uuid.uuid4().hex[:8]}"


def expected_signature(timestamp: str, body: bytes) -> str:
    digest = hmac.new(SECRET.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def outbox_size(service: Service) -> int:
    with SyncRedis.from_url(service.redis.url) as redis:
        return int(redis.zcard(keys.WEBHOOK_OUTBOX))


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        ("https://hooks.example.com/skillshift", ["hooks.example.com"]),
        ("http://hooks.example.com/a?b=c", ["hooks.example.com"]),
        ("https://HOOKS.example.com./x", ["hooks.example.com"]),
        ("https://hooks.example.com:8443/x", ["hooks.example.com:8443"]),
        ("http://[::1]:9000/x", ["[::1]:9000"]),
        ("http://127.0.0.1:9000/x", ["other.example.com", "127.0.0.1:9000"]),
    ],
)
def test_callback_url_allowed(url: str, allowed: list[str]) -> None:
    assert check_callback_url(url, allowed) == url


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("https://evil.example.com/x", "not in this server's allow list"),
        ("https://hooks.example.com:8443/x", "hooks.example.com:8443 is not in"),
        ("https://hooks.example.com.evil.com/x", "not in this server's allow list"),
        ("ftp://hooks.example.com/x", "http or https URL, got scheme 'ftp'"),
        ("hooks.example.com/x", "got scheme 'none'"),
        ("https:///x", "has no host"),
        ("https://user:pw@hooks.example.com/x", "must not contain user information"),
        ("https://hooks.example.com@evil.com/x", "must not contain user information"),
        ("https://hooks.example.com:99999/x", "invalid port"),
        ("https://hooks.example.com/a b", "whitespace or control characters"),
        ("https://hooks.example.com/\x00", "whitespace or control characters"),
        ("https://hooks.example.com/" + "a" * 2100, "the limit is 2048"),
    ],
)
def test_callback_url_rejected(url: str, message: str) -> None:
    with pytest.raises(CallbackRejected, match=message):
        check_callback_url(url, ["hooks.example.com"])


def test_callback_url_rejected_when_webhooks_off() -> None:
    with pytest.raises(CallbackRejected, match="Webhooks are off"):
        check_callback_url("https://hooks.example.com/x", [])


def test_signature_covers_timestamp_and_body() -> None:
    body = b'{"seq":3,"state":"finished"}'

    signature = sign(SECRET, 1700000000, body)

    assert signature == expected_signature("1700000000", body)
    assert signature != sign(SECRET, 1700000001, body)
    assert signature != sign(SECRET, 1700000000, body + b" ")


def test_finished_job_delivers_signed_event(hooked: Hooked, tmp_path: Path) -> None:
    path = unique_path("finished")

    response = hooked.upload(small_screenshot(tmp_path), hooked.receiver.url(path))
    assert response.status_code == 202
    assert response.json()["callback_url"] == hooked.receiver.url(path)
    job_id = response.json()["job_id"]
    final = hooked.service.wait_final(job_id, timeout_s=120)
    [delivery] = hooked.receiver.wait_for(path, 1)

    timestamp = delivery.headers["x-skillshift-timestamp"]
    assert abs(int(timestamp) - time.time()) < 60
    assert delivery.headers["x-skillshift-signature"] == expected_signature(timestamp, delivery.body)
    assert delivery.headers["x-skillshift-event-id"] == f"{job_id}:{final['seq']}"
    assert delivery.headers["x-skillshift-attempt"] == "1"
    assert delivery.headers["content-type"] == "application/json"
    assert final["state"] == "finished"
    assert orjson.loads(delivery.body) == final
    assert "callback_url" not in final

    time.sleep(2)
    assert len(hooked.receiver.received(path)) == 1
    assert outbox_size(hooked.service) == 0


def test_server_errors_are_retried(hooked: Hooked, tmp_path: Path) -> None:
    path = unique_path("flaky")
    hooked.receiver.respond(path, [500, 500, 200])

    job_id = hooked.upload(small_screenshot(tmp_path), hooked.receiver.url(path)).json()["job_id"]
    deliveries = hooked.receiver.wait_for(path, 3, timeout_s=120)

    assert [delivery.headers["x-skillshift-attempt"] for delivery in deliveries] == ["1", "2", "3"]
    assert len({delivery.headers["x-skillshift-event-id"] for delivery in deliveries}) == 1
    assert len({delivery.body for delivery in deliveries}) == 1
    assert deliveries[1].received_at - deliveries[0].received_at >= 0.9
    assert deliveries[2].received_at - deliveries[1].received_at >= 1.9
    for delivery in deliveries:
        timestamp = delivery.headers["x-skillshift-timestamp"]
        assert delivery.headers["x-skillshift-signature"] == expected_signature(timestamp, delivery.body)
    time.sleep(2)
    assert len(hooked.receiver.received(path)) == 3
    log = hooked.service.worker.log()
    assert f"job {job_id}: webhook to 127.0.0.1:{hooked.receiver.port}, attempt 1 of 3: HTTP 500" in log
    assert "retrying in 1 s" in log
    metrics = httpx.get(f"http://127.0.0.1:{hooked.service.worker_metrics_port}/metrics").text
    assert 'skillshift_webhook_attempts_total{result="5xx"}' in metrics
    assert 'skillshift_webhook_deliveries_total{outcome="delivered"}' in metrics


def test_attempts_stop_at_the_limit(hooked: Hooked, tmp_path: Path) -> None:
    path = unique_path("down")
    hooked.receiver.respond(path, [503] * 10)

    job_id = hooked.upload(small_screenshot(tmp_path), hooked.receiver.url(path)).json()["job_id"]
    hooked.receiver.wait_for(path, MAX_ATTEMPTS, timeout_s=120)
    time.sleep(5)

    assert len(hooked.receiver.received(path)) == MAX_ATTEMPTS
    assert f"job {job_id}: webhook to 127.0.0.1:{hooked.receiver.port}, attempt 3 of 3" in (
        hooked.service.worker.log()
    )


def test_client_error_is_not_retried(hooked: Hooked, tmp_path: Path) -> None:
    path = unique_path("rejecting")
    hooked.receiver.respond(path, [400, 200])

    hooked.upload(small_screenshot(tmp_path), hooked.receiver.url(path))
    hooked.receiver.wait_for(path, 1, timeout_s=120)
    time.sleep(3)

    assert len(hooked.receiver.received(path)) == 1
    assert "not retried after this status" in hooked.service.worker.log()


async def test_cancelled_job_delivers_failed_event(hooked: Hooked, store: JobStore) -> None:
    """The API writes this final state; a job never enqueued stays queued until the cancel."""
    path = unique_path("cancelled")
    job_id = uuid.uuid4().hex
    await store.create(job_id, b"never analysed", image_ttl_s=60, callback_url=hooked.receiver.url(path))

    cancelled = httpx.delete(f"{hooked.service.base_url}/api/jobs/{job_id}")
    [delivery] = hooked.receiver.wait_for(path, 1)

    assert cancelled.status_code == 200
    event = orjson.loads(delivery.body)
    assert event == hooked.job(job_id)
    assert event["state"] == "failed"
    assert event["cancelled"] is True


async def test_reaped_job_delivers_failed_event(hooked: Hooked, store: JobStore) -> None:
    """The reaper writes this final state: the job's lease is gone and it has used all its tries."""
    path = unique_path("reaped")
    job_id = uuid.uuid4().hex
    await store.create(job_id, b"never analysed", image_ttl_s=60, callback_url=hooked.receiver.url(path))
    await store.publish(job_id, {"state": "started", "stage": "decoding"})
    await store.redis.set(retry_key_prefix + job_id, 3)
    await store.redis.zadd(keys.RUNNING_JOBS, {job_id: time.time()})

    [delivery] = hooked.receiver.wait_for(path, 1, timeout_s=30)

    event = orjson.loads(delivery.body)
    assert event == hooked.job(job_id)
    assert event["state"] == "failed"
    assert "stopped unexpectedly" in event["error"]


def test_client_submit_sends_callback(hooked: Hooked, tmp_path: Path) -> None:
    path = unique_path("client")

    with Client(hooked.service.base_url) as client:
        queued = client.submit(small_screenshot(tmp_path), callback_url=hooked.receiver.url(path))
    [delivery] = hooked.receiver.wait_for(path, 1, timeout_s=120)

    assert orjson.loads(delivery.body)["job_id"] == queued["job_id"]


@pytest.mark.parametrize(
    ("callback", "message"),
    [
        ("http://127.0.0.2:{port}/x", "127.0.0.2:{port} is not in this server's allow list"),
        ("http://127.0.0.1/x", "127.0.0.1:80 is not in"),
        ("http://user:pw@127.0.0.1:{port}/x", "must not contain user information"),
        ("file:///etc/passwd", "got scheme 'file'"),
    ],
)
def test_disallowed_callback_is_rejected_before_queueing(
    hooked: Hooked, tmp_path: Path, callback: str, message: str
) -> None:
    port = hooked.receiver.port
    with SyncRedis.from_url(hooked.service.redis.url) as redis:
        jobs_before = redis.zcard(keys.RECENT_JOBS)
        queued_before = redis.zcard(QUEUE)

        response = hooked.upload(small_screenshot(tmp_path), callback.format(port=port))

        assert response.status_code == 422
        assert message.format(port=port) in response.json()["detail"]
        assert redis.zcard(keys.RECENT_JOBS) == jobs_before
        assert redis.zcard(QUEUE) == queued_before


def test_webhooks_off_by_default(hooked: Hooked, tmp_path: Path) -> None:
    port = free_port()
    api = start_api(hooked.service.redis.url, port, name="webhooks-off-api", SKILLSHIFT_QUEUE="off")
    try:
        wait_for_health(f"http://127.0.0.1:{port}")
        with small_screenshot(tmp_path).open("rb") as handle:
            response = httpx.post(
                f"http://127.0.0.1:{port}/api/jobs",
                files={"file": handle},
                data={"callback_url": hooked.receiver.url("/off")},
                timeout=30,
            )
        with SyncRedis.from_url(hooked.service.redis.url) as redis:
            queued = redis.zcard("off")
    finally:
        api.stop()

    assert response.status_code == 422
    assert "Webhooks are off on this server" in response.json()["detail"]
    assert queued == 0
