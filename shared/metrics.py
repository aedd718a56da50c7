"""Prometheus metrics of the API processes, and the rendering of a process's metrics."""

from __future__ import annotations

import os

from prometheus_client import CollectorRegistry, Counter, Gauge, generate_latest, multiprocess

UPLOADS = Counter("skillshift_uploads_total", "Upload requests by HTTP status", ["status"])
WEBSOCKET_CONNECTIONS = Gauge(
    "skillshift_websocket_connections", "Open WebSocket connections", multiprocess_mode="livesum"
)
EVENTS_RECEIVED = Counter("skillshift_events_received_total", "Job events received from Redis pub/sub")
EVENTS_DELIVERED = Counter("skillshift_events_delivered_total", "Job events queued to WebSocket clients")
SLOW_CLIENTS_DROPPED = Counter(
    "skillshift_slow_clients_dropped_total", "WebSocket clients dropped as too slow"
)


def render_latest() -> bytes:
    """Render this process's metrics, or every process's when PROMETHEUS_MULTIPROC_DIR is set (gunicorn)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return generate_latest(registry)
    return generate_latest()
