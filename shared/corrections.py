"""Hero corrections on finished jobs: the change to the result, and its atomic write to Redis.

A finished job's event never changes through `JobStore.publish`. A correction is the one exception:
the script below replaces the event of a job that is still finished and whose sequence number is
still the one the caller read, takes the next sequence number and publishes the new event, so
clients that order events by `seq` show it, and a concurrent correction is retried, never lost.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import Any, cast

from redis.asyncio import Redis

from shared import keys
from shared.heroes import EMPTY_GALLERY_WARNING, NO_DETECTION_PREFIX, NO_MODEL_WARNING, UNMATCHED_PREFIX
from shared.serialization import dumps, loads
from shared.states import JobState

_AMEND = """
if redis.call('HGET', KEYS[1], 'state') ~= 'finished' then
  return false
end
if redis.call('GET', KEYS[2]) ~= ARGV[2] then
  return false
end
local seq = redis.call('INCR', KEYS[2])
local event = '{"seq":' .. seq .. ',' .. string.sub(ARGV[1], 2)
redis.call('HSET', KEYS[1], 'event', event)
redis.call('PUBLISH', ARGV[3], event)
return event
"""
MAX_ATTEMPTS = 5
# Splits the row list of the unmatched-heroes warning only before a row, so a hero name
# with "; " in it (gallery folder names may contain one) stays inside its row.
_ROW_SEPARATOR = re.compile(r"; (?=(?:ally|enemy) slot [1-5] \(closest: )")

Event = dict[str, Any]


class NotCorrectable(ValueError):
    """The job's result has no such player row, or the job is not finished."""


def correct_hero(result: dict[str, Any], team: str, slot: int, hero: str) -> None:
    """Set one player's hero in the result in place, and drop that row from the hero warnings.

    A correction of the uploader's row also sets the top-level hero.
    """
    rows = [p for p in result.get("players", []) if p.get("team") == team and p.get("slot") == slot]
    if not rows:
        raise NotCorrectable(f"The result has no {team} slot {slot} row, since no post-match table was read")
    player = rows[0]
    player["hero"] = hero
    player["hero_confidence"] = None
    player["hero_corrected"] = True
    if player.get("is_you"):
        result["hero"] = hero
        result["hero_confidence"] = None
    if isinstance(result.get("warnings"), list):
        result["warnings"] = _hero_warnings_after(result["warnings"], result["players"], team, slot)


def _hero_warnings_after(warnings: list[str], players: list[dict[str, Any]],
                         team: str, slot: int) -> list[str]:
    """Rewrite the hero warnings after `team` `slot` got its hero, and keep every other warning unchanged.

    The warnings that list rows (no gallery match, no hero detection) lose that row, and go once
    they list none. The warnings about a missing hero model or an empty gallery cover every row,
    so they stay while any row has no hero.
    """
    any_unnamed = any(p.get("hero") is None for p in players)
    kept = []
    for warning in warnings:
        if warning in (NO_MODEL_WARNING, EMPTY_GALLERY_WARNING):
            if any_unnamed:
                kept.append(warning)
        elif warning.startswith(UNMATCHED_PREFIX):
            head, _, listed = warning.partition(": ")
            row_start = f"{team} slot {slot} ("
            rows = [row for row in _ROW_SEPARATOR.split(listed) if not row.startswith(row_start)]
            if rows:
                kept.append(f"{head}: " + "; ".join(rows))
        elif warning.startswith(NO_DETECTION_PREFIX):
            rows = [row for row in warning.removeprefix(NO_DETECTION_PREFIX).split(", ")
                    if row != f"{team} slot {slot}"]
            if rows:
                kept.append(NO_DETECTION_PREFIX + ", ".join(rows))
        else:
            kept.append(warning)
    return kept


async def amend_result(redis: Redis, job_id: str, change: Callable[[dict[str, Any]], None]) -> Event:
    """Apply `change` to a finished job's result, store and publish the new event, and return it.

    Raises NotCorrectable when the job is not finished, and whatever `change` raises.
    """
    script = redis.register_script(_AMEND)
    for _ in range(MAX_ATTEMPTS):
        async with redis.pipeline(transaction=True) as pipe:
            pipe.hget(keys.job_state(job_id), "event")
            pipe.get(keys.job_seq(job_id))
            raw_event, raw_seq = await pipe.execute()
        event = loads(raw_event) if raw_event is not None else None
        if event is None or event.get("state") != JobState.FINISHED or raw_seq is None:
            current = event.get("state") if event is not None else "gone"
            raise NotCorrectable(f"The job is {current}; heroes can be corrected once it finished")
        change(event["result"])
        event.pop("seq", None)
        event["published_at"] = time.time()
        raw = await script(keys=[keys.job_state(job_id), keys.job_seq(job_id)],
                           args=[dumps(event), raw_seq, keys.EVENTS_CHANNEL])
        if raw is not None:
            return cast(Event, loads(raw))
    raise NotCorrectable(f"The job changed {MAX_ATTEMPTS} times while the correction was written; retry")
