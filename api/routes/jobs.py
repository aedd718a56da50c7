"""REST routes for jobs: upload, read state, read the stored screenshot."""

from __future__ import annotations

import hashlib
import logging
import re
import time
import uuid
from typing import Any

from arq.constants import abort_jobs_ss, job_key_prefix
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from api.memory import release_free_memory
from api.ratelimit import check_upload_rate
from api.state import AppState
from api.uploads import Upload, read_upload
from shared import keys
from shared.annotate import render_annotated
from shared.images import ImageRejected, inspect_upload, sniff_format
from shared.metrics import UPLOADS
from shared.settings import Settings
from shared.states import FINAL_STATES, JobState
from shared.webhooks import CallbackRejected, check_callback_url

logger = logging.getLogger(__name__)

JOB_ID = re.compile(r"^[0-9a-f]{32}$")
ANALYZE_FUNCTION = "analyze"
CALLBACK_FIELD = "callback_url"


async def readable_job_id(request: Request) -> str:
    """Return the job id of the path when the job exists and the caller's token may read it, else 404."""
    state: AppState = request.app.state.skillshift
    access = state.auth.require(request.headers)
    job_id = str(request.path_params["job_id"])
    if not JOB_ID.match(job_id):
        raise HTTPException(404, "No such job")
    owner = await state.store.owner(job_id)
    if owner is None or not access.can_read(owner):
        raise HTTPException(404, "No such job")
    return job_id


async def create_job(request: Request) -> Response:
    try:
        response = await _create_job(request)
    except HTTPException as exc:
        UPLOADS.labels(status=str(exc.status_code)).inc()
        raise
    UPLOADS.labels(status=str(response.status_code)).inc()
    return response


async def _create_job(request: Request) -> Response:
    state: AppState = request.app.state.skillshift
    settings = state.settings

    access = state.auth.require(request.headers)
    await check_upload_rate(state.redis, request, settings.uploads_per_minute)
    depth = await state.redis.zcard(settings.queue_name)
    if depth >= settings.max_queue:
        raise HTTPException(
            503, f"The queue is full ({depth} jobs waiting); retry later", headers={"Retry-After": "10"}
        )

    # The body streams into the parser's spooled file outside the slots, so a slow sender takes
    # no slot. Reading the file into memory and decoding it happen inside them.
    upload = await read_upload(request, settings.max_upload_bytes)
    state.uploads_in_flight += 1
    try:
        callback_url = _callback_url(upload, settings)
        async with state.upload_slots:
            data = await upload.read()
            try:
                info = await run_in_threadpool(inspect_upload, data, max_pixels=settings.max_image_pixels)
            except ImageRejected as exc:
                logger.info("rejected upload (%d): %s", exc.status, exc.detail)
                raise HTTPException(exc.status, exc.detail) from None
    finally:
        await upload.close()
        state.uploads_in_flight -= 1
        if state.uploads_in_flight == 0:
            await run_in_threadpool(release_free_memory)

    digest_key = keys.upload_digest(access.owner, hashlib.sha256(data).hexdigest())
    fresh = request.query_params.get("fresh", "").lower() in ("1", "true")
    # A webhook belongs to one job, so an upload naming a callback always creates a job.
    if not fresh and callback_url is None:
        reused = await _same_upload(state, digest_key)
        if reused is not None:
            logger.info("upload matches job %s; returning it", reused["job_id"])
            status = 200 if reused["state"] == JobState.FINISHED else 202
            headers = {"Location": f"/api/jobs/{reused['job_id']}"}
            return JSONResponse({**reused, "reused": True}, status_code=status, headers=headers)

    job_id = uuid.uuid4().hex
    event = await state.store.create(
        job_id, data, image_ttl_s=settings.image_ttl_s, owner=access.owner, callback_url=callback_url
    )
    await state.redis.set(digest_key, job_id, ex=settings.result_ttl_s)
    await state.arq.enqueue_job(ANALYZE_FUNCTION, job_id, _job_id=job_id, _queue_name=settings.queue_name)
    logger.info("queued job %s (%s %dx%d, %d bytes)", job_id, info.format, info.width, info.height, len(data))

    location = f"/api/jobs/{job_id}"
    body = event if callback_url is None else {**event, CALLBACK_FIELD: callback_url}
    return JSONResponse(body, status_code=202, headers={"Location": location})


