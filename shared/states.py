"""Job states and the stages of a started job."""

from __future__ import annotations

from enum import StrEnum


class JobState(StrEnum):
    QUEUED = "queued"
    STARTED = "started"
    FINISHED = "finished"
    FAILED = "failed"


class Stage(StrEnum):
    DECODING = "decoding"
    DETECTING = "detecting"
    READING = "reading"
    PARSING = "parsing"


FINAL_STATES = frozenset({JobState.FINISHED.value, JobState.FAILED.value})
