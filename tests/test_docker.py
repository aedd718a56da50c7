"""Checks of the container images and the compose file, without building them."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO = Path(__file__).resolve().parent.parent
DOCKER = REPO / "docker"
DOCKERFILES = ["api.Dockerfile", "worker.Dockerfile"]


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((DOCKER / "compose.yaml").read_text())
    return loaded


def instructions(name: str) -> list[tuple[str, str]]:
    lines = (DOCKER / name).read_text().replace("\\\n", " ").splitlines()
    pairs = []
    for line in lines:
        if line.strip() and not line.lstrip().startswith("#"):
            keyword, _, rest = line.strip().partition(" ")
            pairs.append((keyword.upper(), rest.strip()))
    return pairs


def compose_command() -> list[str] | None:
    """Return the command of Compose v2 (`docker compose`) where installed, else of Compose v1."""
    if shutil.which("docker") is not None:
        probe = subprocess.run(["docker", "compose", "version"], capture_output=True, timeout=30)
        if probe.returncode == 0:
            return ["docker", "compose"]
    if shutil.which("docker-compose") is not None:
        return ["docker-compose"]
    return None


@pytest.mark.parametrize("name", DOCKERFILES)
def test_image_runs_as_non_root(name: str) -> None:
    users = [rest for keyword, rest in instructions(name) if keyword == "USER"]
    assert users, f"{name} has no USER instruction"
    assert users[-1] not in ("root", "0")


@pytest.mark.parametrize("name", DOCKERFILES)
def test_copied_paths_exist(name: str) -> None:
    for keyword, rest in instructions(name):
        if keyword != "COPY" or rest.startswith("--from"):
            continue
        *sources, _ = rest.split()
        for source in sources:
            assert (REPO / source).exists(), f"{name} copies {source}, which is not in the repository"


def test_api_image_has_no_model_stack() -> None:
    steps = instructions("api.Dockerfile")
    installs = [rest for keyword, rest in steps if keyword == "RUN" and "pip install" in rest]
    assert installs
    assert not any("worker" in command for command in installs)
    copied = " ".join(rest for keyword, rest in steps if keyword == "COPY")
    assert "workers/pipeline" not in copied


def test_worker_image_is_cuda_with_offline_models() -> None:
    steps = instructions("worker.Dockerfile")
    bases = [rest for keyword, rest in steps if keyword == "FROM"]
    assert bases[0].startswith("nvidia/cuda:")
    assert any(keyword == "RUN" and '".[worker]"' in rest for keyword, rest in steps)
    environment = " ".join(rest for keyword, rest in steps if keyword == "ENV")
    assert "YOLO_OFFLINE=1" in environment


def test_compose_services(compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert set(services) >= {"redis", "api", "proxy", "worker"}
    assert "--appendonly" in services["redis"]["command"]
    assert "yes" in services["redis"]["command"]
    assert "redis-data:/data" in services["redis"]["volumes"]


def test_compose_api_replicas_behind_proxy(compose: dict[str, Any]) -> None:
    api, proxy = compose["services"]["api"], compose["services"]["proxy"]
    assert "ports" not in api
    assert re.fullmatch(r"\$\{API_REPLICAS:-\d+\}", str(api["deploy"]["replicas"]))
    assert api["environment"]["REDIS_URL"] == "redis://redis:6379/0"
    assert proxy["ports"]
    config = (DOCKER / "nginx.conf").read_text()
    assert "proxy_set_header Upgrade $http_upgrade;" in config
    assert "proxy_pass $api;" in config


def test_compose_worker_reserves_gpu(compose: dict[str, Any]) -> None:
    worker = compose["services"]["worker"]
    devices = worker["deploy"]["resources"]["reservations"]["devices"]
    assert devices[0]["driver"] == "nvidia"
    assert "gpu" in devices[0]["capabilities"]
    assert worker["environment"]["REDIS_URL"] == "redis://redis:6379/0"
    assert "ports" not in worker


def test_compose_config_validates() -> None:
    command = compose_command()
    if command is None:
        pytest.skip("neither `docker compose` nor `docker-compose` is installed")
    text = (DOCKER / "compose.yaml").read_text()
    if command == ["docker-compose"]:
        # Compose v1 predates the top-level `name` key, so it checks the file without that key.
        text = re.sub(r"(?m)^name: .*$", "", text)
    result = subprocess.run(
        [*command, "-f", "-", "config"],
        input=text,
        capture_output=True,
        text=True,
        cwd=DOCKER,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    resolved = yaml.safe_load(result.stdout)
    for service in ("api", "worker"):
        build = resolved["services"][service]["build"]
        assert (Path(build["context"]) / build["dockerfile"]).is_file()
