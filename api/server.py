"""The uvicorn worker class and the log class that gunicorn runs with (set in `api.gunicorn_conf`)."""

from __future__ import annotations

from typing import Any

from gunicorn.glogging import Logger
from uvicorn.workers import UvicornWorker

from shared.logs import JsonFormatter


class ApiWorker(UvicornWorker):
    """Uvicorn worker without WebSocket per-message compression.

    Compression keeps a zlib context per connection and deflates every event once per
    subscriber, so its cost grows with the number of subscribers. Events are small JSON.
    """

    CONFIG_KWARGS: dict[str, Any] = {**UvicornWorker.CONFIG_KWARGS, "ws_per_message_deflate": False}


class JsonLogger(Logger):
    """Gunicorn's log with one JSON object per line, used when SKILLSHIFT_LOG_FORMAT is json.

    Uvicorn's server and access lines in each process go to the same handlers.
    """

    def setup(self, cfg: Any) -> None:
        super().setup(cfg)
        for log in (self.error_log, self.access_log):
            for handler in log.handlers:
                handler.setFormatter(JsonFormatter())
