"""RepeatedFailure: one warning when a loop starts failing, one line when it works again."""

from __future__ import annotations

import logging

import pytest
from redis.exceptions import ConnectionError as RedisConnectionError

from shared.outage import RepeatedFailure


def test_repeated_failure_logs_start_and_end(caplog: pytest.LogCaptureFixture) -> None:
    outage = RepeatedFailure(logging.getLogger("outage-test"), "polling", interval_s=60)
    with caplog.at_level(logging.INFO, logger="outage-test"):
        for _ in range(5):
            outage.failed(OSError("connection refused"))
        outage.succeeded()
        outage.succeeded()

    messages = [record.getMessage() for record in caplog.records]
    assert len(messages) == 2
    assert messages[0] == "polling failed (1 times in 0 s): connection refused"
    assert messages[1].startswith("polling works again after")


def test_repeated_failure_repeats_after_interval(caplog: pytest.LogCaptureFixture) -> None:
    outage = RepeatedFailure(logging.getLogger("outage-test"), "polling", interval_s=0)
    with caplog.at_level(logging.INFO, logger="outage-test"):
        outage.failed(OSError("down"))
        outage.failed(OSError("down"))

    messages = [record.getMessage() for record in caplog.records]
    assert messages[1].startswith("polling failed (2 times in")


async def test_attempt_logs_instead_of_raising(caplog: pytest.LogCaptureFixture) -> None:
    calls = []

    async def unreachable() -> None:
        calls.append("unreachable")
        raise RedisConnectionError("Error 111 connecting to 127.0.0.1:6399")

    async def reachable() -> None:
        calls.append("reachable")

    outage = RepeatedFailure(logging.getLogger("outage-test"), "heartbeat")
    with caplog.at_level(logging.INFO, logger="outage-test"):
        await outage.attempt(unreachable)
        await outage.attempt(reachable)

    messages = [record.getMessage() for record in caplog.records]
    assert calls == ["unreachable", "reachable"]
    assert messages[0] == "heartbeat failed (1 times in 0 s): Error 111 connecting to 127.0.0.1:6399"
    assert messages[1].startswith("heartbeat works again after")
