"""Worker liveness: each worker refreshes its score in a sorted set every few seconds."""

from __future__ import annotations

HEARTBEAT_INTERVAL_S = 5.0
WORKER_ALIVE_S = 20.0
