"""Optional API tokens and the WebSocket Origin check.

With no tokens configured, the API is open. With tokens configured, every
upload, job read and WebSocket subscription needs one: a job is readable with
the token that created it or an admin token, and only admin tokens may follow
every job ("*"). Tokens are compared and stored as SHA-256 digests only.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from urllib.parse import urlsplit

from starlette.datastructures import Headers, QueryParams
from starlette.exceptions import HTTPException

PUBLIC_OWNER = ""


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class Access:
    owner: str
    admin: bool

    def can_read(self, job_owner: str) -> bool:
        return self.admin or job_owner == self.owner


class Auth:
    def __init__(self, client_tokens: frozenset[str], admin_tokens: frozenset[str]) -> None:
        self.clients = frozenset(digest(token) for token in client_tokens)
        self.admins = frozenset(digest(token) for token in admin_tokens)
        self.enabled = bool(self.clients or self.admins)

    def identify(self, token: str | None) -> Access | None:
        """Return who the token belongs to, or None for a missing or unknown token while tokens are on."""
        if not self.enabled:
            return Access(owner=PUBLIC_OWNER, admin=True)
        if not token:
            return None
        hashed = digest(token)
        if hashed in self.admins:
            return Access(owner=hashed, admin=True)
        if hashed in self.clients:
            return Access(owner=hashed, admin=False)
        return None

    def require(self, headers: Headers) -> Access:
        access = self.identify(bearer_token(headers))
        if access is None:
            raise HTTPException(
                401,
                "Missing or invalid API token; send the header 'Authorization: Bearer <token>'",
                headers={"WWW-Authenticate": "Bearer"},
            )
        return access


def bearer_token(headers: Headers, query: QueryParams | None = None) -> str | None:
    """Return the token of `Authorization: Bearer ...`, else the `token` query parameter.

    Browsers cannot set headers on a WebSocket, so the dashboard sends its token in the query.
    """
    scheme, _, value = headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    if query is not None:
        return query.get("token") or None
    return None


def origin_allowed(headers: Headers, allowed: tuple[str, ...]) -> bool:
    """Accept clients that send no Origin (not browsers), the page's own origin, and configured ones."""
    origin = headers.get("origin")
    if origin is None or "*" in allowed or origin in allowed:
        return True
    return urlsplit(origin).netloc == headers.get("host")
