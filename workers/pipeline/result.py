"""Assembly of the result dict: match header fields, players, warnings, checks and confidence."""

from __future__ import annotations

from typing import Any

import numpy as np

from workers.pipeline.checks import check_damage_percents, check_kills, confidence
from workers.pipeline.detector import Detection
from workers.pipeline.header import Reading, find_battle_id, find_duration, find_result, find_scores
from workers.pipeline.ocr import OcrLine

# Fields that are null by design and so are not reported as unreadable.
UNREAD_EXEMPT = {"hero", "hero_confidence", "squad"}


def header_fields(header: list[Reading], footer: list[Reading], mid: float,
                  warnings: list[str]) -> dict[str, Any]:
    result, title = find_result(header)
    ally, enemy = find_scores(header, title, mid)
    match = {
        "result": result,
        "score": {"ally": ally, "enemy": enemy},
        "duration_s": find_duration(header),
        "battle_id": find_battle_id(footer) or find_battle_id(header),
    }
    for name, value in (("result", result), ("ally score", ally), ("enemy score", enemy),
                        ("duration", match["duration_s"]), ("battle id", match["battle_id"])):
        if value is None:
            warnings.append(f"{name} could not be read")
    return match


def _unread_fields(players: list[dict[str, Any]]) -> list[str]:
    return [
        f"{p['team']} slot {p['slot']} {field}"
        for p in players for field, value in p.items()
        if value is None and field not in UNREAD_EXEMPT
    ]


def _kda(view: str, players: list[dict[str, Any]]) -> str | None:
    if view != "scoreboard":
        return None
    you = next((p for p in players if p["is_you"]), None)
    if you is None or None in (you["kills"], you["deaths"], you["assists"]):
        return None
    return f"{you['kills']}/{you['deaths']}/{you['assists']}"


def build_result(rgb: np.ndarray, view: str, match: dict[str, Any], players: list[dict[str, Any]],
                 text_lines: list[OcrLine], detections: list[Detection], timings: dict[str, float],
                 warnings: list[str]) -> dict[str, Any]:
    """Assemble the result; hero warnings must already be in `warnings`, as `identify_heroes` adds them."""
    unread = _unread_fields(players)
    if unread:
        warnings.append("could not read: " + ", ".join(unread))
    if not any(p["is_you"] for p in players):
        warnings.append("the uploader's highlighted row was not found")
    kda = _kda(view, players)
    if view == "scoreboard" and kda is None:
        warnings.append("kda not read: the uploader's K/D/A is incomplete")

    checks = check_kills(players, match["score"]) if view == "scoreboard" else check_damage_percents(players)
    warnings += checks
    you = next((p for p in players if p["is_you"]), None)
    used = [line.confidence for line in text_lines]
    header_missing = sum(v is None for v in (match["result"], match["duration_s"], match["battle_id"]))
    return {
        "view": view,
        "kda": kda,
        "hero": you.get("hero") if you is not None else None,
        "hero_confidence": you.get("hero_confidence") if you is not None else None,
        "confidence": confidence(used, len(unread) + header_missing, len(checks)),
        "match": match,
        "players": players,
        "text": [line.as_dict() for line in text_lines],
        "detections": [d.as_dict() for d in detections],
        "timings_ms": timings,
        "warnings": warnings,
        "image": {"width": int(rgb.shape[1]), "height": int(rgb.shape[0])},
    }


def unknown_result(rgb: np.ndarray, detections: list[Detection], timings: dict[str, float],
                   warnings: list[str]) -> dict[str, Any]:
    """Assemble the result of an image that is not a post-match screen: no rows, so no hero warning."""
    return {
        "view": "unknown",
        "kda": None,
        "hero": None,
        "hero_confidence": None,
        "confidence": 0.0,
        "match": {
            "result": None, "score": {"ally": None, "enemy": None}, "duration_s": None, "battle_id": None,
        },
        "players": [],
        "text": [],
        "detections": [d.as_dict() for d in detections],
        "timings_ms": timings,
        "warnings": warnings,
        "image": {"width": int(rgb.shape[1]), "height": int(rgb.shape[0])},
    }
