"""POST /api/jobs/{job_id}/players/{team}/{slot}/hero: correct a player's hero on a finished job.

The API changes the stored result at once and enqueues `add_hero_portrait`, which a worker runs:
it crops that row's portrait from the stored screenshot into its hero gallery. The API itself
never touches the gallery, so it needs no model code and no disk shared with the workers.
"""

from __future__ import annotations

import logging

import orjson
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from api.routes.jobs import readable_job_id
from api.state import AppState
from api.uploads import read_body
from shared.corrections import NotCorrectable, amend_result, correct_hero
from shared.heroes import ADD_PORTRAIT_FUNCTION, SLOTS, TEAMS, InvalidHeroName, valid_hero_name

logger = logging.getLogger(__name__)

MAX_BODY_BYTES = 1024


async def correct_player_hero(request: Request) -> Response:
    state: AppState = request.app.state.skillshift
    job_id = await readable_job_id(request)
    if not state.settings.hero_corrections:
        raise HTTPException(
            403, "Hero corrections are turned off; set SKILLSHIFT_HERO_CORRECTIONS=1 on the API and workers"
        )
    team, slot = _row(request)
    hero = await _hero(request)

    if await state.store.image(job_id) is None:
        raise HTTPException(409, "The screenshot of this job has expired, so its portrait cannot be added")
    try:
        event = await amend_result(state.redis, job_id, lambda result: correct_hero(result, team, slot, hero))
    except NotCorrectable as exc:
        raise HTTPException(409, str(exc)) from None

    await state.arq.enqueue_job(
        ADD_PORTRAIT_FUNCTION, job_id, team, slot, hero, _queue_name=state.settings.queue_name
    )
    logger.info("job %s: %s slot %d corrected to hero %r; portrait queued for the gallery",
                job_id, team, slot, hero)
    return JSONResponse(event, status_code=202)


def _row(request: Request) -> tuple[str, int]:
    team = str(request.path_params["team"])
    slot = str(request.path_params["slot"])
    if team not in TEAMS or not slot.isdigit() or int(slot) not in SLOTS:
        raise HTTPException(404, f"No player row {team}/{slot}; use team ally or enemy and slot 1 to 5")
    return team, int(slot)


async def _hero(request: Request) -> str:
    body = await read_body(request, MAX_BODY_BYTES)
    try:
        payload = orjson.loads(body)
    except orjson.JSONDecodeError:
        raise HTTPException(422, 'Expected a JSON body such as {"hero": "Layla"}') from None
    if not isinstance(payload, dict) or "hero" not in payload:
        raise HTTPException(422, 'Expected a JSON object with a "hero" field, such as {"hero": "Layla"}')
    try:
        return valid_hero_name(payload["hero"])
    except InvalidHeroName as exc:
        raise HTTPException(422, f"Invalid hero: {exc}") from None


routes = [Route("/api/jobs/{job_id}/players/{team}/{slot}/hero", correct_player_hero, methods=["POST"])]
