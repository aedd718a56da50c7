"""Clients for the SkillShift API: submit a screenshot, stream its job's events, wait for the result.

`AsyncClient` is for asyncio programs and `Client` for everything else. Both
follow a job over WS /ws/jobs/{job_id} and fall back to polling
GET /api/jobs/{job_id} when the WebSocket cannot be used.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import websockets
from websockets.sync.client import connect as connect_sync

FINAL_STATES = ("finished", "failed")
POLL_INTERVAL_S = 2.5
Event = dict[str, Any]


class SkillShiftError(Exception):
    """The API returned an error status; `detail` is its message."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(f"{status}: {detail}")
        self.status = status
        self.detail = detail


def _check(response: httpx.Response) -> Event:
    if response.is_success:
        return dict(response.json())
    try:
        detail = str(response.json()["detail"])
    except (ValueError, KeyError, TypeError):
        detail = response.text
    raise SkillShiftError(response.status_code, detail)


def _upload(image: str | Path | bytes) -> dict[str, tuple[str, bytes]]:
    if isinstance(image, bytes):
        return {"file": ("screenshot", image)}
    path = Path(image)
    return {"file": (path.name, path.read_bytes())}


def _jobs_path(fresh: bool) -> str:
    """Return the upload path; with `fresh`, the server analyses even bytes uploaded before again."""
    return "/api/jobs?fresh=1" if fresh else "/api/jobs"


def _form(callback_url: str | None) -> dict[str, str]:
    return {} if callback_url is None else {"callback_url": callback_url}


def _ws_url(base_url: str, job_id: str, token: str | None) -> str:
    url = base_url.replace("https://", "wss://").replace("http://", "ws://").rstrip("/")
    return f"{url}/ws/jobs/{job_id}" + (f"?token={token}" if token else "")


def _headers(token: str | None) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"} if token else {}


class AsyncClient:
    def __init__(self, base_url: str, token: str | None = None, timeout_s: float = 30) -> None:
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.http = httpx.AsyncClient(base_url=self.base_url, headers=_headers(token), timeout=timeout_s)

    async def __aenter__(self) -> AsyncClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self.http.aclose()

    async def submit(
        self, image: str | Path | bytes, callback_url: str | None = None, fresh: bool = False
    ) -> Event:
        """Upload a screenshot (a path or its bytes); return the job's first event.

        With `callback_url`, the server POSTs the job's final event there, signed as the README shows.
        An upload of bytes sent before returns the earlier job's event with `reused: true`, unless
        `fresh` requests a new analysis.
        """
        return _check(
            await self.http.post(_jobs_path(fresh), files=_upload(image), data=_form(callback_url))
        )

    async def get(self, job_id: str) -> Event:
        return _check(await self.http.get(f"/api/jobs/{job_id}"))

    async def stream(self, job_id: str) -> AsyncIterator[Event]:
        """Yield the job's events as they happen, ending with its final state."""
        last_seq = 0
        try:
            async with websockets.connect(_ws_url(self.base_url, job_id, self.token)) as socket:
                async for text in socket:
                    event = _new_event(text, last_seq)
                    if event is not None:
                        last_seq = event["seq"]
                        yield event
                        if event["state"] in FINAL_STATES:
                            return
        except (OSError, websockets.InvalidHandshake, websockets.ConnectionClosedError):
            pass
        while True:
            event = await self.get(job_id)
            if event["seq"] > last_seq:
                last_seq = event["seq"]
                yield event
            if event["state"] in FINAL_STATES:
                return
            await asyncio.sleep(POLL_INTERVAL_S)

    async def wait(self, job_id: str, timeout_s: float = 600) -> Event:
        """Return the job's final event (finished or failed)."""
        async with asyncio.timeout(timeout_s):
            async for event in self.stream(job_id):
                if event["state"] in FINAL_STATES:
                    return event
        raise SkillShiftError(500, f"job {job_id} ended without a final state")


class Client:
    def __init__(self, base_url: str, token: str | None = None, timeout_s: float = 30) -> None:
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.http = httpx.Client(base_url=self.base_url, headers=_headers(token), timeout=timeout_s)

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        self.http.close()

    def submit(
        self, image: str | Path | bytes, callback_url: str | None = None, fresh: bool = False
    ) -> Event:
        return _check(self.http.post(_jobs_path(fresh), files=_upload(image), data=_form(callback_url)))

    def get(self, job_id: str) -> Event:
        return _check(self.http.get(f"/api/jobs/{job_id}"))

    def stream(self, job_id: str) -> Iterator[Event]:
        last_seq = 0
        try:
            with connect_sync(_ws_url(self.base_url, job_id, self.token)) as socket:
                for text in socket:
                    event = _new_event(text, last_seq)
                    if event is not None:
                        last_seq = event["seq"]
                        yield event
                        if event["state"] in FINAL_STATES:
                            return
        except (OSError, websockets.InvalidHandshake, websockets.ConnectionClosedError):
            pass
        while True:
            event = self.get(job_id)
            if event["seq"] > last_seq:
                last_seq = event["seq"]
                yield event
            if event["state"] in FINAL_STATES:
                return
            time.sleep(POLL_INTERVAL_S)

    def wait(self, job_id: str, timeout_s: float = 600) -> Event:
        deadline = time.monotonic() + timeout_s
        for event in self.stream(job_id):
            if event["state"] in FINAL_STATES:
                return event
            if time.monotonic() > deadline:
                break
        raise SkillShiftError(504, f"job {job_id} not final within {timeout_s} s")


def _new_event(text: str | bytes, last_seq: int) -> Event | None:
    """Parse one WebSocket message; return it as GET /api/jobs/{job_id} would if it is a newer event.

    Raises SkillShiftError for the server's error message about an unknown job.
    """
    message = json.loads(text)
    if message.get("type") == "error":
        raise SkillShiftError(404, str(message.get("detail")))
    if message.get("type") != "event" or message.get("seq", 0) <= last_seq:
        return None
    return {key: value for key, value in message.items() if key != "type"}
