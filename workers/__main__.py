"""Run one worker: `python -m workers`."""

from __future__ import annotations

import logging

from shared.logs import configure_logging
from shared.settings import Settings
from workers.worker import create_worker

logger = logging.getLogger("workers")


def main() -> None:
    settings = Settings.from_env()
    configure_logging(settings.log_level)
    logger.info("worker starting; queue %s", settings.queue_name)
    create_worker(settings).run()


if __name__ == "__main__":
    main()
