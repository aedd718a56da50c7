"""Match header parsing: result title, team scores, duration, battle id, and which view is shown."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from workers.pipeline.ocr import OcrLine

RESULT_WORDS = {"VICTORY": "victory", "DEFEAT": "defeat"}
DAMAGE_WORDS = ("hero", "damage", "turret", "taken", "teamfight", "participation")
MIN_WORD_SIMILARITY = 0.7
MIN_BATTLE_ID_DIGITS = 10
# A label read with a digits-only allowlist turns into at most this many spurious digits.
MAX_LABEL_DIGITS = 4


@dataclass(frozen=True)
class Reading:
    """One header box read twice: as free text and with a digits-only allowlist."""

    free: OcrLine
    digits: OcrLine

    @property
    def centre(self) -> tuple[float, float]:
        box = self.free.box
        return (box.x0 + box.x1) / 2, (box.y0 + box.y1) / 2


def similarity(a: str, b: str) -> float:
    return difflib.SequenceMatcher(None, a.lower(), b.lower()).ratio()


def find_result(readings: list[Reading]) -> tuple[str | None, Reading | None]:
    best: tuple[float, str, Reading] | None = None
    for reading in readings:
        word = re.sub(r"[^A-Za-z]", "", reading.free.text).upper()
        for title, result in RESULT_WORDS.items():
            score = similarity(word, title)
            if score >= MIN_WORD_SIMILARITY and (best is None or score > best[0]):
                best = (score, result, reading)
    if best is None:
        return None, None
    return best[1], best[2]


def find_scores(readings: list[Reading], title: Reading | None, mid: float) -> tuple[int | None, int | None]:
    """Return (ally, enemy): the numbers nearest left and right of the title, on the title's line."""
    centre_x = title.centre[0] if title is not None else mid
    line_box = title.free.box if title is not None else None
    left: tuple[float, int] | None = None
    right: tuple[float, int] | None = None
    for reading in readings:
        if reading is title or not re.fullmatch(r"\d{1,3}", reading.digits.text):
            continue
        x, y = reading.centre
        if line_box is not None and not line_box.y0 - line_box.height <= y <= line_box.y1 + line_box.height:
            continue
        value = int(reading.digits.text)
        distance = abs(x - centre_x)
        if x < centre_x and (left is None or distance < left[0]):
            left = (distance, value)
        elif x > centre_x and (right is None or distance < right[0]):
            right = (distance, value)
    return (left[1] if left else None), (right[1] if right else None)


def parse_duration(text: str) -> int | None:
    """Parse "MM:SS" as seconds; OCR often reads the colon as "." or drops it."""
    digits = re.sub(r"\D", "", text)
    if not 3 <= len(digits) <= 4:
        return None
    minutes, seconds = int(digits[:-2]), int(digits[-2:])
    if seconds >= 60:
        return None
    return minutes * 60 + seconds


def find_duration(readings: list[Reading]) -> int | None:
    label = next((r for r in readings if "duration" in r.free.text.lower().replace(" ", "")), None)
    if label is None:
        return None
    inline = parse_duration(label.free.text.lower().split("duration", 1)[1])
    if inline is not None:
        return inline
    _, label_y = label.centre
    candidates = [
        r for r in readings
        if r is not label and r.free.box.x0 >= label.free.box.x1 - 4
        and abs(r.centre[1] - label_y) < label.free.box.height
    ]
    candidates.sort(key=lambda r: r.free.box.x0)
    for reading in candidates:
        value = parse_duration(reading.digits.text)
        if value is not None:
            return value
    return None


def _battle_digits(reading: Reading) -> str:
    """Digits of a battle id box, without those a digits-only read makes of a "BattleID" label in it."""
    digits = re.sub(r"\D", "", reading.digits.text)
    label = re.match(r"\s*[A-Za-z]{4,}", reading.free.text)
    if label is None:
        return digits
    after_label = len(re.sub(r"\s", "", reading.free.text[label.end():]))
    if after_label >= MIN_BATTLE_ID_DIGITS and 0 < len(digits) - after_label <= MAX_LABEL_DIGITS:
        return digits[-after_label:]
    return digits


def find_battle_id(readings: list[Reading]) -> str | None:
    best = ""
    for reading in readings:
        digits = _battle_digits(reading)
        if len(digits) >= MIN_BATTLE_ID_DIGITS and len(digits) > len(best):
            best = digits
    return best or None


def is_damage_view(readings: list[Reading]) -> bool:
    words = {word for r in readings for word in re.findall(r"[a-z]+", r.free.text.lower())}
    hits = sum(1 for label in DAMAGE_WORDS if any(similarity(word, label) >= 0.8 for word in words))
    return hits >= 2
