"""A corpus of bad and unusual uploads, each with its expected status; none may cause a 5xx."""

from __future__ import annotations

import io
import json
import socket
import time
import zlib
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
import websockets
from PIL import Image

from tests.conftest import Service

BOUNDARY = "skillshift-test-boundary"


def encode(image: Image.Image, fmt: str, **options: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **options)
    return buffer.getvalue()


def screen(mode: str = "RGB", size: tuple[int, int] = (640, 296)) -> Image.Image:
    colour = {"RGB": (20, 40, 90), "RGBA": (20, 40, 90, 128), "CMYK": (80, 40, 0, 60), "L": 60, "P": 3}
    return Image.new(mode, size, colour.get(mode, 0))


def png16() -> bytes:
    return encode(Image.new("I;16", (640, 296), 30000), "PNG")


def exif_rotated_jpeg() -> bytes:
    image = screen(size=(296, 640))
    exif = image.getexif()
    exif[0x0112] = 6
    return encode(image, "JPEG", exif=exif.tobytes())


def png_bomb() -> bytes:
    """A 1-bit PNG that declares 30000 x 30000 pixels in a few kilobytes."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return len(data).to_bytes(4, "big") + body + zlib.crc32(body).to_bytes(4, "big")

    width = height = 30000
    header = width.to_bytes(4, "big") + height.to_bytes(4, "big") + bytes([1, 0, 0, 0, 0])
    rows = zlib.compress((b"\0" + b"\0" * (width // 8)) * 200, 9)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", rows) + chunk(b"IEND", b"")


def zero_size_png() -> bytes:
    """A PNG whose header declares 0 x 0 pixels, which Pillow cannot identify."""
    header = bytes(8) + bytes([8, 2, 0, 0, 0])
    body = b"IHDR" + header
    ihdr = len(header).to_bytes(4, "big") + body + zlib.crc32(body).to_bytes(4, "big")
    return GOOD_PNG[:8] + ihdr + GOOD_PNG[33:]


def corrupt(data: bytes, at: float) -> bytes:
    middle = int(len(data) * at)
    return data[:middle] + bytes(b ^ 0x5A for b in data[middle : middle + 400]) + data[middle + 400 :]


def multipart(parts: list[tuple[str, bytes | None, bytes]]) -> bytes:
    """Build a multipart body by hand so that filenames can hold any bytes."""
    body = b""
    for field, filename, content in parts:
        disposition = f'form-data; name="{field}"'.encode()
        if filename is not None:
            disposition += b'; filename="' + filename + b'"'
        body += f"--{BOUNDARY}\r\n".encode() + b"Content-Disposition: " + disposition + b"\r\n"
        body += b"Content-Type: application/octet-stream\r\n\r\n" + content + b"\r\n"
    return body + f"--{BOUNDARY}--\r\n".encode()


GOOD_PNG = encode(screen(), "PNG")
GOOD_JPEG = encode(screen(), "JPEG", quality=90)
MULTIPART = f"multipart/form-data; boundary={BOUNDARY}"

# name -> (body factory, content type, expected status)
CASES: dict[str, tuple[Callable[[], bytes], str, int]] = {
    "zero bytes": (lambda: multipart([("file", b"a.png", b"")]), MULTIPART, 415),
    "text named png": (lambda: multipart([("file", b"a.png", b"just some text")]), MULTIPART, 415),
    "html named png": (
        lambda: multipart([("file", b"a.png", b"<html><body>hi</body></html>")]),
        MULTIPART,
        415,
    ),
    "svg": (
        lambda: multipart([("file", b"a.svg", b'<svg xmlns="http://www.w3.org/2000/svg"/>')]),
        MULTIPART,
        415,
    ),
    "gif": (lambda: multipart([("file", b"a.gif", encode(screen("P"), "GIF"))]), MULTIPART, 415),
    "tiff": (lambda: multipart([("file", b"a.tif", encode(screen(), "TIFF"))]), MULTIPART, 415),
    "bmp": (lambda: multipart([("file", b"a.bmp", encode(screen(), "BMP"))]), MULTIPART, 415),
    "pdf": (lambda: multipart([("file", b"a.pdf", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")]), MULTIPART, 415),
    "truncated png": (
        lambda: multipart([("file", b"a.png", GOOD_PNG[: len(GOOD_PNG) // 2])]),
        MULTIPART,
        422,
    ),
    "corrupted png": (lambda: multipart([("file", b"a.png", corrupt(GOOD_PNG, 0.3))]), MULTIPART, 422),
    "png header only": (lambda: multipart([("file", b"a.png", GOOD_PNG[:33])]), MULTIPART, 422),
    "truncated jpeg": (
        lambda: multipart([("file", b"a.jpg", GOOD_JPEG[: len(GOOD_JPEG) // 2])]),
        MULTIPART,
        422,
    ),
    "corrupted jpeg": (lambda: multipart([("file", b"a.jpg", corrupt(GOOD_JPEG, 0.05))]), MULTIPART, 422),
    "png bomb": (lambda: multipart([("file", b"a.png", png_bomb())]), MULTIPART, 422),
    "1x1": (lambda: multipart([("file", b"a.png", encode(screen(size=(1, 1)), "PNG"))]), MULTIPART, 422),
    "20000x1": (
        lambda: multipart([("file", b"a.png", encode(screen("L", (20000, 1)), "PNG"))]),
        MULTIPART,
        422,
    ),
    "16-bit png": (lambda: multipart([("file", b"a.png", png16())]), MULTIPART, 202),
    "cmyk jpeg": (lambda: multipart([("file", b"a.jpg", encode(screen("CMYK"), "JPEG"))]), MULTIPART, 202),
    "alpha png": (lambda: multipart([("file", b"a.png", encode(screen("RGBA"), "PNG"))]), MULTIPART, 202),
    "palette png": (lambda: multipart([("file", b"a.png", encode(screen("P"), "PNG"))]), MULTIPART, 202),
    "grey png": (lambda: multipart([("file", b"a.png", encode(screen("L"), "PNG"))]), MULTIPART, 202),
    "webp": (lambda: multipart([("file", b"a.webp", encode(screen(), "WEBP"))]), MULTIPART, 202),
    "exif rotated jpeg": (lambda: multipart([("file", b"a.jpg", exif_rotated_jpeg())]), MULTIPART, 202),
    "dot-dot filename": (lambda: multipart([("file", b"../../../etc/passwd", GOOD_PNG)]), MULTIPART, 202),
    "nul filename": (lambda: multipart([("file", b"a\x00b.png", GOOD_PNG)]), MULTIPART, 202),
    "300-char filename": (lambda: multipart([("file", b"x" * 300 + b".png", GOOD_PNG)]), MULTIPART, 202),
    # python-multipart rejects part header lines over 4 KiB.
    "5000-char filename": (lambda: multipart([("file", b"x" * 5000 + b".png", GOOD_PNG)]), MULTIPART, 400),
    "wrong field name": (lambda: multipart([("image", b"a.png", GOOD_PNG)]), MULTIPART, 422),
    "text field named file": (lambda: multipart([("file", None, b"hello")]), MULTIPART, 422),
    "two files": (
        lambda: multipart([("file", b"a.png", GOOD_PNG), ("file", b"b.png", GOOD_PNG)]),
        MULTIPART,
        422,
    ),
    "no parts": (lambda: f"--{BOUNDARY}--\r\n".encode(), MULTIPART, 400),
    "no closing boundary": (
        lambda: multipart([("file", b"a.png", GOOD_PNG)]).removesuffix(f"--{BOUNDARY}--\r\n".encode()),
        MULTIPART,
        400,
    ),
    "png with zero size": (lambda: multipart([("file", b"a.png", zero_size_png())]), MULTIPART, 422),
    "raw png body": (lambda: GOOD_PNG, "image/png", 415),
    "json body": (lambda: b'{"file": "aGVsbG8="}', "application/json", 415),
    "urlencoded body": (lambda: b"file=hello", "application/x-www-form-urlencoded", 415),
    "no boundary": (lambda: multipart([("file", b"a.png", GOOD_PNG)]), "multipart/form-data", 400),
    "oversize": (
        lambda: multipart([("file", b"a.png", b"\x89PNG\r\n\x1a\n" + bytes(16 * 2**20))]),
        MULTIPART,
        413,
    ),
}


@pytest.mark.parametrize("name", list(CASES))
def test_upload_case(service: Service, name: str) -> None:
    factory, content_type, expected = CASES[name]

    response = httpx.post(
        f"{service.base_url}/api/jobs?fresh=1",
        content=factory(),
        headers={"content-type": content_type},
        timeout=60,
    )

    assert response.status_code == expected, response.text
    assert response.headers["content-type"] == "application/json"
    if expected == 202:
        final = service.wait_final(response.json()["job_id"], timeout_s=120)
        assert final["state"] == "finished", final.get("error")
    else:
        detail = response.json()["detail"]
        assert isinstance(detail, str) and detail
        assert "Traceback" not in detail
        assert "/work/" not in detail
        assert "site-packages" not in detail
        assert "object at 0x" not in detail


@pytest.mark.parametrize("job_id", ["ZZZ", "%00", "a" * 33, "A" * 32, "..%2F..%2Fetc", "1" * 5000])
def test_malformed_job_ids_are_404(service: Service, job_id: str) -> None:
    response = httpx.get(f"{service.base_url}/api/jobs/{job_id}", timeout=10)

    assert response.status_code == 404
    assert response.json()["detail"]


async def test_oversized_websocket_message(service: Service) -> None:
    async with websockets.connect(f"{service.ws_url}/ws", max_size=None) as socket:
        await socket.send("{" + " " * 1_000_000 + "}")
        reply = json.loads(await socket.recv())
        await socket.send(json.dumps({"op": "subscribe", "job_id": "*"}))
        after = json.loads(await socket.recv())

    assert reply["type"] == "error"
    assert "limit" in reply["detail"]
    assert after["type"] == "subscribed"


def test_client_leaving_mid_upload(service: Service) -> None:
    """A client that closes its connection halfway through the body is logged quietly, not as an error."""
    head = (
        f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.png\"\r\n"
        "Content-Type: image/png\r\n\r\n"
    ).encode() + b"\x89PNG\r\n\x1a\n" + b"\0" * 200_000
    request = (
        "POST /api/jobs?fresh=1 HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        f"Content-Type: multipart/form-data; boundary={BOUNDARY}\r\n"
        f"Content-Length: {len(head) + 1_000_000}\r\n\r\n"
    ).encode()
    with socket.create_connection(("127.0.0.1", service.port), timeout=10) as connection:
        connection.sendall(request + head)
        time.sleep(0.5)

    deadline = time.monotonic() + 10
    while "client left during POST /api/jobs" not in service.api.log() and time.monotonic() < deadline:
        time.sleep(0.2)
    log = service.api.log()
    assert "client left during POST /api/jobs" in log
    assert "ClientDisconnect" not in log


def test_service_still_works_after_corpus(service: Service, samples_dir: Path) -> None:
    """Runs after the corpus: every accepted odd image finished, and a real screenshot still reads."""
    job_id = service.upload(samples_dir / "match-b-scoreboard.png").json()["job_id"]
    final = service.wait_final(job_id)

    assert final["state"] == "finished"
    assert final["result"]["kda"] == "0/5/1"
    assert service.worker.popen is not None and service.worker.popen.poll() is None
    health = httpx.get(f"{service.base_url}/api/health").json()
    assert health["status"] == "healthy"
