"""Every Redis key and channel name used by SkillShift, in one place."""

from __future__ import annotations

PREFIX = "skillshift:"

EVENTS_CHANNEL = PREFIX + "events"
RECENT_JOBS = PREFIX + "recent"
WORKERS = PREFIX + "workers"
WORKER_HEARTBEAT_PREFIX = PREFIX + "worker:"
FINISHED_LOG = PREFIX + "finished"
RUNNING_JOBS = PREFIX + "running"
WEBHOOK_OUTBOX = PREFIX + "webhooks"


def job_state(job_id: str) -> str:
    return f"{PREFIX}job:{job_id}"


def job_seq(job_id: str) -> str:
    return f"{PREFIX}job:{job_id}:seq"


def job_image(job_id: str) -> str:
    return f"{PREFIX}job:{job_id}:image"


def worker_heartbeat(worker_id: str) -> str:
    return WORKER_HEARTBEAT_PREFIX + worker_id


def job_lease(job_id: str) -> str:
    return f"{PREFIX}job:{job_id}:lease"


def job_reap_claim(job_id: str) -> str:
    return f"{PREFIX}job:{job_id}:reap"


def upload_rate(client: str, window: int) -> str:
    return f"{PREFIX}rate:{client}:{window}"


def upload_digest(owner: str, sha256: str) -> str:
    return f"{PREFIX}upload:{owner or 'public'}:{sha256}"
