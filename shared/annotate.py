"""The screenshot with the analysis drawn over it: detections and OCR lines."""

from __future__ import annotations

import io
from typing import Any

from PIL import ImageDraw

from shared.images import open_image

DETECTION_COLOUR = (64, 220, 120)
TEXT_COLOUR = (255, 200, 40)


def render_annotated(data: bytes, result: dict[str, Any], *, max_pixels: int) -> bytes:
    image = open_image(data, max_pixels=max_pixels).convert("RGB")
    draw = ImageDraw.Draw(image)
    width = max(2, image.width // 600)

    for detection in result.get("detections") or []:
        box = _box(detection.get("box"))
        if box is None:
            continue
        draw.rectangle(box, outline=DETECTION_COLOUR, width=width)
        label = f"{detection.get('label', '')} {float(detection.get('confidence') or 0):.2f}"
        draw.text((box[0] + width, box[1] + width), label, fill=DETECTION_COLOUR)

    for line in result.get("text") or []:
        box = _box(line.get("box"))
        if box is not None:
            draw.rectangle(box, outline=TEXT_COLOUR, width=max(1, width // 2))

    output = io.BytesIO()
    image.save(output, format="PNG", optimize=False, compress_level=3)
    return output.getvalue()


def _box(value: Any) -> tuple[int, int, int, int] | None:
    if not isinstance(value, list | tuple) or len(value) != 4:
        return None
    try:
        x0, y0, x1, y1 = (int(v) for v in value)
    except (TypeError, ValueError):
        return None
    if x1 <= x0 or y1 <= y0:
        return None
    return x0, y0, x1, y1
