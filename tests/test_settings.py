"""Settings from environment variables, and the JSON log format."""

from __future__ import annotations

import logging

import orjson
import pytest

from shared.logs import JsonFormatter
from shared.settings import Settings, SettingsError


def test_defaults_without_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("REDIS_URL", "SKILLSHIFT_MAX_UPLOAD_BYTES", "SKILLSHIFT_API_TOKENS"):
        monkeypatch.delenv(name, raising=False)

    settings = Settings.from_env()

    assert settings.redis_url == "redis://127.0.0.1:6379/0"
    assert settings.max_upload_bytes == 15 * 1024 * 1024
    assert settings.api_tokens == frozenset()


def test_values_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SKILLSHIFT_JOB_TIMEOUT_S", "30")
    monkeypatch.setenv("SKILLSHIFT_API_TOKENS", " a, b ,,")
    monkeypatch.setenv("SKILLSHIFT_DETECTOR_WEIGHTS", "none")

    settings = Settings.from_env()

    assert settings.job_timeout_s == 30
    assert settings.api_tokens == frozenset({"a", "b"})
    assert settings.detector_weights is None


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("SKILLSHIFT_JOB_TIMEOUT_S", "soon", "must be an integer, got 'soon'"),
        ("SKILLSHIFT_MAX_TRIES", "0", "max_tries must be positive, got 0"),
        ("SKILLSHIFT_LOG_FORMAT", "xml", "must be 'text' or 'json'"),
    ],
)
def test_invalid_values_are_named(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, message: str
) -> None:
    monkeypatch.setenv(name, value)

    with pytest.raises(SettingsError, match=message):
        Settings.from_env()


def test_webhook_settings_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SKILLSHIFT_WEBHOOK_HOSTS", "hooks.example.com, 127.0.0.1:9000")
    monkeypatch.setenv("SKILLSHIFT_WEBHOOK_SECRET", "s" * 32)
    monkeypatch.setenv("SKILLSHIFT_WEBHOOK_MAX_ATTEMPTS", "4")

    settings = Settings.from_env()

    assert settings.webhook_hosts == ("hooks.example.com", "127.0.0.1:9000")
    assert settings.webhook_max_attempts == 4
    assert "s" * 32 not in repr(settings)


def test_webhooks_off_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SKILLSHIFT_WEBHOOK_HOSTS", raising=False)
    monkeypatch.delenv("SKILLSHIFT_WEBHOOK_SECRET", raising=False)

    assert Settings.from_env().webhook_hosts == ()


@pytest.mark.parametrize(
    ("hosts", "secret", "message"),
    [
        ("hooks.example.com", "", "SKILLSHIFT_WEBHOOK_SECRET is not set"),
        ("hooks.example.com", "short", "SKILLSHIFT_WEBHOOK_SECRET has 5 characters"),
        ("https://hooks.example.com", "s" * 32, "expected host or host:port, got 'https://hooks.example.com'"),
        ("hooks.example.com:http", "s" * 32, "port from 1 to 65535, got 'hooks.example.com:http'"),
        ("hooks.example.com/path", "s" * 32, "expected host or host:port"),
    ],
)
def test_invalid_webhook_settings_are_named(
    monkeypatch: pytest.MonkeyPatch, hosts: str, secret: str, message: str
) -> None:
    monkeypatch.setenv("SKILLSHIFT_WEBHOOK_HOSTS", hosts)
    monkeypatch.setenv("SKILLSHIFT_WEBHOOK_SECRET", secret)

    with pytest.raises(SettingsError, match=message):
        Settings.from_env()


def test_json_log_line_carries_job_id() -> None:
    record = logging.LogRecord(
        "workers.jobs", logging.WARNING, __file__, 1, "job %s: bad image", ("a" * 32,), None
    )

    entry = orjson.loads(JsonFormatter().format(record))

    assert entry["job_id"] == "a" * 32
    assert entry["level"] == "warning"
    assert entry["message"] == f"job {'a' * 32}: bad image"
