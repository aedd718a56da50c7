"""End to end: uploads analysed by the real worker, states followed over WebSocket and REST."""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
import websockets
from arq.connections import RedisSettings, create_pool
from redis.asyncio import Redis

from shared.jobstore import JobStore
from shared.serialization import dumps, loads
from tests.conftest import Service

FINAL = ("finished", "failed")


async def follow_job(
    service: Service, job_id: str, timeout_s: float = 300
) -> tuple[list[dict[str, Any]], int]:
    """Collect the messages of WS /ws/jobs/{job_id} until the server closes; return them and the code."""
    messages: list[dict[str, Any]] = []
    async with websockets.connect(f"{service.ws_url}/ws/jobs/{job_id}") as socket:
        try:
            async with asyncio.timeout(timeout_s):
                async for text in socket:
                    messages.append(json.loads(text))
        except websockets.ConnectionClosedError:
            pass  # closed with a code other than 1000 or 1001; the caller checks close_code
        except TimeoutError:
            pytest.fail(f"job {job_id} sent no final state within {timeout_s} s: {messages}")
        assert socket.close_code is not None
        return messages, socket.close_code


def assert_scoreboard_matches(result: dict[str, Any], expected: dict[str, Any]) -> None:
    assert result["view"] == "scoreboard"
    assert result["match"] == expected["match"]
    assert result["kda"] == expected["kda"]
    by_slot = {(p["team"], p["slot"]): p for p in result["players"]}
    for want in expected["players"]:
        got = by_slot[(want["team"], want["slot"])]
        where = f"{want['team']} slot {want['slot']}"
        assert (got["kills"], got["deaths"], got["assists"]) == (
            want["kills"],
            want["deaths"],
            want["assists"],
        ), where
        assert got["gold"] == want["gold"], where
        assert got["is_you"] == want["is_you"], where


@pytest.mark.parametrize("sample", ["match-a-scoreboard.png", "match-b-scoreboard.png"])
async def test_real_scoreboard_over_websocket(
    service: Service, samples_dir: Path, truth: dict[str, Any], sample: str
) -> None:
    job_id = service.upload(samples_dir / sample).json()["job_id"]

    messages, close_code = await follow_job(service, job_id)

    states = [m["state"] for m in messages]
    seqs = [m["seq"] for m in messages]
    assert close_code == 1000
    assert all(m["type"] == "event" and m["job_id"] == job_id for m in messages)
    assert seqs == sorted(set(seqs)), "seq must only grow"
    assert states[-1] == "finished", messages[-1].get("error")
    assert states.count("finished") == 1
    stages = [m["stage"] for m in messages if m["state"] == "started"]
    assert stages[-1] == "parsing" or set(stages) >= {"decoding", "reading"}
    assert_scoreboard_matches(messages[-1]["result"], truth[sample])


async def test_firehose_sees_new_job(service: Service, tmp_path: Path) -> None:
    image = tmp_path / "plain.png"
    from PIL import Image

    Image.new("RGB", (800, 370), (30, 30, 60)).save(image)
    async with websockets.connect(f"{service.ws_url}/ws") as socket:
        await socket.send(json.dumps({"op": "subscribe", "job_id": "*"}))
        assert json.loads(await socket.recv()) == {"type": "subscribed", "job_id": "*"}
        job_id = service.upload(image).json()["job_id"]

        seen: list[dict[str, Any]] = []
        async with asyncio.timeout(300):
            while not seen or seen[-1]["state"] not in FINAL:
                message = json.loads(await socket.recv())
                if message.get("job_id") == job_id:
                    seen.append(message)

    assert [m["state"] for m in seen][0] == "queued"
    assert seen[-1]["state"] == "finished"
    assert seen[-1]["result"]["view"] == "unknown"
    assert seen[-1]["result"]["warnings"]


async def test_late_subscriber_gets_final_state(service: Service, tmp_path: Path) -> None:
    image = tmp_path / "late.png"
    from PIL import Image

    Image.new("RGB", (700, 330), (60, 20, 20)).save(image)
    job_id = service.upload(image).json()["job_id"]
    final = service.wait_final(job_id)

    messages, close_code = await follow_job(service, job_id, timeout_s=10)

    assert close_code == 1000
    assert len(messages) == 1
    assert messages[0]["state"] == final["state"]
    assert messages[0]["seq"] == final["seq"]


