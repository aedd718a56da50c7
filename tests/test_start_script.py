"""start_all_services.sh as a user runs it: its own Redis, two API processes, a worker, then a stop."""

from __future__ import annotations

import contextlib
import io
import os
import signal
import socket
import subprocess
import time
from pathlib import Path

import httpx
import pytest
from PIL import Image
from redis import Redis
from redis.exceptions import RedisError

from shared.redis_server import free_port
from tests.conftest import LOGS, REPO, WORKER_READY_TIMEOUT_S, wait_for_health


def session_members(session_id: int) -> list[int]:
    """Return the ids of the live processes in a session (from /proc)."""
    members = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        # After the command name: state, ppid, pgrp, session.
        if int(fields[3]) == session_id and fields[0] != "Z":
            members.append(int(entry.name))
    return members


@pytest.mark.parametrize("stop", ["SIGTERM to the script", "Ctrl-C in the terminal"])
def test_start_script_runs_and_stops(tmp_path: Path, stop: str) -> None:
    port, redis_port = free_port(), free_port()
    env = {key: value for key, value in os.environ.items() if key != "REDIS_URL"}
    env.update(PORT=str(port), REDIS_PORT=str(redis_port), API_PROCESSES="2", CUDA_VISIBLE_DEVICES="")
    LOGS.mkdir(parents=True, exist_ok=True)
    log_path = LOGS / f"start-script-{stop.split()[0].lower()}.log"
    with log_path.open("wb") as log:
        script = subprocess.Popen(
            [str(REPO / "start_all_services.sh")], cwd=tmp_path, env=env,
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
    base_url = f"http://127.0.0.1:{port}"
    try:
        health = wait_for_health(base_url, workers=1, timeout_s=WORKER_READY_TIMEOUT_S)
        buffer = io.BytesIO()
        Image.new("RGB", (640, 296), (30, 60, 90)).save(buffer, format="PNG")
        accepted = httpx.post(f"{base_url}/api/jobs?fresh=1", files={"file": buffer.getvalue()}, timeout=30)
        job_id = accepted.json()["job_id"]
        deadline = time.monotonic() + 120
        state = None
        while time.monotonic() < deadline and state not in ("finished", "failed"):
            time.sleep(0.5)
            state = httpx.get(f"{base_url}/api/jobs/{job_id}", timeout=30).json()["state"]
        children = [pid for pid in session_members(script.pid) if pid != script.pid]

        if stop == "SIGTERM to the script":
            script.send_signal(signal.SIGTERM)
        else:
            # A terminal sends SIGINT to every process of its foreground process group.
            os.killpg(script.pid, signal.SIGINT)
        exit_code = script.wait(timeout=60)
    finally:
        if script.poll() is None:
            os.killpg(script.pid, signal.SIGKILL)
            script.wait()
            with contextlib.suppress(RedisError):
                Redis(port=redis_port).shutdown(nosave=True)
    time.sleep(1)
    output = log_path.read_text(errors="replace")

    assert health["services"]["redis"] == "ok"
    assert f"started Valkey on 127.0.0.1:{redis_port}" in output
    assert accepted.status_code == 202
    assert state == "finished"
    # The worker, the gunicorn master and its two processes.
    assert len(children) >= 4, children
    assert exit_code == 0, output[-2000:]
    assert session_members(script.pid) == []
    # The script runs Redis in a session of its own, so it is checked by its port.
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", redis_port), timeout=2).close()
