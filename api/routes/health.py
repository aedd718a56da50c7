"""GET /api/health: Redis reachability, live workers, queue depth and throughput."""

from __future__ import annotations

import asyncio
import time
from importlib.metadata import PackageNotFoundError, version
from typing import Any

from redis.exceptions import RedisError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from api.state import AppState
from shared import keys
from shared.heartbeat import WORKER_ALIVE_S

PING_TIMEOUT_S = 1.0


def package_version() -> str:
    try:
        return version("skillshift")
    except PackageNotFoundError:
        return "0+unknown"


async def health(request: Request) -> Response:
    state: AppState = request.app.state.skillshift
    now = time.time()
    body: dict[str, Any] = {
        "status": "healthy",
        "version": package_version(),
        "hero_corrections": state.settings.hero_corrections,
    }
    try:
        async with asyncio.timeout(PING_TIMEOUT_S):
            async with state.redis.pipeline(transaction=False) as pipe:
                pipe.zcount(keys.WORKERS, now - WORKER_ALIVE_S, "+inf")
                pipe.zcard(state.settings.queue_name)
                pipe.zcount(keys.FINISHED_LOG, now - 60, "+inf")
                workers, depth, last_minute = await pipe.execute()
    except (RedisError, OSError, TimeoutError):
        body.update(status="unhealthy", services={"redis": "down", "workers": None})
        return JSONResponse(body, status_code=503, headers={"Retry-After": "5"})

    body.update(
        status="healthy" if workers else "degraded",
        services={"redis": "ok", "workers": workers, "event_stream": state.hub.connected.is_set()},
        queue_depth=depth,
        jobs_per_minute=float(last_minute),
        websocket_clients=state.hub.subscriber_count,
    )
    return JSONResponse(body)


routes = [Route("/api/health", health, methods=["GET"])]