async def test_ws_unknown_job_and_bad_messages(service: Service) -> None:
    messages, close_code = await follow_job(service, "f" * 32, timeout_s=10)
    assert messages == [{"type": "error", "job_id": "f" * 32, "detail": "No such job"}]
    assert close_code == 4404

    async with websockets.connect(f"{service.ws_url}/ws") as socket:
        for bad in (
            "not json",
            "[1, 2]",
            '{"op": "dance"}',
            '{"op": "subscribe", "job_id": "../x"}',
            "x" * 5000,
        ):
            await socket.send(bad)
            reply = json.loads(await socket.recv())
            assert reply["type"] == "error", bad
            assert reply["detail"], bad
        await socket.send(json.dumps({"op": "subscribe", "job_id": "e" * 32}))
        assert json.loads(await socket.recv())["detail"] == "No such job"


async def test_ws_declines_compression(service: Service) -> None:
    # Each event would otherwise be deflated once per subscriber, with a zlib context per socket.
    async with websockets.connect(f"{service.ws_url}/ws", compression="deflate") as socket:
        assert "Sec-WebSocket-Extensions" not in socket.response.headers
        await socket.send(json.dumps({"op": "subscribe", "job_id": "*"}))
        assert json.loads(await socket.recv())["type"] == "subscribed"


async def test_worker_survives_corrupt_image(
    service: Service, samples_dir: Path, truth: dict[str, Any]
) -> None:
    """A corrupt image that reached the queue fails with a message; the next job still runs."""
    redis = await create_pool(
        RedisSettings.from_dsn(service.redis.url), job_serializer=dumps, job_deserializer=loads
    )
    store = JobStore(Redis.from_url(service.redis.url), ttl_s=600)
    job_id = "c" * 32
    await store.create(job_id, b"\x89PNG\r\n\x1a\n" + b"garbage" * 100, image_ttl_s=600)
    await redis.enqueue_job("analyze", job_id, _job_id=job_id, _queue_name="skillshift:queue")

    failed = await asyncio.to_thread(service.wait_final, job_id)
    assert failed["state"] == "failed"
    assert "could not be decoded" in failed["error"]
    assert "Traceback" not in failed["error"]

    good = service.upload(samples_dir / "match-b-scoreboard.png").json()["job_id"]
    finished = await asyncio.to_thread(service.wait_final, good)
    assert finished["state"] == "finished"
    assert finished["result"]["kda"] == truth["match-b-scoreboard.png"]["kda"]
    assert service.worker.popen is not None and service.worker.popen.poll() is None
    await redis.aclose()
    await store.redis.aclose()


def test_curl_upload_then_poll(service: Service, samples_dir: Path, truth: dict[str, Any]) -> None:
    curl = shutil.which("curl")
    if curl is None:
        pytest.skip("curl is not installed")
    sample = samples_dir / "match-a-scoreboard.png"
    output = subprocess.run(
        [curl, "-sS", "-F", f"file=@{sample}", f"{service.base_url}/api/jobs"],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    ).stdout
    job_id = json.loads(output)["job_id"]

    deadline = time.monotonic() + 300
    while (event := httpx.get(f"{service.base_url}/api/jobs/{job_id}").json())["state"] not in FINAL:
        assert time.monotonic() < deadline, event
        time.sleep(0.5)

    assert event["state"] == "finished"
    assert event["result"]["kda"] == truth["match-a-scoreboard.png"]["kda"]
    assert event["result"]["match"] == truth["match-a-scoreboard.png"]["match"]
    annotated = httpx.get(f"{service.base_url}/api/jobs/{job_id}/annotated.png")
    assert annotated.status_code == 200
    assert annotated.content.startswith(b"\x89PNG")


async def test_cancel_queued_and_running_jobs(service: Service, samples_dir: Path) -> None:
    running = service.upload(samples_dir / "match-a-damage.png").json()["job_id"]
    queued = service.upload(samples_dir / "match-b-damage.png").json()["job_id"]
    follower = asyncio.create_task(follow_job(service, running))
    deadline = time.monotonic() + 300
    while httpx.get(f"{service.base_url}/api/jobs/{running}").json()["state"] != "started":
        assert time.monotonic() < deadline
        await asyncio.sleep(0.05)

    cancel_queued = httpx.delete(f"{service.base_url}/api/jobs/{queued}")
    cancel_running = httpx.delete(f"{service.base_url}/api/jobs/{running}")
    messages, _ = await follower
    again = httpx.delete(f"{service.base_url}/api/jobs/{running}")

    assert cancel_queued.status_code == 200
    assert cancel_queued.json()["cancelled"] is True
    assert cancel_running.status_code == 200
    assert cancel_running.json()["state"] == "failed"
    assert [m["state"] for m in messages].count("failed") == 1
    assert messages[-1]["error"] == "Cancelled by the client"
    assert again.status_code == 409
    assert service.wait_final(queued)["cancelled"] is True
    assert service.worker.popen is not None and service.worker.popen.poll() is None
