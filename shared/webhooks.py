"""Webhook callbacks: which callback URLs a job may name, and how a delivery is signed.

The API checks a callback URL at upload and the worker checks it again before
each delivery, so removing a host from the allow list stops deliveries that
are already queued. Only the URL's text is checked: no name is resolved.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable
from urllib.parse import SplitResult, urlsplit

MAX_URL_LENGTH = 2048
SCHEMES = {"http": 80, "https": 443}

TIMESTAMP_HEADER = "X-SkillShift-Timestamp"
SIGNATURE_HEADER = "X-SkillShift-Signature"
EVENT_ID_HEADER = "X-SkillShift-Event-Id"
ATTEMPT_HEADER = "X-SkillShift-Attempt"


class CallbackRejected(ValueError):
    """A callback URL that a job may not use, with a message that names the problem and the fix."""


def parse_allowed_host(entry: str) -> tuple[str, int | None]:
    """Split an allow-list entry, `host` or `host:port` (IPv6 addresses in brackets), into host and port."""
    parts = urlsplit(f"//{entry.strip()}")
    try:
        port = parts.port
    except ValueError:
        raise ValueError(f"expected host or host:port with a port from 1 to 65535, got {entry!r}") from None
    has_extra = parts.path or parts.query or parts.fragment or parts.username is not None
    if not parts.hostname or has_extra or port == 0:
        raise ValueError(f"expected host or host:port, got {entry!r}")
    return _normal_host(parts.hostname), port


def check_callback_url(url: str, allowed_hosts: Iterable[str]) -> str:
    """Return `url` when its host is in `allowed_hosts`, else raise CallbackRejected.

    An entry without a port allows the scheme's default port only (80 for
    http, 443 for https), so a client cannot reach other ports of that host.
    """
    allowed = [parse_allowed_host(entry) for entry in allowed_hosts]
    if not allowed:
        raise CallbackRejected(
            "Webhooks are off on this server (SKILLSHIFT_WEBHOOK_HOSTS is empty); upload without callback_url"
        )
    parts = _split(url)
    host = _normal_host(parts.hostname or "")
    port = parts.port or SCHEMES[parts.scheme]
    for allowed_host, allowed_port in allowed:
        if host == allowed_host and port == (allowed_port or SCHEMES[parts.scheme]):
            return url
    raise CallbackRejected(
        f"The callback host {host}:{port} is not in this server's allow list (SKILLSHIFT_WEBHOOK_HOSTS); "
        "use an allowed host or ask the operator to add this one"
    )


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """Return the signature header value: `sha256=` and the hex HMAC-SHA256 of `{timestamp}.{body}`."""
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def _split(url: str) -> SplitResult:
    if len(url) > MAX_URL_LENGTH:
        raise CallbackRejected(f"callback_url is {len(url)} characters long; the limit is {MAX_URL_LENGTH}")
    if any(char.isspace() or not char.isprintable() for char in url):
        raise CallbackRejected("callback_url contains whitespace or control characters; percent-encode them")
    parts = urlsplit(url)
    if parts.scheme not in SCHEMES:
        raise CallbackRejected(
            f"callback_url must be an absolute http or https URL, got scheme {parts.scheme or 'none'!r}"
        )
    if not parts.hostname:
        raise CallbackRejected(
            "callback_url has no host; send an absolute URL such as https://hooks.example.com/skillshift"
        )
    if parts.username is not None or parts.password is not None:
        raise CallbackRejected(
            "callback_url must not contain user information (user:password@); "
            "verify deliveries with the X-SkillShift-Signature header instead"
        )
    try:
        port = parts.port
    except ValueError:
        raise CallbackRejected("callback_url has an invalid port; use a number from 1 to 65535") from None
    if port == 0:
        raise CallbackRejected("callback_url has an invalid port; use a number from 1 to 65535")
    return parts


def _normal_host(host: str) -> str:
    return host.lower().rstrip(".")
