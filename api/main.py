"""ASGI entry point: `gunicorn api.main:app -k uvicorn.workers.UvicornWorker`."""

from __future__ import annotations

from api.app import create_app
from shared.logs import configure_logging
from shared.settings import Settings

settings = Settings.from_env()
configure_logging(settings.log_level, settings.log_format)
app = create_app(settings)
