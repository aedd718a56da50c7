"""Run one worker: `python -m workers`."""

from __future__ import annotations

import logging

from prometheus_client import start_http_server

from shared.logs import configure_logging
from shared.settings import Settings
from workers.worker import create_worker

logger = logging.getLogger("workers")


def main() -> None:
    settings = Settings.from_env()
    configure_logging(settings.log_level, settings.log_format)
    logger.info("worker starting; queue %s", settings.queue_name)
    if settings.worker_metrics_port:
        host, port = settings.worker_metrics_host, settings.worker_metrics_port
        start_http_server(port, addr=host)
        address = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
        logger.info("worker metrics on http://%s/metrics", address)
    create_worker(settings).run()


if __name__ == "__main__":
    main()
