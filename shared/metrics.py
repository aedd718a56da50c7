"""Prometheus metrics of the API and the worker, and the Redis-wide figures both can report."""

from __future__ import annotations

import os

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest, multiprocess

STAGE_BUCKETS_S = (0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8, 16, 32, 64)

UPLOADS = Counter("skillshift_uploads_total", "Upload requests by HTTP status", ["status"])
WEBSOCKET_CONNECTIONS = Gauge(
    "skillshift_websocket_connections", "Open WebSocket connections", multiprocess_mode="livesum"
)
EVENTS_RECEIVED = Counter("skillshift_events_received_total", "Job events received from Redis pub/sub")
EVENTS_DELIVERED = Counter("skillshift_events_delivered_total", "Job events queued to WebSocket clients")
SLOW_CLIENTS_DROPPED = Counter(
    "skillshift_slow_clients_dropped_total", "WebSocket clients dropped as too slow"
)

JOBS = Counter("skillshift_jobs_total", "Jobs that reached a final state in this worker", ["state"])
JOB_SECONDS = Histogram(
    "skillshift_job_seconds", "Job duration from start to final state", buckets=STAGE_BUCKETS_S
)
STAGE_SECONDS = Histogram(
    "skillshift_stage_seconds", "Duration of each analysis stage", ["stage"], buckets=STAGE_BUCKETS_S
)
BATCH_SIZE = Histogram(
    "skillshift_inference_batch_size", "Images per inference call", buckets=(1, 2, 4, 8, 16, 32)
)
WEBHOOK_ATTEMPTS = Counter(
    "skillshift_webhook_attempts_total",
    "Webhook POST attempts by result: 2xx, 3xx, 4xx, 5xx or error (connection error or timeout)",
    ["result"],
)
WEBHOOK_DELIVERIES = Counter(
    "skillshift_webhook_deliveries_total",
    "Webhooks by outcome: delivered, failed (rejected by the receiver or out of attempts), "
    "dropped (host no longer allowed, or the job expired)",
    ["outcome"],
)


def render_latest() -> bytes:
    """Render this process's metrics, or every process's when PROMETHEUS_MULTIPROC_DIR is set (gunicorn)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return generate_latest(registry)
    return generate_latest()
