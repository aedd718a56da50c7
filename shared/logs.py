"""Logging set-up for the API and worker processes: one short line per event, for operators.

With SKILLSHIFT_LOG_FORMAT=json each record is one JSON object per line, with
the job id in its own `job_id` field whenever the message names a job.
"""

from __future__ import annotations

import logging
import re

import orjson

FORMAT = "%(asctime)s %(levelname)-7s %(name)s: %(message)s"
JOB_ID = re.compile(r"\b[0-9a-f]{32}\b")


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        message = record.getMessage()
        entry = {
            "time": round(record.created, 3),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": message,
        }
        found = JOB_ID.search(message)
        if found is not None:
            entry["job_id"] = found.group(0)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return orjson.dumps(entry).decode()


def configure_logging(level: str = "INFO", style: str = "text") -> None:
    handler = logging.StreamHandler()
    if style == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter(FORMAT, datefmt="%H:%M:%S"))
    logging.basicConfig(level=level, handlers=[handler], force=True)
    # httpx logs each request with its full URL at INFO; webhook callback URLs may carry tokens,
    # and workers/webhooks.py logs its own line per attempt.
    logging.getLogger("httpx").setLevel(logging.WARNING)
