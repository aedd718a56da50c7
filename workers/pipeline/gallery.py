"""The hero gallery folder: labelled portrait images, loaded into a HeroIndex and reloaded on change.

An image directly in the folder is named after its hero, with an optional `-N` or `_N` suffix
(`Layla.png`, `Layla-2.jpg`). An image in a subfolder belongs to the hero the subfolder is named
after (`Layla/3f2a91c0.png`), which is where `skillshift heroes add` and dashboard corrections
write.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from shared.heroes import valid_hero_name
from workers.pipeline.heroes import HeroIndex, HeroMatch, portrait_descriptor

logger = logging.getLogger(__name__)

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".webp"}
NUMBER_SUFFIX = re.compile(r"[-_]\d+$")


@dataclass(frozen=True)
class GalleryImage:
    hero: str
    path: Path


def hero_of(path: Path, folder: Path) -> str:
    """Return the hero an image belongs to: its subfolder's name, else its file name without a number."""
    if path.parent != folder:
        return path.parent.name
    return NUMBER_SUFFIX.sub("", path.stem)


def scan(folder: Path) -> list[GalleryImage]:
    """List the gallery's images, sorted by path, skipping hidden files and deeper folders."""
    images = []
    for entry in sorted(_entries(folder)):
        if entry.suffix.lower() in IMAGE_SUFFIXES and not entry.name.startswith("."):
            images.append(GalleryImage(hero_of(entry, folder), entry))
    return images


def _entries(folder: Path) -> list[Path]:
    paths = []
    for entry in folder.iterdir():
        if entry.name.startswith("."):
            continue
        if entry.is_dir():
            paths += [child for child in entry.iterdir() if child.is_file()]
        elif entry.is_file():
            paths.append(entry)
    return paths


def stamp(folder: Path) -> tuple[tuple[str, int], ...]:
    """Return the modification times of the folder and its subfolders, which change when images come or go."""
    directories = [folder] + [entry for entry in folder.iterdir() if entry.is_dir()]
    return tuple(sorted((str(path), path.stat().st_mtime_ns) for path in directories))


def read_rgb(path: Path) -> np.ndarray | None:
    image = cv2.imread(str(path), cv2.IMREAD_COLOR)
    return None if image is None else cv2.cvtColor(image, cv2.COLOR_BGR2RGB)


def load_index(folder: Path) -> HeroIndex:
    """Read every gallery image and return their descriptors. Unreadable files are logged and skipped."""
    heroes: list[str] = []
    descriptors: list[np.ndarray] = []
    for image in scan(folder):
        rgb = read_rgb(image.path)
        if rgb is None:
            logger.warning("hero gallery: skipped %s, it is not a readable image", image.path)
            continue
        heroes.append(image.hero)
        descriptors.append(portrait_descriptor(rgb))
    if not descriptors:
        return HeroIndex.empty()
    return HeroIndex(heroes, np.stack(descriptors))


def save_portrait(folder: Path, hero: str, portrait: np.ndarray) -> Path:
    """Write an RGB portrait as `<folder>/<hero>/<digest>.png` and return its path.

    The file name is a digest of the PNG bytes, so adding the same portrait twice keeps one file.
    The file is written under a temporary name and renamed, so a worker that reloads the gallery
    meanwhile never reads half an image.
    """
    name = valid_hero_name(hero)
    ok, encoded = cv2.imencode(".png", cv2.cvtColor(portrait, cv2.COLOR_RGB2BGR))
    if not ok:
        raise ValueError(f"portrait of shape {portrait.shape} could not be encoded as PNG")
    data = encoded.tobytes()
    directory = folder / name
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / f"{hashlib.sha256(data).hexdigest()[:16]}.png"
    temporary = directory / f".{target.name}.{os.getpid()}.tmp"
    temporary.write_bytes(data)
    temporary.replace(target)
    return target


class HeroGallery:
    """A gallery folder's index, loaded once and reloaded when the folder changes."""

    def __init__(self, folder: Path, threshold: float) -> None:
        if not folder.is_dir():
            raise FileNotFoundError(f"hero gallery {folder} is not a folder; create it or unset the setting")
        self.folder = folder
        self.threshold = threshold
        self._stamp: tuple[tuple[str, int], ...] = ()
        self.index = HeroIndex.empty()
        self.loaded = ""
        self._lock = threading.Lock()
        self.refresh()

    def refresh(self) -> bool:
        """Reload the index when images were added or removed since the last load; return whether it did."""
        with self._lock:
            current = stamp(self.folder)
            if current == self._stamp:
                return False
            started = time.perf_counter()
            self.index = load_index(self.folder)
            self._stamp = current
        elapsed = time.perf_counter() - started
        self.loaded = (
            f"hero gallery {self.folder}: {len(self.index)} images of {len(self.index.names)} heroes "
            f"in {elapsed:.2f} s"
        )
        logger.info("loaded %s", self.loaded)
        return True

    def match(self, portrait: np.ndarray) -> HeroMatch:
        return self.index.match(portrait, self.threshold)
