"""ASGI entry point: `gunicorn api.main:app --config python:api.gunicorn_conf`."""

from __future__ import annotations

from api.app import create_app
from api.memory import tune_allocator
from shared.logs import configure_logging
from shared.settings import Settings

tune_allocator()
settings = Settings.from_env()
configure_logging(settings.log_level, settings.log_format)
app = create_app(settings)
