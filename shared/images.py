"""Upload validation and decoding of screenshots (Pillow only, no model stack)."""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

MIN_SIDE = 64
ACCEPTED = "PNG, JPEG or WebP"


class ImageRejected(ValueError):
    """An upload that cannot be analysed; `status` is the HTTP status of the error response."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail


@dataclass(frozen=True)
class ImageInfo:
    format: str
    width: int
    height: int


def sniff_format(data: bytes) -> str | None:
    """Return "png", "jpeg" or "webp" from the file's magic bytes, or None."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    return None


def _describe(data: bytes) -> str:
    if not data:
        return "an empty file"
    head = data[:64].lstrip().lower()
    if head.startswith((b"<svg", b"<?xml")):
        return "an SVG or XML document"
    if head.startswith((b"<!doctype", b"<html")):
        return "an HTML document"
    if data.startswith((b"GIF87a", b"GIF89a")):
        return "a GIF image"
    if data.startswith((b"II*\x00", b"MM\x00*")):
        return "a TIFF image"
    return "an unrecognised file type"


def open_image(data: bytes, *, max_pixels: int) -> Image.Image:
    """Open and fully decode an upload, enforcing type, pixel limit and minimum size.

    Raises ImageRejected with 415 for a type other than PNG, JPEG or WebP and
    422 for an image that is too large, too small or cannot be decoded.
    """
    kind = sniff_format(data)
    if kind is None:
        raise ImageRejected(415, f"Expected a {ACCEPTED} screenshot, got {_describe(data)}")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=[kind.upper()])
            width, height = image.size
            if width * height > max_pixels:
                raise ImageRejected(
                    422,
                    f"Image is {width}x{height} = {width * height} pixels; the limit is {max_pixels}",
                )
            image.load()
    except ImageRejected:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        # Pillow stops at its own limit before the size is known here; name the configured one.
        raise ImageRejected(422, f"Image has more pixels than the limit of {max_pixels}") from None
    except UnidentifiedImageError:
        # Pillow's message names the in-memory buffer, which means nothing to the client.
        raise ImageRejected(
            422, f"The {kind.upper()} file could not be decoded: its header is invalid or damaged"
        ) from None
    except (OSError, SyntaxError, ValueError, Warning) as exc:
        raise ImageRejected(422, f"The {kind.upper()} file could not be decoded: {exc}") from None
    if min(width, height) < MIN_SIDE:
        raise ImageRejected(
            422, f"Image is {width}x{height}; a screenshot must be at least {MIN_SIDE} pixels on each side"
        )
    return image


def inspect_upload(data: bytes, *, max_pixels: int) -> ImageInfo:
    image = open_image(data, max_pixels=max_pixels)
    fmt = (image.format or "").lower()
    width, height = ImageOps.exif_transpose(image).size if fmt == "jpeg" else image.size
    return ImageInfo(format=fmt, width=width, height=height)


def decode_rgb(data: bytes, *, max_pixels: int) -> np.ndarray:
    """Decode an upload to an RGB uint8 array of shape (height, width, 3), EXIF rotation applied."""
    image = open_image(data, max_pixels=max_pixels)
    image = ImageOps.exif_transpose(image)
    if image.mode == "I;16" or image.mode.startswith("I"):
        image = image.point(lambda value: value / 256).convert("L")
    return np.asarray(image.convert("RGB"), dtype=np.uint8)
