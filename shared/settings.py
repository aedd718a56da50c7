"""Settings read from environment variables, shared by the API and the worker."""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, fields
from pathlib import Path

from shared.webhooks import parse_allowed_host

DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"
MIN_WEBHOOK_SECRET_LENGTH = 16


class SettingsError(ValueError):
    pass


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise SettingsError(f"{name} must be an integer, got {raw!r}") from None


def _float(name: str, default: float) -> float:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return float(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a number, got {raw!r}") from None


def _bool(name: str) -> bool:
    raw = os.environ.get(name, "").strip().lower()
    if raw in ("", "0", "false", "no", "off"):
        return False
    if raw in ("1", "true", "yes", "on"):
        return True
    raise SettingsError(f"{name} must be 1 or 0 (true/false, yes/no, on/off), got {raw!r}")


def _list(name: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, "").split(",") if item.strip()]


def _path(name: str) -> Path | None:
    raw = os.environ.get(name)
    return Path(raw).expanduser() if raw else None


def _default_detector() -> Path | None:
    shipped = Path(__file__).resolve().parent.parent / "workers" / "pipeline" / "weights" / "detector.pt"
    return shipped if shipped.is_file() else None


@dataclass(frozen=True)
class Settings:
    redis_url: str = DEFAULT_REDIS_URL
    queue_name: str = "skillshift:queue"
    max_upload_bytes: int = 15 * 1024 * 1024
    max_image_pixels: int = 40_000_000
    upload_concurrency: int = 1
    image_ttl_s: int = 3600
    result_ttl_s: int = 86400
    job_timeout_s: int = 180
    max_tries: int = 3
    worker_max_jobs: int = 1
    batch_size: int = 1
    batch_window_ms: int = 5
    shutdown_grace_s: int = 60
    detector_weights: Path | None = None
    device: str = "auto"
    ocr_model_dir: Path | None = None
    recent_jobs: int = 100
    max_queue: int = 1000
    uploads_per_minute: int = 120
    api_tokens: frozenset[str] = frozenset()
    admin_tokens: frozenset[str] = frozenset()
    allowed_origins: tuple[str, ...] = ()
    worker_metrics_port: int = 0
    worker_metrics_host: str = "127.0.0.1"
    ws_send_queue: int = 256
    log_level: str = "INFO"
    log_format: str = "text"
    hero_gallery: Path | None = None
    hero_threshold: float = 0.75
    hero_corrections: bool = False
    webhook_hosts: tuple[str, ...] = ()
    webhook_secret: str = dataclasses.field(default="", repr=False)
    webhook_timeout_s: int = 5
    webhook_max_attempts: int = 8
    webhook_backoff_s: int = 5

    @classmethod
    def from_env(cls) -> Settings:
        detector = os.environ.get("SKILLSHIFT_DETECTOR_WEIGHTS")
        if detector is None:
            detector_path = _default_detector()
        elif detector.strip().lower() in ("", "none", "off"):
            detector_path = None
        else:
            detector_path = Path(detector).expanduser()
        return cls(
            redis_url=os.environ.get("REDIS_URL") or DEFAULT_REDIS_URL,
            queue_name=os.environ.get("SKILLSHIFT_QUEUE", cls.queue_name),
            max_upload_bytes=_int("SKILLSHIFT_MAX_UPLOAD_BYTES", cls.max_upload_bytes),
            max_image_pixels=_int("SKILLSHIFT_MAX_IMAGE_PIXELS", cls.max_image_pixels),
            upload_concurrency=_int("SKILLSHIFT_UPLOAD_CONCURRENCY", cls.upload_concurrency),
            image_ttl_s=_int("SKILLSHIFT_IMAGE_TTL_S", cls.image_ttl_s),
            result_ttl_s=_int("SKILLSHIFT_RESULT_TTL_S", cls.result_ttl_s),
            job_timeout_s=_int("SKILLSHIFT_JOB_TIMEOUT_S", cls.job_timeout_s),
            max_tries=_int("SKILLSHIFT_MAX_TRIES", cls.max_tries),
            worker_max_jobs=_int("SKILLSHIFT_WORKER_MAX_JOBS", cls.worker_max_jobs),
            batch_size=_int("SKILLSHIFT_BATCH_SIZE", cls.batch_size),
            batch_window_ms=_int("SKILLSHIFT_BATCH_WINDOW_MS", cls.batch_window_ms),
            shutdown_grace_s=_int("SKILLSHIFT_SHUTDOWN_GRACE_S", cls.shutdown_grace_s),
            detector_weights=detector_path,
            device=os.environ.get("SKILLSHIFT_DEVICE", cls.device),
            ocr_model_dir=_path("SKILLSHIFT_OCR_MODEL_DIR"),
            recent_jobs=_int("SKILLSHIFT_RECENT_JOBS", cls.recent_jobs),
            max_queue=_int("SKILLSHIFT_MAX_QUEUE", cls.max_queue),
            uploads_per_minute=_int("SKILLSHIFT_UPLOADS_PER_MINUTE", cls.uploads_per_minute),
            api_tokens=frozenset(_list("SKILLSHIFT_API_TOKENS")),
            admin_tokens=frozenset(_list("SKILLSHIFT_ADMIN_TOKENS")),
            allowed_origins=tuple(_list("SKILLSHIFT_ALLOWED_ORIGINS")),
            worker_metrics_port=_int("SKILLSHIFT_WORKER_METRICS_PORT", cls.worker_metrics_port),
            worker_metrics_host=os.environ.get("SKILLSHIFT_WORKER_METRICS_HOST", cls.worker_metrics_host),
            ws_send_queue=_int("SKILLSHIFT_WS_SEND_QUEUE", cls.ws_send_queue),
            log_level=os.environ.get("SKILLSHIFT_LOG_LEVEL", cls.log_level).upper(),
            log_format=os.environ.get("SKILLSHIFT_LOG_FORMAT", cls.log_format).lower(),
            hero_gallery=_path("SKILLSHIFT_HERO_GALLERY"),
            hero_threshold=_float("SKILLSHIFT_HERO_THRESHOLD", cls.hero_threshold),
            hero_corrections=_bool("SKILLSHIFT_HERO_CORRECTIONS"),
            webhook_hosts=tuple(_list("SKILLSHIFT_WEBHOOK_HOSTS")),
            webhook_secret=os.environ.get("SKILLSHIFT_WEBHOOK_SECRET", ""),
            webhook_timeout_s=_int("SKILLSHIFT_WEBHOOK_TIMEOUT_S", cls.webhook_timeout_s),
            webhook_max_attempts=_int("SKILLSHIFT_WEBHOOK_MAX_ATTEMPTS", cls.webhook_max_attempts),
            webhook_backoff_s=_int("SKILLSHIFT_WEBHOOK_BACKOFF_S", cls.webhook_backoff_s),
        )

    def __post_init__(self) -> None:
        if self.log_format not in ("text", "json"):
            raise SettingsError(f"SKILLSHIFT_LOG_FORMAT must be 'text' or 'json', got {self.log_format!r}")
        if not 0.0 < self.hero_threshold <= 1.0:
            raise SettingsError(
                f"SKILLSHIFT_HERO_THRESHOLD must be above 0 and at most 1, got {self.hero_threshold}"
            )
        self._check_webhooks()
        for field in fields(self):
            value = getattr(self, field.name)
            if field.name in _MAY_BE_ZERO:
                continue
            if isinstance(value, int) and not isinstance(value, bool) and value <= 0:
                raise SettingsError(f"{field.name} must be positive, got {value}")

    def _check_webhooks(self) -> None:
        for entry in self.webhook_hosts:
            try:
                parse_allowed_host(entry)
            except ValueError as exc:
                raise SettingsError(f"SKILLSHIFT_WEBHOOK_HOSTS: {exc}") from None
        if self.webhook_hosts and len(self.webhook_secret) < MIN_WEBHOOK_SECRET_LENGTH:
            state = "is not set" if not self.webhook_secret else f"has {len(self.webhook_secret)} characters"
            raise SettingsError(
                f"SKILLSHIFT_WEBHOOK_SECRET {state}; webhooks (SKILLSHIFT_WEBHOOK_HOSTS) need a signing "
                f"secret of at least {MIN_WEBHOOK_SECRET_LENGTH} characters"
            )


# Zero turns these off.
_MAY_BE_ZERO = {"uploads_per_minute", "worker_metrics_port", "batch_window_ms"}
