"""OpenAPI 3.1 description of the REST API, served at GET /api/openapi.json."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from api.routes.health import package_version
from shared.webhooks import MAX_URL_LENGTH

ERROR = {"$ref": "#/components/schemas/Error"}
EVENT = {"$ref": "#/components/schemas/JobEvent"}


def _error(description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": ERROR}}}


def _job_path(summary: str, ok: dict[str, Any]) -> dict[str, Any]:
    return {
        "get": {
            "summary": summary,
            "parameters": [{"name": "job_id", "in": "path", "required": True, "schema": {"type": "string"}}],
            "responses": {
                "200": ok,
                "401": _error("Tokens are on and none was sent"),
                "404": _error("No such job"),
            },
        }
    }


def _cancel() -> dict[str, Any]:
    return {
        "summary": "Cancel a queued or running job; it fails at once with cancelled: true",
        "parameters": [{"name": "job_id", "in": "path", "required": True, "schema": {"type": "string"}}],
        "responses": {
            "200": {"description": "The failed event", "content": {"application/json": {"schema": EVENT}}},
            "401": _error("Tokens are on and none was sent"),
            "404": _error("No such job"),
            "409": _error("The job is already finished or failed"),
        },
    }


def _hero_correction() -> dict[str, Any]:
    path = {"in": "path", "required": True}
    return {
        "summary": "Correct a player's hero on a finished job and add the portrait to the workers' gallery",
        "parameters": [
            {"name": "job_id", **path, "schema": {"type": "string"}},
            {"name": "team", **path, "schema": {"enum": ["ally", "enemy"]}},
            {"name": "slot", **path, "schema": {"type": "integer", "minimum": 1, "maximum": 5}},
        ],
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": {
                "type": "object",
                "required": ["hero"],
                "properties": {"hero": {"type": "string", "maxLength": 40}},
            }}},
        },
        "responses": {
            "202": {"description": "The job's new event; the portrait is queued for a worker",
                    "content": {"application/json": {"schema": EVENT}}},
            "401": _error("Tokens are on and none was sent"),
            "403": _error("SKILLSHIFT_HERO_CORRECTIONS is off"),
            "404": _error("No such job, or no such team or slot"),
            "409": _error("The job is not finished, has no such row, or its screenshot expired"),
            "422": _error("The body is not JSON with a valid hero name"),
        },
    }


def build_spec() -> dict[str, Any]:
    upload_errors = {
        "400": _error("A malformed multipart body"),
        "401": _error("Tokens are on and the request has no valid one"),
        "413": _error("The body is larger than SKILLSHIFT_MAX_UPLOAD_BYTES"),
        "415": _error("Not multipart, or the file is not PNG, JPEG or WebP"),
        "422": _error(
            "No 'file' field, several files, an image that cannot be analysed, "
            "or a callback_url that is invalid or not allowed"
        ),
        "429": _error("Upload rate limit reached; see Retry-After"),
        "503": _error("Queue full or job store unavailable; see Retry-After"),
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "SkillShift",
            "version": package_version(),
            "description": "Structured data from Mobile Legends: Bang Bang post-match screenshots. "
            "Uploads are analysed asynchronously; follow a job over WS /ws/jobs/{job_id} or poll it.",
        },
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {
                "Error": {
                    "type": "object",
                    "required": ["detail"],
                    "properties": {"detail": {"type": "string"}},
                },
                "JobEvent": {
                    "type": "object",
                    "required": ["job_id", "state", "seq", "published_at"],
                    "properties": {
                        "job_id": {"type": "string", "pattern": "^[0-9a-f]{32}$"},
                        "state": {"enum": ["queued", "started", "finished", "failed"]},
                        "stage": {"enum": ["decoding", "detecting", "reading", "parsing"]},
                        "seq": {"type": "integer", "description": "Per-job sequence number; only grows"},
                        "published_at": {"type": "number", "description": "Unix seconds"},
                        "created_at": {"type": "number"},
                        "started_at": {"type": "number"},
                        "finished_at": {"type": "number"},
                        "attempt": {"type": "integer"},
                        "worker": {"type": "string"},
                        "result": {"type": "object", "description": "Present when finished; see the README"},
                        "error": {"type": "string", "description": "Present when failed; meant for people"},
                    },
                },
            },
        },
        "security": [{}, {"bearer": []}],
        "paths": {
            "/api/jobs": {
                "post": {
                    "summary": "Upload a screenshot and queue its analysis",
                    "parameters": [
                        {
                            "name": "fresh",
                            "in": "query",
                            "required": False,
                            "schema": {"type": "string", "enum": ["1", "true"]},
                            "description": "Analyse again even if the same bytes were uploaded before",
                        }
                    ],
                    "requestBody": {
                        "required": True,
                        "content": {
                            "multipart/form-data": {
                                "schema": {
                                    "type": "object",
                                    "required": ["file"],
                                    "properties": {
                                        "file": {"type": "string", "format": "binary"},
                                        "callback_url": {
                                            "type": "string",
                                            "format": "uri",
                                            "maxLength": MAX_URL_LENGTH,
                                            "description": "http(s) URL on an allowed host that "
                                            "receives the final event as a signed POST",
                                        },
                                    },
                                }
                            }
                        },
                    },
                    "responses": {
                        "200": {
                            "description": "The same bytes were uploaded before and that job finished; "
                            "its event, with reused: true",
                            "content": {"application/json": {"schema": EVENT}},
                        },
                        "202": {
                            "description": "Queued; or an earlier job with the same bytes, still queued "
                            "or running, with reused: true",
                            "content": {"application/json": {"schema": EVENT}},
                        },
                        **upload_errors,
                    },
                }
            },
            "/api/jobs/{job_id}": {
                **_job_path(
                    "The job's latest event",
                    {"description": "Latest event", "content": {"application/json": {"schema": EVENT}}},
                ),
                "delete": _cancel(),
            },
            "/api/jobs/{job_id}/image": _job_path(
                "The uploaded screenshot, while stored",
                {"description": "The image", "content": {"image/*": {}}},
            ),
            "/api/jobs/{job_id}/annotated.png": _job_path(
                "The screenshot with detections and OCR lines drawn, once finished",
                {"description": "PNG image", "content": {"image/png": {}}},
            ),
            "/api/jobs/{job_id}/players/{team}/{slot}/hero": {"post": _hero_correction()},
            "/api/health": {
                "get": {
                    "summary": "Redis reachability, live workers, queue depth, jobs per minute",
                    "security": [{}],
                    "responses": {
                        "200": {"description": "Healthy or degraded"},
                        "503": {"description": "Redis down"},
                    },
                }
            },
        },
    }


async def openapi(request: Request) -> Response:
    return JSONResponse(build_spec())


routes = [Route("/api/openapi.json", openapi, methods=["GET"])]
