"""Hero names as the gallery and the correction route accept them, and the hero warnings of a result.

The worker writes the warnings and a correction rewrites them, so both take the wording from here.
"""

from __future__ import annotations

import unicodedata

MAX_HERO_NAME = 40
TEAMS = ("ally", "enemy")
SLOTS = range(1, 6)
ADD_PORTRAIT_FUNCTION = "add_hero_portrait"

NO_MODEL_WARNING = "hero not identified: no hero model configured"
EMPTY_GALLERY_WARNING = "hero not identified: the hero gallery has no images"
UNMATCHED_PREFIX = "hero not identified, no gallery match reaches "
NO_DETECTION_PREFIX = "hero not identified, no hero detection in: "


class InvalidHeroName(ValueError):
    pass


def valid_hero_name(raw: object) -> str:
    """Return the hero name with surrounding spaces removed, or raise InvalidHeroName saying why.

    The name becomes a folder name in the gallery, so path separators, control characters and
    names that start with a dot are rejected.
    """
    if not isinstance(raw, str):
        raise InvalidHeroName(f"hero must be a string, got {type(raw).__name__}")
    name = raw.strip()
    if not name:
        raise InvalidHeroName("hero must not be empty")
    if len(name) > MAX_HERO_NAME:
        raise InvalidHeroName(f"hero must be at most {MAX_HERO_NAME} characters, got {len(name)}")
    if name.startswith("."):
        raise InvalidHeroName(f"hero must not start with a dot, got {name!r}")
    for character in name:
        if character in "/\\" or unicodedata.category(character).startswith("C"):
            raise InvalidHeroName(f"hero must not contain {character!r}; use letters, digits, spaces, . ' -")
    return name


def parse_row(raw: str) -> tuple[str, int]:
    """Parse a row written as TEAM:SLOT, for example "ally:3" or "enemy:5"."""
    team, _, slot = raw.partition(":")
    if team not in TEAMS or not slot.isdigit() or int(slot) not in SLOTS:
        raise ValueError(f"row must be ally:1 to ally:5 or enemy:1 to enemy:5, got {raw!r}")
    return team, int(slot)


def unmatched_row(team: str, slot: int, candidates: list[tuple[str, float]]) -> str:
    """Describe a row that matched no gallery hero, with its closest heroes and their scores."""
    closest = ", ".join(f"{name} {score:.2f}" for name, score in candidates)
    return f"{team} slot {slot} (closest: {closest})"


def unmatched_warning(threshold: float, rows: list[str]) -> str:
    """Build the one warning that lists every `unmatched_row` of a result."""
    return f"{UNMATCHED_PREFIX}{threshold:.2f}: " + "; ".join(rows)
