"""Warnings about a failure that repeats on every turn of a loop, such as Redis being away."""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable

from redis.exceptions import RedisError

REPEAT_INTERVAL_S = 30.0


class RepeatedFailure:
    """Log a loop's failure when it starts, then at most once every `interval_s`, and log its end.

    Without it, a loop that runs every second while Redis is away writes a warning every second.
    """

    def __init__(self, logger: logging.Logger, action: str, interval_s: float = REPEAT_INTERVAL_S) -> None:
        self.logger = logger
        self.action = action
        self.interval_s = interval_s
        self.since: float | None = None
        self.logged_at = 0.0
        self.count = 0

    def failed(self, exc: BaseException) -> None:
        now = time.monotonic()
        if self.since is None:
            self.since = now
            self.count = 0
        self.count += 1
        if self.count == 1 or now - self.logged_at >= self.interval_s:
            self.logged_at = now
            self.logger.warning(
                "%s failed (%d times in %.0f s): %s", self.action, self.count, now - self.since, exc
            )

    async def attempt(self, call: Callable[[], Awaitable[object]]) -> None:
        """Run `call` once, logging a Redis or network error here instead of raising it."""
        try:
            await call()
        except (RedisError, OSError) as exc:
            self.failed(exc)
        else:
            self.succeeded()

    def succeeded(self) -> None:
        if self.since is not None:
            self.logger.info("%s works again after %.0f s", self.action, time.monotonic() - self.since)
            self.since = None
