"""Per-client upload rate limit: a fixed one-minute window counted in Redis, shared by all API processes."""

from __future__ import annotations

import time

from redis.asyncio import Redis
from starlette.exceptions import HTTPException
from starlette.requests import Request

from shared import keys

WINDOW_S = 60


def client_address(request: Request) -> str:
    """Return the client's IP address. Behind a proxy, uvicorn's --forwarded-allow-ips sets whom to trust."""
    return request.client.host if request.client else "unknown"


async def check_upload_rate(redis: Redis, request: Request, per_minute: int) -> None:
    """Count one upload for this client; raise 429 with Retry-After once it exceeds `per_minute`."""
    if per_minute <= 0:
        return
    now = time.time()
    window = int(now // WINDOW_S)
    key = keys.upload_rate(client_address(request), window)
    async with redis.pipeline(transaction=True) as pipe:
        pipe.incr(key)
        pipe.expire(key, WINDOW_S * 2)
        count, _ = await pipe.execute()
    if count > per_minute:
        retry_after = max(1, int((window + 1) * WINDOW_S - now))
        raise HTTPException(
            429,
            f"Too many uploads: the limit is {per_minute} per minute per client; retry in {retry_after} s",
            headers={"Retry-After": str(retry_after)},
        )
