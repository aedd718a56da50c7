"""Table cells: what to read where, and how to turn the OCR text of a cell into a value."""

from __future__ import annotations

import re
from dataclasses import dataclass

from workers.pipeline.layout import Box
from workers.pipeline.ocr import DIGITS

TEAMS = ("ally", "enemy")
NUMBER = DIGITS
DECIMAL = DIGITS + "."
PERCENT = DIGITS + "%"


@dataclass(frozen=True)
class CellRequest:
    """A crop to recognize: `key` is (team, slot, field), `allowlist` None for free text.

    `source` names the image the crop is cut from: "grey" (the screenshot) or "white"
    (only the pure white pixels, which hides badge art behind rating digits).
    """

    key: tuple[str, int, str]
    box: Box
    allowlist: str | None
    source: str = "grey"


def parse_int(text: str | None, low: int, high: int) -> int | None:
    """Parse a whole cell as an integer in [low, high], or return None for any other text."""
    if text is None:
        return None
    digits = re.sub(r"[\s,]", "", text)
    if not re.fullmatch(r"\d+", digits):
        return None
    value = int(digits)
    return value if low <= value <= high else None


def parse_percent(text: str | None) -> int | None:
    """Parse "37%" (the % sign is optional, OCR may drop it) as 37."""
    if text is None:
        return None
    digits = text.strip().rstrip("%").strip()
    return parse_int(digits, 0, 100)


def parse_rating(text: str | None) -> float | None:
    """Parse a rating shown with exactly one decimal ("9.8", "10.4"); a missing dot is restored."""
    if text is None:
        return None
    digits = re.sub(r"\D", "", text)
    if not 2 <= len(digits) <= 3:
        return None
    value = float(f"{digits[:-1]}.{digits[-1]}")
    return value if 0.0 <= value <= 20.0 else None


def clean_name(text: str | None) -> str | None:
    """Drop a lone symbol that OCR made of the gender icon at either end of a name ("Dorian @")."""
    if text is None:
        return None
    name = re.sub(r"^[^\w\s]\s+|\s+[^\w\s]$", "", text.strip())
    return name or None
