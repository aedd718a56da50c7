"""HTTP API against the running service: uploads, validation errors, job reads, health, headers."""

from __future__ import annotations

import io
import subprocess
import sys
import textwrap
from pathlib import Path

import httpx
from PIL import Image

from shared.redis_server import free_port
from tests.conftest import Service, start_api, wait_for_health


def png_bytes(width: int, height: int, mode: str = "RGB") -> bytes:
    buffer = io.BytesIO()
    Image.new(mode, (width, height)).save(buffer, format="PNG")
    return buffer.getvalue()


def post_file(service: Service, data: bytes, name: str = "shot.png", field: str = "file") -> httpx.Response:
    files = {field: (name, data, "application/octet-stream")}
    return httpx.post(f"{service.base_url}/api/jobs?fresh=1", files=files, timeout=30)


def small_screenshot(tmp_path: Path) -> Path:
    """A valid image that is quick to analyse (it is not a post-match screen)."""
    path = tmp_path / "small.png"
    Image.new("RGB", (640, 296), (20, 40, 80)).save(path)
    return path


def test_upload_returns_202_with_location(service: Service, tmp_path: Path) -> None:
    response = service.upload(small_screenshot(tmp_path))

    assert response.status_code == 202
    body = response.json()
    assert len(body["job_id"]) == 32
    assert body["state"] == "queued"
    assert body["seq"] == 1
    assert response.headers["location"] == f"/api/jobs/{body['job_id']}"


def test_job_read_matches_upload(service: Service, tmp_path: Path) -> None:
    job_id = service.upload(small_screenshot(tmp_path)).json()["job_id"]

    response = httpx.get(f"{service.base_url}/api/jobs/{job_id}")

    assert response.status_code == 200
    assert response.json()["job_id"] == job_id
    assert response.json()["state"] in ("queued", "started", "finished")


def test_stored_image_is_served(service: Service, tmp_path: Path) -> None:
    path = small_screenshot(tmp_path)
    job_id = service.upload(path).json()["job_id"]

    response = httpx.get(f"{service.base_url}/api/jobs/{job_id}/image")

    assert response.status_code == 200
    assert response.headers["content-type"] == "image/png"
    assert response.content == path.read_bytes()


def test_unknown_job_is_404(service: Service) -> None:
    for job_id in ("0" * 32, "not-a-job", "../../etc/passwd"):
        response = httpx.get(f"{service.base_url}/api/jobs/{job_id}")
        assert response.status_code == 404, job_id
        assert response.json() == {"detail": "No such job"} or "No route" in response.json()["detail"]


def test_analyze_route_is_gone(service: Service) -> None:
    response = httpx.post(f"{service.base_url}/api/analyze", files={"file": ("a.png", b"x")})

    assert response.status_code == 410
    assert "POST /api/jobs" in response.json()["detail"]


def test_oversize_upload_is_413(service: Service) -> None:
    response = post_file(service, b"\x89PNG\r\n\x1a\n" + b"\0" * (16 * 1024 * 1024))

    assert response.status_code == 413
    assert "limit" in response.json()["detail"]


def test_non_image_upload_is_415(service: Service) -> None:
    cases = {
        "html": b"<!doctype html><script>alert(1)</script>",
        "svg": b'<svg xmlns="http://www.w3.org/2000/svg"></svg>',
        "gif": b"GIF89a" + b"\0" * 64,
        "empty": b"",
    }
    for name, data in cases.items():
        response = post_file(service, data, name=f"{name}.png")
        assert response.status_code == 415, name
        assert "PNG, JPEG or WebP" in response.json()["detail"], name


def test_undecodable_image_is_422(service: Service, samples_dir: Path) -> None:
    truncated = (samples_dir / "match-a-scoreboard.png").read_bytes()[:20_000]
    cases = {"truncated": truncated, "tiny": png_bytes(1, 1), "strip": png_bytes(20000, 1)}
    for name, data in cases.items():
        response = post_file(service, data)
        assert response.status_code == 422, name
        assert response.json()["detail"], name


def test_pixel_limit_is_422(service: Service) -> None:
    response = post_file(service, png_bytes(8000, 6000, mode="L"))

    assert response.status_code == 422
    assert "pixels" in response.json()["detail"]


def test_wrong_multipart_is_rejected(service: Service, samples_dir: Path) -> None:
    good = (samples_dir / "match-a-scoreboard.png").read_bytes()
    wrong_field = post_file(service, good, field="image")
    not_multipart = httpx.post(
        f"{service.base_url}/api/jobs", content=good, headers={"content-type": "image/png"}
    )
    two_files = httpx.post(
        f"{service.base_url}/api/jobs",
        files=[("file", ("a.png", good, "image/png")), ("file", ("b.png", good, "image/png"))],
    )

    assert wrong_field.status_code == 422
    assert "'file'" in wrong_field.json()["detail"]
    assert not_multipart.status_code == 415
    assert two_files.status_code == 422


