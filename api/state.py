"""What the API process holds for its lifetime: settings, the Redis client, the job store, the hub."""

from __future__ import annotations

from dataclasses import dataclass

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

    @property
    def arq(self) -> ArqRedis:
        return self.redis
