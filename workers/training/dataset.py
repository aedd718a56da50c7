"""A YOLO dataset folder (images, labels, data.yaml) built from synthetic screens."""

from __future__ import annotations

import logging
import random
from pathlib import Path
from typing import Any

from PIL import Image

from workers.training.augment import augment
from workers.training.synthetic import CLASSES, VIEWS, render_screen
from workers.training.values import sample_match

logger = logging.getLogger(__name__)

# Long side of stored images in pixels. Training runs at 640 px or less, so larger files
# only cost disk space and decode time.
STORED_LONG_SIDE = 960


def yolo_lines(boxes: list[dict[str, Any]], width: int, height: int) -> list[str]:
    lines = []
    for item in boxes:
        x0, y0, x1, y1 = item["box"]
        x0, x1 = max(0, x0), min(width, x1)
        y0, y1 = max(0, y0), min(height, y1)
        cx, cy = (x0 + x1) / 2 / width, (y0 + y1) / 2 / height
        w, h = (x1 - x0) / width, (y1 - y0) / height
        lines.append(f"{CLASSES.index(item['label'])} {cx:.6f} {cy:.6f} {w:.6f} {h:.6f}")
    return lines


def shrink(image: Image.Image) -> Image.Image:
    scale = STORED_LONG_SIDE / max(image.size)
    if scale >= 1:
        return image
    size = (round(image.width * scale), round(image.height * scale))
    return image.resize(size, Image.Resampling.BILINEAR)


def write_example(root: Path, split: str, seed: int, view: str, match: dict[str, Any]) -> None:
    image, _, boxes = render_screen(seed, view, match=match)
    if seed % 5:
        image, boxes = augment(image, random.Random(f"augment:{seed}:{view}"), boxes)
    image = image.convert("RGB")
    width, height = image.size
    name = f"{seed:05d}-{view}"
    shrink(image).save(root / "images" / split / f"{name}.jpg", quality=92)
    (root / "labels" / split / f"{name}.txt").write_text("\n".join(yolo_lines(boxes, width, height)) + "\n")


def build_dataset(root: Path, matches: int, val_matches: int, seed: int = 0) -> Path:
    """Render both views of `matches` + `val_matches` matches under `root` and return the data.yaml path.

    One screen in five is kept at the reference resolution without augmentation.
    """
    for split in ("train", "val"):
        (root / "images" / split).mkdir(parents=True, exist_ok=True)
        (root / "labels" / split).mkdir(parents=True, exist_ok=True)
    for index in range(matches + val_matches):
        split = "train" if index < matches else "val"
        match_seed = seed * 100_000 + index
        match = sample_match(random.Random(match_seed))
        for view in VIEWS:
            write_example(root, split, match_seed, view, match)
    names = "\n".join(f"  {index}: {label}" for index, label in enumerate(CLASSES))
    data_yaml = root / "data.yaml"
    data_yaml.write_text(f"path: {root}\ntrain: images/train\nval: images/val\nnames:\n{names}\n")
    logger.info("built %d training and %d validation screens in %s", 2 * matches, 2 * val_matches, root)
    return data_yaml
