"""GET /metrics: Prometheus text format, this API's process metrics plus Redis-wide figures."""

from __future__ import annotations

import time

from prometheus_client import CONTENT_TYPE_LATEST
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from api.state import AppState
from shared import keys
from shared.heartbeat import WORKER_ALIVE_S
from shared.metrics import render_latest


async def metrics(request: Request) -> Response:
    state: AppState = request.app.state.skillshift
    now = time.time()
    async with state.redis.pipeline(transaction=False) as pipe:
        pipe.zcard(state.settings.queue_name)
        pipe.zcount(keys.WORKERS, now - WORKER_ALIVE_S, "+inf")
        pipe.zcount(keys.FINISHED_LOG, now - 60, "+inf")
        depth, workers, last_minute = await pipe.execute()

    shared_figures = [
        _gauge("skillshift_queue_depth", "Jobs waiting in the queue", depth),
        _gauge("skillshift_workers_alive", "Workers seen in the last 20 s", workers),
        _gauge("skillshift_jobs_last_minute", "Jobs finished or failed in the last 60 s", last_minute),
    ]
    return Response(render_latest() + b"".join(shared_figures), media_type=CONTENT_TYPE_LATEST)


def _gauge(name: str, description: str, value: float) -> bytes:
    """Write one gauge in the text format by hand, because metric objects are per process under gunicorn."""
    return f"# HELP {name} {description}\n# TYPE {name} gauge\n{name} {value}\n".encode()


routes = [Route("/metrics", metrics, methods=["GET"])]
