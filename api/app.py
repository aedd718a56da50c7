"""The Starlette application: routes, lifespan (Redis, job store, event hub) and static dashboard."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from pathlib import Path

from arq.connections import ArqRedis
from redis.asyncio import ConnectionPool
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from api import openapi
from api.auth import Auth
from api.errors import exception_handlers
from api.headers import SecurityHeadersMiddleware
from api.realtime import Hub
from api.routes import health, heroes, jobs, metrics, ws
from api.state import AppState
from shared.jobstore import JobStore
from shared.serialization import dumps, loads
from shared.settings import Settings

logger = logging.getLogger(__name__)

WEB_UI = Path(__file__).resolve().parent.parent / "web_ui"
REDIS_TIMEOUT_S = 3.0
PLACEHOLDER = "<!doctype html><title>SkillShift</title><p>SkillShift API is running. See /api/health.</p>"


async def index(request: Request) -> Response:
    page = WEB_UI / "index.html"
    if page.is_file():
        return FileResponse(page, headers={"Cache-Control": "no-cache"})
    return HTMLResponse(PLACEHOLDER)


def create_app(settings: Settings | None = None) -> Starlette:
    settings = settings or Settings.from_env()

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        pool = ConnectionPool.from_url(
            settings.redis_url,
            socket_timeout=REDIS_TIMEOUT_S,
            socket_connect_timeout=REDIS_TIMEOUT_S,
            health_check_interval=10,
        )
        redis = ArqRedis(
            connection_pool=pool,
            job_serializer=dumps,
            job_deserializer=loads,
            default_queue_name=settings.queue_name,
        )
        events_redis = ArqRedis.from_url(
            settings.redis_url,
            socket_connect_timeout=REDIS_TIMEOUT_S,
            health_check_interval=10,
            socket_keepalive=True,
        )
        store = JobStore(redis, ttl_s=settings.result_ttl_s, recent_limit=settings.recent_jobs)
        hub = Hub(events_redis, store, settings.ws_send_queue)
        auth = Auth(settings.api_tokens, settings.admin_tokens)
        app.state.skillshift = AppState(
            settings=settings, redis=redis, store=store, hub=hub, auth=auth,
            upload_slots=asyncio.Semaphore(settings.upload_concurrency),
        )
        listener = asyncio.create_task(hub.run(), name="skillshift-events")
        logger.info("API ready; Redis at %s", _redact(settings.redis_url))
        try:
            yield
        finally:
            listener.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await listener
            await events_redis.aclose()
            await redis.aclose()
            await pool.disconnect()

    routes = [
        Route("/", index, methods=["GET"]),
        *jobs.routes,
        *heroes.routes,
        *health.routes,
        *openapi.routes,
        *metrics.routes,
        *ws.routes,
        Mount("/static", app=StaticFiles(directory=WEB_UI, check_dir=False), name="static"),
    ]
    return Starlette(
        routes=routes,
        middleware=[Middleware(SecurityHeadersMiddleware)],
        exception_handlers=exception_handlers,  # type: ignore[arg-type]
        lifespan=lifespan,
    )


def _redact(url: str) -> str:
    """Hide the password in a Redis URL before it is logged."""
    if "@" not in url:
        return url
    scheme, _, rest = url.partition("://")
    return f"{scheme}://***@{rest.split('@', 1)[1]}"
