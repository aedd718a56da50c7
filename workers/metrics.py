"""Prometheus metrics of a worker: jobs, stage durations, inference batches and webhooks.

They live apart from the API's metrics so that an API process does not report them at zero.
"""

from __future__ import annotations

from prometheus_client import Counter, Histogram

STAGE_BUCKETS_S = (0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8, 16, 32, 64)

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
