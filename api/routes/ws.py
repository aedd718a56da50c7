"""WebSocket routes: WS /ws (subscribe to jobs or "*") and WS /ws/jobs/{job_id} (one job)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Coroutine
from typing import Any

import orjson
from starlette.routing import WebSocketRoute
from starlette.websockets import WebSocket

from api.auth import Access, bearer_token, origin_allowed
from api.realtime import ALL_JOBS, Subscriber
from api.routes.jobs import JOB_ID
from api.state import AppState

logger = logging.getLogger(__name__)

MAX_MESSAGE_CHARS = 4096
CLOSE_POLICY = 1008
CLOSE_UNAUTHORIZED = 4401
CLOSE_UNKNOWN_JOB = 4404


async def open_socket(websocket: WebSocket) -> Access | None:
    """Accept the connection; return the caller's access, or None after closing it for a bad token."""
    state: AppState = websocket.app.state.skillshift
    if not origin_allowed(websocket.headers, state.settings.allowed_origins):
        logger.warning("rejected a WebSocket from origin %r", websocket.headers.get("origin"))
        await websocket.close(CLOSE_POLICY)
        return None
    await websocket.accept()
    access = state.auth.identify(bearer_token(websocket.headers, websocket.query_params))
    if access is None:
        detail = "Missing or invalid API token; pass it as ?token=<token> or an Authorization header"
        await websocket.send_json({"type": "error", "detail": detail})
        await websocket.close(CLOSE_UNAUTHORIZED)
    return access


async def may_follow(state: AppState, access: Access, job_id: str) -> bool:
    if job_id == ALL_JOBS:
        return access.admin
    owner = await state.store.owner(job_id)
    return owner is not None and access.can_read(owner)


async def job_socket(websocket: WebSocket) -> None:
    state: AppState = websocket.app.state.skillshift
    job_id = str(websocket.path_params["job_id"])
    access = await open_socket(websocket)
    if access is None:
        return
    if not JOB_ID.match(job_id) or not await may_follow(state, access, job_id):
        await websocket.send_json({"type": "error", "job_id": job_id, "detail": "No such job"})
        await websocket.close(CLOSE_UNKNOWN_JOB)
        return

    hub = state.hub
    subscriber = hub.connect(websocket, close_after_final=job_id)
    try:
        if not await hub.follow(subscriber, job_id, announce=False):
            subscriber.send_json({"type": "error", "job_id": job_id, "detail": "No such job"})
            subscriber.send("")
        await _serve(subscriber, _drain_client(websocket))
    finally:
        await hub.disconnect(subscriber)


async def events_socket(websocket: WebSocket) -> None:
    state: AppState = websocket.app.state.skillshift
    access = await open_socket(websocket)
    if access is None:
        return
    subscriber = state.hub.connect(websocket)
    try:
        await _serve(subscriber, _read_commands(state, access, subscriber))
    finally:
        await state.hub.disconnect(subscriber)


async def _serve(subscriber: Subscriber, reader: Coroutine[Any, Any, None]) -> None:
    """Run the client reader until the client leaves or the sender stops (closed, or dropped as too slow)."""
    reading = asyncio.create_task(reader)
    assert subscriber.sender is not None
    try:
        await asyncio.wait({reading, subscriber.sender}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        reading.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await reading


async def _read_commands(state: AppState, access: Access, subscriber: Subscriber) -> None:
    while True:
        message = await subscriber.websocket.receive()
        if message["type"] == "websocket.disconnect":
            return
        await _handle_command(state, access, subscriber, message.get("text"))


async def _drain_client(websocket: WebSocket) -> None:
    """Read and ignore client messages until the client or the sender closes the socket."""
    while True:
        message = await websocket.receive()
        if message["type"] == "websocket.disconnect":
            return


async def _handle_command(state: AppState, access: Access, subscriber: Subscriber, text: str | None) -> None:
    command = _parse_command(text)
    if isinstance(command, str):
        subscriber.send_json({"type": "error", "detail": command})
        return

    op, job_id = command
    if op == "unsubscribe":
        state.hub.unfollow(subscriber, job_id)
        subscriber.send_json({"type": "unsubscribed", "job_id": job_id})
    elif job_id == ALL_JOBS and not access.admin:
        subscriber.send_json(
            {"type": "error", "job_id": job_id, "detail": "Following every job needs an admin token"}
        )
    elif not await may_follow(state, access, job_id) or not await state.hub.follow(subscriber, job_id):
        subscriber.send_json({"type": "error", "job_id": job_id, "detail": "No such job"})


def _parse_command(text: str | None) -> tuple[str, str] | str:
    """Return (op, job_id), or an error message saying what to send instead."""
    usage = 'send JSON like {"op": "subscribe", "job_id": "<32 hex characters or *>"}'
    if text is None:
        return f"Binary messages are not accepted; {usage}"
    if len(text) > MAX_MESSAGE_CHARS:
        return f"Message is {len(text)} characters; the limit is {MAX_MESSAGE_CHARS}"
    try:
        command: Any = orjson.loads(text)
    except orjson.JSONDecodeError:
        return f"Message is not valid JSON; {usage}"
    if not isinstance(command, dict):
        return f"Message must be a JSON object; {usage}"
    op = command.get("op")
    job_id = command.get("job_id")
    if op not in ("subscribe", "unsubscribe"):
        return f"Unknown op {op!r}; expected 'subscribe' or 'unsubscribe'"
    if not isinstance(job_id, str) or not (job_id == ALL_JOBS or JOB_ID.match(job_id)):
        return f"Invalid job_id {job_id!r}; {usage}"
    return op, job_id


routes = [
    WebSocketRoute("/ws", events_socket),
    WebSocketRoute("/ws/jobs/{job_id}", job_socket),
]
