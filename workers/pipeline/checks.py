"""Cross-field checks: team kills against the score, damage shares against percents, and confidence."""

from __future__ import annotations

from typing import Any

PERCENT_SUM_TOLERANCE = 3
SHARE_TOLERANCE = 2.0
DAMAGE_PERCENT_FIELDS = {
    "hero_damage_pct": "hero_damage",
    "turret_damage_pct": "turret_damage",
    "damage_taken_pct": "damage_taken",
}


def team_players(players: list[dict[str, Any]], team: str) -> list[dict[str, Any]]:
    return [p for p in players if p["team"] == team]


def check_kills(players: list[dict[str, Any]], score: dict[str, int | None]) -> list[str]:
    """Check that each team's kills add up to its score on the header."""
    warnings: list[str] = []
    for team in ("ally", "enemy"):
        kills = [p["kills"] for p in team_players(players, team)]
        expected = score.get(team)
        if expected is None or None in kills:
            continue
        if sum(kills) != expected:
            warnings.append(f"{team} kills add up to {sum(kills)}, but the header score is {expected}")
    return warnings


def check_damage_percents(players: list[dict[str, Any]]) -> list[str]:
    """Check that each team's percents sum to about 100 and match each player's share of the total."""
    warnings: list[str] = []
    for team in ("ally", "enemy"):
        rows = team_players(players, team)
        for pct_field, value_field in DAMAGE_PERCENT_FIELDS.items():
            warnings += _check_column(team, rows, pct_field, value_field)
    return warnings


def _check_column(team: str, rows: list[dict[str, Any]], pct_field: str, value_field: str) -> list[str]:
    percents = [row[pct_field] for row in rows]
    values = [row[value_field] for row in rows]
    if None in percents or None in values:
        return []
    total = sum(values)
    if total == 0:
        if any(percents):
            return [f"{team} {pct_field}: percents are {percents}, but every {value_field} is 0"]
        return []
    warnings = []
    if abs(sum(percents) - 100) > PERCENT_SUM_TOLERANCE:
        warnings.append(f"{team} {pct_field} adds up to {sum(percents)}, expected about 100")
    for row, value, percent in zip(rows, values, percents, strict=True):
        share = 100 * value / total
        if abs(share - percent) > SHARE_TOLERANCE:
            warnings.append(
                f"{team} slot {row['slot']}: {value_field} {value} is {share:.1f}% of the team, "
                f"but the screen shows {percent}%"
            )
    return warnings


def confidence(ocr_confidences: list[float], missing_fields: int, failed_checks: int) -> float:
    """Mean OCR confidence, lowered by 5% per unreadable field and 10% per failed cross-check."""
    if not ocr_confidences:
        return 0.0
    base = sum(ocr_confidences) / len(ocr_confidences)
    penalty = 0.95 ** missing_fields * 0.9 ** failed_checks
    return round(max(0.0, min(1.0, base * penalty)), 3)
