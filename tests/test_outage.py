"""RepeatedFailure: one warning when a loop starts failing, one line when it works again."""

from __future__ import annotations

import logging

import pytest

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
