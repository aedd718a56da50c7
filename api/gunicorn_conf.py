"""Gunicorn settings shared by every way of starting the API: `gunicorn --config python:api.gunicorn_conf`."""

from __future__ import annotations

import os
from typing import Any

worker_class = "api.server.ApiWorker"
# Otherwise every gunicorn on the host would share one control socket path.
control_socket_disable = True
if os.environ.get("SKILLSHIFT_LOG_FORMAT", "").lower() == "json":
    logger_class = "api.server.JsonLogger"


def child_exit(server: Any, worker: Any) -> None:
    """With several processes, tell Prometheus when one of them exits."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