def test_client_filename_is_not_used(service: Service, tmp_path: Path) -> None:
    data = small_screenshot(tmp_path).read_bytes()

    response = post_file(service, data, name="../../../../tmp/evil\x00.png")

    assert response.status_code == 202
    assert "evil" not in response.text


def test_health_reports_services(service: Service) -> None:
    response = httpx.get(f"{service.base_url}/api/health")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "healthy"
    assert body["services"]["redis"] == "ok"
    assert body["services"]["workers"] >= 1
    assert body["version"]


def test_errors_are_json_with_security_headers(service: Service) -> None:
    response = httpx.get(f"{service.base_url}/no/such/route")

    assert response.status_code == 404
    assert response.headers["content-type"] == "application/json"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]


def test_api_process_never_imports_model_stack(service: Service, tmp_path: Path) -> None:
    script = textwrap.dedent(
        f"""
        import os, sys
        os.environ["REDIS_URL"] = {service.redis.url!r}
        from starlette.testclient import TestClient
        from api.app import create_app
        with TestClient(create_app()) as client:
            with open({str(small_screenshot(tmp_path))!r}, "rb") as handle:
                assert client.post("/api/jobs?fresh=1", files={{"file": handle}}).status_code == 202
            assert client.get("/api/health").status_code == 200
        loaded = sorted(name for name in ("torch", "ultralytics", "easyocr", "cv2") if name in sys.modules)
        print("LOADED", loaded)
        """
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)

    assert result.returncode == 0, result.stderr
    assert "LOADED []" in result.stdout


def test_upload_rate_limit_is_429(service: Service, tmp_path: Path) -> None:
    port = free_port()
    api = start_api(service.redis.url, port, name="ratelimit-api", SKILLSHIFT_UPLOADS_PER_MINUTE="3")
    base_url = f"http://127.0.0.1:{port}"
    try:
        wait_for_health(base_url, workers=0)
        responses = []
        for _ in range(8):
            with small_screenshot(tmp_path).open("rb") as handle:
                responses.append(
                    httpx.post(f"{base_url}/api/jobs?fresh=1", files={"file": handle}, timeout=30)
                )
    finally:
        api.stop()

    statuses = [response.status_code for response in responses]
    # At most two one-minute windows are touched, so at most 2 x 3 uploads pass.
    assert statuses.count(202) <= 6
    limited = [response for response in responses if response.status_code == 429]
    assert limited, statuses
    assert int(limited[0].headers["retry-after"]) >= 1
    assert "per minute" in limited[0].json()["detail"]


def test_openapi_lists_routes(service: Service) -> None:
    response = httpx.get(f"{service.base_url}/api/openapi.json")

    assert response.status_code == 200
    spec = response.json()
    assert spec["openapi"].startswith("3.")
    assert {"/api/jobs", "/api/jobs/{job_id}", "/api/health"} <= set(spec["paths"])
    assert "413" in spec["paths"]["/api/jobs"]["post"]["responses"]


def test_metrics_in_prometheus_format(service: Service, tmp_path: Path) -> None:
    job_id = service.upload(small_screenshot(tmp_path)).json()["job_id"]
    service.wait_final(job_id)

    api_metrics = httpx.get(f"{service.base_url}/metrics")
    worker_metrics = httpx.get(f"http://127.0.0.1:{service.worker_metrics_port}/metrics")

    assert api_metrics.status_code == 200
    assert api_metrics.headers["content-type"].startswith("text/plain")
    for name in (
        "skillshift_queue_depth",
        "skillshift_workers_alive",
        'skillshift_uploads_total{status="202"}',
        "skillshift_websocket_connections",
        "skillshift_events_received_total",
        'skillshift_events_published_total{state="queued"}',
    ):
        assert name in api_metrics.text, name
    assert worker_metrics.status_code == 200
    for name in (
        'skillshift_jobs_total{state="finished"}',
        "skillshift_job_seconds_bucket",
        'skillshift_stage_seconds_count{stage="reading"}',
        "skillshift_inference_batch_size_count",
        'skillshift_events_published_total{state="finished"}',
    ):
        assert name in worker_metrics.text, name


def test_same_image_returns_earlier_job(service: Service, tmp_path: Path) -> None:
    image = tmp_path / "repeat.png"
    Image.new("RGB", (640, 296), (90, 10, 10)).save(image)
    with image.open("rb") as handle:
        first = httpx.post(f"{service.base_url}/api/jobs", files={"file": handle}, timeout=30)
    service.wait_final(first.json()["job_id"])

    with image.open("rb") as handle:
        again = httpx.post(f"{service.base_url}/api/jobs", files={"file": handle}, timeout=30)
    with image.open("rb") as handle:
        fresh = httpx.post(f"{service.base_url}/api/jobs?fresh=1", files={"file": handle}, timeout=30)

    assert first.status_code == 202
    assert again.status_code == 200
    assert again.json()["job_id"] == first.json()["job_id"]
    assert again.json()["reused"] is True
    assert again.json()["state"] == "finished"
    assert fresh.status_code == 202
    assert fresh.json()["job_id"] != first.json()["job_id"]
