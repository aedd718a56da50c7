"""Photometric and resolution changes that make synthetic screens look like real uploads."""

from __future__ import annotations

import io
import random
from typing import Any

from PIL import Image, ImageEnhance, ImageFilter

# Screenshot sizes of common phones, chosen by hand. A screen is stretched to one or letterboxed in it.
RESOLUTIONS = ((2532, 1170), (1920, 886), (1280, 591), (2400, 1080), (1600, 720), (2340, 1080), (1792, 828))


def resize_or_pad(
    image: Image.Image, rng: random.Random, size: tuple[int, int]
) -> tuple[Image.Image, float, float, int, int]:
    """Fit `image` into `size`, either stretched or letterboxed, and return it with scale and offset."""
    width, height = size
    if rng.random() < 0.5:
        sx, sy = width / image.width, height / image.height
        return image.resize(size, Image.Resampling.BILINEAR), sx, sy, 0, 0
    scale = min(width / image.width, height / image.height)
    inner = (round(image.width * scale), round(image.height * scale))
    canvas = Image.new("RGB", size, (rng.randint(0, 30),) * 3)
    dx, dy = (width - inner[0]) // 2, (height - inner[1]) // 2
    canvas.paste(image.resize(inner, Image.Resampling.BILINEAR), (dx, dy))
    return canvas, scale, scale, dx, dy


def jitter_colors(image: Image.Image, rng: random.Random) -> Image.Image:
    image = ImageEnhance.Brightness(image).enhance(rng.uniform(0.8, 1.2))
    image = ImageEnhance.Contrast(image).enhance(rng.uniform(0.8, 1.2))
    return ImageEnhance.Color(image).enhance(rng.uniform(0.75, 1.25))


def reencode_jpeg(image: Image.Image, rng: random.Random) -> Image.Image:
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=rng.randint(35, 95))
    buffer.seek(0)
    return Image.open(buffer).convert("RGB")


def augment(
    image: Image.Image, rng: random.Random, boxes: list[dict[str, Any]] | None = None
) -> tuple[Image.Image, list[dict[str, Any]]]:
    """Rescale or letterbox to a phone resolution, jitter colours, blur and JPEG re-encode.

    `boxes` (as returned by `render_screen`) are moved with the image and returned.
    """
    size = rng.choice(RESOLUTIONS)
    if rng.random() < 0.2:
        size = (size[0], round(size[1] * rng.uniform(1.0, 1.3)))
    image, sx, sy, dx, dy = resize_or_pad(image.convert("RGB"), rng, size)
    image = jitter_colors(image, rng)
    if rng.random() < 0.5:
        image = image.filter(ImageFilter.GaussianBlur(rng.uniform(0.3, 1.5)))
    if rng.random() < 0.7:
        image = reencode_jpeg(image, rng)
    moved = [
        {
            "label": item["label"],
            "box": [round(x0 * sx + dx), round(y0 * sy + dy), round(x1 * sx + dx), round(y1 * sy + dy)],
        }
        for item in boxes or []
        for x0, y0, x1, y1 in [item["box"]]
    ]
    return image, moved
