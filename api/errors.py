"""Error responses: every error is JSON {"detail": ...}, with no traceback or internal path."""

from __future__ import annotations

import logging

from redis.exceptions import RedisError
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response

logger = logging.getLogger(__name__)

REDIS_RETRY_AFTER_S = "5"


async def http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if exc.status_code == 404 and exc.detail == "Not Found":
        detail = f"No route for {request.method} {request.url.path}"
    elif exc.status_code == 405:
        detail = f"Method {request.method} is not allowed on {request.url.path}"
    else:
        detail = exc.detail
    return JSONResponse({"detail": detail}, status_code=exc.status_code, headers=exc.headers)


async def redis_unavailable(request: Request, exc: Exception) -> Response:
    logger.warning("Redis unavailable during %s %s: %s", request.method, request.url.path, exc)
    return JSONResponse(
        {"detail": "The job store is temporarily unavailable; retry shortly"},
        status_code=503,
        headers={"Retry-After": REDIS_RETRY_AFTER_S},
    )


async def client_disconnected(request: Request, exc: Exception) -> Response:
    """Log a client that went away before sending its whole body. The response reaches no one."""
    logger.info("client left during %s %s before sending the whole body", request.method, request.url.path)
    return JSONResponse({"detail": "The client disconnected before sending the whole body"}, status_code=400)


async def server_error(request: Request, exc: Exception) -> Response:
    logger.error("unhandled error during %s %s", request.method, request.url.path, exc_info=exc)
    return JSONResponse({"detail": "Internal server error"}, status_code=500)


exception_handlers = {
    HTTPException: http_error,
    ClientDisconnect: client_disconnected,
    RedisError: redis_unavailable,
    ConnectionError: redis_unavailable,
    TimeoutError: redis_unavailable,
    Exception: server_error,
}
