"""The Python client and `skillshift submit` against the running service."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from skillshift import AsyncClient, Client, SkillShiftError
from tests.conftest import Service


async def test_async_client_submit_and_wait(
    service: Service, samples_dir: Path, truth: dict[str, Any]
) -> None:
    async with AsyncClient(service.base_url) as client:
        queued = await client.submit(samples_dir / "match-b-scoreboard.png", fresh=True)
        final = await client.wait(queued["job_id"])

    assert queued["state"] == "queued"
    assert final["state"] == "finished"
    assert final["result"]["kda"] == truth["match-b-scoreboard.png"]["kda"]


def test_sync_client_stream_orders_states(service: Service, tmp_path: Path) -> None:
    from PIL import Image

    image = tmp_path / "plain.png"
    Image.new("RGB", (640, 296), (5, 50, 50)).save(image)
    with Client(service.base_url) as client:
        queued = client.submit(image, fresh=True)
        events = list(client.stream(queued["job_id"]))

    seqs = [event["seq"] for event in events]
    assert seqs == sorted(set(seqs))
    assert events[-1]["state"] == "finished"


def test_client_raises_api_errors(service: Service) -> None:
    with Client(service.base_url) as client, pytest.raises(SkillShiftError) as error:
        client.submit(b"not an image")

    assert error.value.status == 415
    assert "PNG, JPEG or WebP" in error.value.detail


def test_cli_submit_wait(service: Service, samples_dir: Path, truth: dict[str, Any]) -> None:
    command = shutil.which("skillshift", path=str(Path(sys.executable).parent)) or "skillshift"
    sample = samples_dir / "match-a-scoreboard.png"

    result = subprocess.run(
        [command, "submit", str(sample), "--wait", "--fresh", "--url", service.base_url],
        capture_output=True,
        text=True,
        timeout=600,
    )

    assert result.returncode == 0, result.stderr
    assert "started: reading" in result.stderr
    final = json.loads(result.stdout)
    assert final["state"] == "finished"
    assert final["result"]["kda"] == truth["match-a-scoreboard.png"]["kda"]
    assert "type" not in final


@pytest.mark.parametrize("case", ["missing file", "no server"])
def test_cli_submit_errors_in_one_line(
    service: Service, samples_dir: Path, tmp_path: Path, case: str
) -> None:
    command = shutil.which("skillshift", path=str(Path(sys.executable).parent)) or "skillshift"
    if case == "missing file":
        target, url = str(tmp_path / "missing.png"), service.base_url
    else:
        target, url = str(samples_dir / "match-a-scoreboard.png"), "http://127.0.0.1:1"

    result = subprocess.run(
        [command, "submit", target, "--url", url], capture_output=True, text=True, timeout=60
    )

    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
