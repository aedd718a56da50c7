"""State an API process keeps for its lifetime: settings, the Redis client, the job store, the hub."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from arq.connections import ArqRedis

from api.auth import Auth
from api.realtime import Hub
from shared.jobstore import JobStore
from shared.settings import Settings


@dataclass
class AppState:
    settings: Settings
    redis: ArqRedis
    store: JobStore
    hub: Hub
    auth: Auth
    upload_slots: asyncio.Semaphore = field(default_factory=lambda: asyncio.Semaphore(1))
    """Uploads read and decoded at once by this process; bounds its memory under a burst of uploads."""
    uploads_in_flight: int = 0

    @property
    def arq(self) -> ArqRedis:
        return self.redis
