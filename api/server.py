"""The uvicorn worker class that gunicorn runs (set in `api.gunicorn_conf`)."""

from __future__ import annotations

from typing import Any

from uvicorn.workers import UvicornWorker


class ApiWorker(UvicornWorker):
    """Uvicorn worker without WebSocket per-message compression.

    Compression keeps a zlib context per connection and deflates every event once per
    subscriber, so its cost grows with the number of subscribers. Events are small JSON.
    """

    CONFIG_KWARGS: dict[str, Any] = {**UvicornWorker.CONFIG_KWARGS, "ws_per_message_deflate": False}