def _callback_url(upload: Upload, settings: Settings) -> str | None:
    """Return the upload's callback URL once checked against the allow list; None when it names none."""
    values = [value for value in upload.fields.get(CALLBACK_FIELD, []) if value]
    if not values:
        return None
    if len(values) > 1:
        raise HTTPException(422, f"Expected at most one '{CALLBACK_FIELD}' field, got {len(values)}")
    try:
        return check_callback_url(values[0], settings.webhook_hosts)
    except CallbackRejected as exc:
        raise HTTPException(422, str(exc)) from None


async def _same_upload(state: AppState, digest_key: str) -> dict[str, Any] | None:
    """Return the latest event of an earlier job with the same bytes and owner, unless it failed."""
    job_id = await state.redis.get(digest_key)
    if job_id is None:
        return None
    event = await state.store.get(job_id.decode())
    if event is None or event.get("state") == JobState.FAILED:
        return None
    return event


async def get_job(request: Request) -> Response:
    state: AppState = request.app.state.skillshift
    job_id = await readable_job_id(request)
    event = await state.store.get(job_id)
    if event is None:
        raise HTTPException(404, "No such job")
    return JSONResponse(event)


async def get_image(request: Request) -> Response:
    state: AppState = request.app.state.skillshift
    job_id = await readable_job_id(request)
    data = await state.store.image(job_id)
    if data is None:
        raise HTTPException(404, "No stored image for this job; images expire after upload")
    kind = sniff_format(data) or "png"
    return Response(data, media_type=f"image/{kind}", headers={"Cache-Control": "private, max-age=3600"})


async def get_annotated(request: Request) -> Response:
    state: AppState = request.app.state.skillshift
    job_id = await readable_job_id(request)
    event = await state.store.get(job_id)
    if event is None:
        raise HTTPException(404, "No such job")
    if event.get("state") != JobState.FINISHED:
        raise HTTPException(
            404, f"The job is {event.get('state')}; the annotated image exists once it finished"
        )
    data = await state.store.image(job_id)
    if data is None:
        raise HTTPException(404, "No stored image for this job; images expire after upload")
    png = await run_in_threadpool(
        render_annotated, data, event.get("result") or {}, max_pixels=state.settings.max_image_pixels
    )
    return Response(png, media_type="image/png", headers={"Cache-Control": "private, max-age=3600"})


async def cancel_job(request: Request) -> Response:
    """Cancel a queued or running job: it fails at once with `cancelled: true`."""
    state: AppState = request.app.state.skillshift
    job_id = await readable_job_id(request)
    latest = await state.store.get(job_id)
    if latest is None or latest.get("state") in FINAL_STATES:
        current = latest.get("state") if latest else "gone"
        raise HTTPException(409, f"The job is already {current}; there is nothing to cancel")

    # arq keeps a running job in its queue until the job ends, so only a job that has not started
    # is taken out of the queue. A running one is aborted, and a job that starts after this point
    # finds its state final and skips the analysis.
    running = latest.get("state") == JobState.STARTED
    async with state.redis.pipeline(transaction=True) as pipe:
        pipe.zadd(abort_jobs_ss, {job_id: int(time.time() * 1000)})
        if not running:
            pipe.zrem(state.settings.queue_name, job_id)
            pipe.delete(job_key_prefix + job_id)
        await pipe.execute()

    event = await state.store.publish(
        job_id,
        {
            "state": JobState.FAILED,
            "error": "Cancelled by the client",
            "cancelled": True,
            "finished_at": time.time(),
        },
    )
    if event is None:
        raise HTTPException(409, "The job finished before it could be cancelled")
    logger.info("cancelled job %s (%s)", job_id, "was running" if running else "was queued")
    return JSONResponse(event)


async def analyze_gone(request: Request) -> Response:
    raise HTTPException(
        410,
        "POST /api/analyze was removed: upload with POST /api/jobs (multipart field 'file'), "
        "then follow the job over WS /ws/jobs/{job_id} or GET /api/jobs/{job_id}",
    )


routes = [
    Route("/api/jobs", create_job, methods=["POST"]),
    Route("/api/jobs/{job_id}", get_job, methods=["GET"]),
    Route("/api/jobs/{job_id}", cancel_job, methods=["DELETE"]),
    Route("/api/jobs/{job_id}/image", get_image, methods=["GET"]),
    Route("/api/jobs/{job_id}/annotated.png", get_annotated, methods=["GET"]),
    Route("/api/analyze", analyze_gone, methods=["POST", "GET"]),
]
