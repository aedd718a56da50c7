"""API tokens, job ownership, WebSocket Origin checks, and no pickle on the wire."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import orjson
import pytest
import websockets
from PIL import Image
from redis import Redis

from shared.redis_server import free_port
from tests.conftest import REPO, Process, Service, start_api, wait_for_health

CLIENT_A = "client-token-a"
CLIENT_B = "client-token-b"
ADMIN = "admin-token"


@pytest.fixture(scope="module")
def secured(service: Service) -> Iterator[str]:
    """A second API process on the same Redis, with tokens and an Origin allow list."""
    port = free_port()
    api: Process = start_api(
        service.redis.url,
        port,
        name="secured-api",
        SKILLSHIFT_API_TOKENS=f"{CLIENT_A},{CLIENT_B}",
        SKILLSHIFT_ADMIN_TOKENS=ADMIN,
        SKILLSHIFT_ALLOWED_ORIGINS="https://coach.example",
    )
    base_url = f"http://127.0.0.1:{port}"
    try:
        wait_for_health(base_url, workers=1)
        yield base_url
    finally:
        api.stop()


def upload(base_url: str, path: Path, token: str | None) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    with path.open("rb") as handle:
        return httpx.post(f"{base_url}/api/jobs?fresh=1", files={"file": handle}, headers=headers, timeout=30)


@pytest.fixture
def image(tmp_path: Path) -> Path:
    path = tmp_path / "plain.png"
    Image.new("RGB", (640, 296), (15, 25, 60)).save(path)
    return path


def test_upload_needs_valid_token(secured: str, image: Path) -> None:
    missing = upload(secured, image, None)
    wrong = upload(secured, image, "not-a-token")
    good = upload(secured, image, CLIENT_A)

    assert missing.status_code == 401
    assert missing.headers["www-authenticate"] == "Bearer"
    assert "Authorization: Bearer" in missing.json()["detail"]
    assert wrong.status_code == 401
    assert good.status_code == 202


def test_job_readable_by_owner_and_admin_only(secured: str, image: Path) -> None:
    job_id = upload(secured, image, CLIENT_A).json()["job_id"]

    def read(token: str | None) -> int:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.get(f"{secured}/api/jobs/{job_id}", headers=headers).status_code

    assert read(CLIENT_A) == 200
    assert read(ADMIN) == 200
    assert read(CLIENT_B) == 404
    assert read(None) == 401


async def test_websocket_tokens_and_firehose(secured: str, image: Path) -> None:
    ws_url = secured.replace("http://", "ws://")
    job_id = upload(secured, image, CLIENT_A).json()["job_id"]

    async with websockets.connect(f"{ws_url}/ws") as anonymous:
        refused = json.loads(await anonymous.recv())
        with pytest.raises(websockets.ConnectionClosed):
            await anonymous.recv()
    assert "token" in refused["detail"]
    assert anonymous.close_code == 4401

    async with websockets.connect(f"{ws_url}/ws?token={CLIENT_B}") as other:
        await other.send(json.dumps({"op": "subscribe", "job_id": "*"}))
        firehose_reply = json.loads(await other.recv())
        await other.send(json.dumps({"op": "subscribe", "job_id": job_id}))
        foreign_reply = json.loads(await other.recv())
    assert "admin" in firehose_reply["detail"]
    assert foreign_reply["detail"] == "No such job"

    async with websockets.connect(f"{ws_url}/ws/jobs/{job_id}?token={CLIENT_A}") as owner:
        first = json.loads(await owner.recv())
    assert first["job_id"] == job_id

    async with websockets.connect(
        f"{ws_url}/ws", additional_headers={"Authorization": f"Bearer {ADMIN}"}
    ) as admin:
        await admin.send(json.dumps({"op": "subscribe", "job_id": "*"}))
        assert json.loads(await admin.recv()) == {"type": "subscribed", "job_id": "*"}


async def test_websocket_origin_check(secured: str) -> None:
    ws_url = secured.replace("http://", "ws://")
    host = secured.removeprefix("http://")

    with pytest.raises(websockets.InvalidStatus) as rejected:
        async with websockets.connect(f"{ws_url}/ws?token={ADMIN}", origin="https://evil.example"):
            pass
    for origin in ("https://coach.example", f"http://{host}"):
        async with websockets.connect(f"{ws_url}/ws?token={ADMIN}", origin=origin) as allowed:
            await allowed.send(json.dumps({"op": "subscribe", "job_id": "*"}))
            assert json.loads(await asyncio.wait_for(allowed.recv(), 5))["type"] == "subscribed", origin

    assert rejected.value.response.status_code == 403


def test_queue_and_events_hold_json_not_pickle(service: Service, image: Path) -> None:
    job_id = service.upload(image).json()["job_id"]
    redis = Redis.from_url(service.redis.url)
    try:
        job = redis.get(f"arq:job:{job_id}")
        state = redis.hget(f"skillshift:job:{job_id}", "event")
    finally:
        redis.close()

    if job is not None:  # already finished and removed by arq
        assert orjson.loads(job)["f"] == "analyze"
    assert state is not None
    assert orjson.loads(state)["job_id"] == job_id


def test_source_never_uses_pickle() -> None:
    offenders = []
    for folder in ("api", "shared", "workers"):
        for path in (REPO / folder).rglob("*.py"):
            if re.search(r"^\s*(import|from)\s+(c?pickle|dill|joblib)\b", path.read_text(), re.MULTILINE):
                offenders.append(str(path.relative_to(REPO)))
    assert offenders == []
