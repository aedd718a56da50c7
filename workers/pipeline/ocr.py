"""Text reading with EasyOCR on small crops: ink masks, tight boxes, CRAFT detection, batched recognition."""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np
from easyocr import Reader
from easyocr.recognition import get_text
from easyocr.utils import get_image_list

from workers.pipeline.batching import MicroBatcher, Runner
from workers.pipeline.layout import Box

DIGITS = "0123456789"
MODEL_HEIGHT = 64
WHITE_LEVEL = 120
# Crops are padded to the widest one in a batch, so crops are grouped by width before recognition.
WIDTH_BUCKET_PX = 256


@dataclass(frozen=True)
class _Recognition:
    """Crops of one image with one width bucket and allowlist, as EasyOCR's `get_image_list` made them."""

    image_list: list[Any]
    max_width: int
    ignore: str


@dataclass(frozen=True)
class OcrLine:
    """One recognized piece of text with its box in pixels of the image it was read from."""

    text: str
    box: Box
    confidence: float

    def as_dict(self) -> dict[str, object]:
        return {"text": self.text, "box": self.box.as_list(), "confidence": round(self.confidence, 4)}


def ink_mask(rgb: np.ndarray, yellow: bool = True) -> np.ndarray:
    """Mark white and light grey text pixels, plus the yellow of squad tags when `yellow` is set."""
    pixels = rgb.astype(np.int16)
    mask = pixels.min(axis=2) > WHITE_LEVEL
    if yellow:
        red, green, blue = pixels[..., 0], pixels[..., 1], pixels[..., 2]
        mask |= (red > 170) & (green > 130) & (blue < 130) & (red - blue > 80)
    return mask


def ink_box(mask: np.ndarray, cell: Box, min_pixels: int = 6) -> Box | None:
    """Return the bounding box of the ink inside `cell` (mask is full-image), with a small margin."""
    part = mask[cell.y0:cell.y1, cell.x0:cell.x1]
    if int(part.sum()) < min_pixels:
        return None
    rows = np.flatnonzero(part.any(axis=1))
    cols = np.flatnonzero(part.any(axis=0))
    height = int(rows[-1] - rows[0] + 1)
    margin = max(2, height // 5)
    box = Box(cell.x0 + int(cols[0]) - margin, cell.y0 + int(rows[0]) - margin,
              cell.x0 + int(cols[-1]) + 1 + margin, cell.y0 + int(rows[-1]) + 1 + margin)
    return Box(max(box.x0, 0), max(box.y0, 0), min(box.x1, mask.shape[1]), min(box.y1, mask.shape[0]))


class TextReader:
    """EasyOCR detection and batched recognition on parts of one image.

    With a `batcher`, every model call goes through its model thread, where the calls of other
    images analysed at the same time join the same batch.
    """

    def __init__(self, reader: Reader, batch_size: int = 16, batcher: MicroBatcher | None = None) -> None:
        self.reader = reader
        self.batch_size = batch_size
        self.batcher = batcher

    def runners(self) -> dict[str, Runner]:
        """Functions that run grouped calls in a `MicroBatcher`'s model thread."""
        return {"craft": self._craft_many, "recognize": self._recognize_many}

    def detect(self, rgb: np.ndarray, area: Box, scale: float) -> list[Box]:
        """Find text boxes with CRAFT in `area`, run on a copy downscaled by `scale`."""
        crop = rgb[area.y0:area.y1, area.x0:area.x1]
        if crop.size == 0:
            return []
        small = cv2.resize(crop, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
        if self.batcher is not None:
            found = self.batcher.call("craft", None, small)
        else:
            found = self._craft(small)
        boxes = []
        for x_min, x_max, y_min, y_max in found:
            box = Box(area.x0 + int(x_min / scale), area.y0 + int(y_min / scale),
                      area.x0 + int(np.ceil(x_max / scale)), area.y0 + int(np.ceil(y_max / scale)))
            boxes.append(Box(max(box.x0, area.x0), max(box.y0, area.y0),
                             min(box.x1, area.x1), min(box.y1, area.y1)))
        return [box for box in boxes if box.width > 1 and box.height > 1]

    def read(self, grey: np.ndarray, boxes: list[Box], allowlist: str | None = None) -> list[OcrLine]:
        """Recognize each box; the result keeps the order of `boxes`."""
        ignore = self._ignored_characters(allowlist)
        results: dict[int, OcrLine] = {}
        for bucket, group in self._width_groups(boxes).items():
            crops = [[b.x0, b.x1, b.y0, b.y1] for b in (boxes[i] for i in group)]
            image_list, max_width = get_image_list(
                crops, [], grey, model_height=MODEL_HEIGHT, sort_output=False
            )
            if len(image_list) != len(group):
                raise RuntimeError(f"expected {len(group)} crops from EasyOCR, got {len(image_list)}")
            request = _Recognition(image_list, int(max_width), ignore)
            if self.batcher is not None:
                lines = self.batcher.call("recognize", (allowlist, bucket), request)
            else:
                lines = self._recognize_many([request])[0]
            for index, (text, confidence) in zip(group, lines, strict=True):
                results[index] = OcrLine(text.strip(), boxes[index], float(confidence))
        return [results[i] for i in range(len(boxes))]

    def _craft(self, small: np.ndarray) -> list[list[int]]:
        horizontal, _free = self.reader.detect(
            small, min_size=4, text_threshold=0.6, low_text=0.35, width_ths=0.3,
            add_margin=0.08, canvas_size=max(small.shape[:2]) + 32,
        )
        found: list[list[int]] = horizontal[0]
        return found

    def _craft_many(self, images: list[np.ndarray]) -> list[list[list[int]]]:
        # CRAFT runs on one canvas per call, and crops of other images differ in size, so each runs alone.
        return [self._craft(image) for image in images]

    def _recognize_many(self, requests: list[_Recognition]) -> list[list[tuple[str, float]]]:
        """Recognize the crops of several requests with one padded width, then split them per request."""
        image_list = [item for request in requests for item in request.image_list]
        width = max(request.max_width for request in requests)
        with warnings.catch_warnings():
            # EasyOCR 1.7.2 always requests pinned memory from its DataLoader, which only matters on CUDA.
            warnings.filterwarnings("ignore", message=".*pin_memory.*", category=UserWarning)
            lines = get_text(
                self.reader.character, MODEL_HEIGHT, width, self.reader.recognizer,
                self.reader.converter, image_list, requests[0].ignore, "greedy", 5,
                self.batch_size * len(requests), 0.1, 0.5, 0.003, 0, self.reader.device,
            )
        outputs = []
        start = 0
        for request in requests:
            part = lines[start:start + len(request.image_list)]
            outputs.append([(text, float(confidence)) for _box, text, confidence in part])
            start += len(request.image_list)
        return outputs

    def _ignored_characters(self, allowlist: str | None) -> str:
        if allowlist is None:
            return "".join(set(self.reader.character) - set(self.reader.lang_char))
        return "".join(set(self.reader.character) - set(allowlist))

    @staticmethod
    def _width_groups(boxes: list[Box]) -> dict[int, list[int]]:
        groups: dict[int, list[int]] = {}
        for index, box in enumerate(boxes):
            ratio_width = box.width * MODEL_HEIGHT / max(box.height, 1)
            groups.setdefault(int(ratio_width // WIDTH_BUCKET_PX), []).append(index)
        return groups

