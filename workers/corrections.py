"""The `add_hero_portrait` job: crop a corrected row's portrait from a job's screenshot into the gallery.

In a deployment with several worker hosts, the gallery folder must be shared storage (a network
volume), because any worker may run this job and every worker reloads the gallery when the
folder changes.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Any

from shared.heroes import valid_hero_name
from shared.images import ImageRejected, decode_rgb
from shared.jobstore import JobStore
from shared.settings import Settings
from workers.pipeline.gallery import save_portrait
from workers.pipeline.portraits import RowNotFound, crop_portrait, locate_screen

logger = logging.getLogger(__name__)


async def add_hero_portrait(ctx: dict[str, Any], job_id: str, team: str, slot: int, hero: str) -> None:
    settings: Settings = ctx["settings"]
    store: JobStore = ctx["store"]
    folder = settings.hero_gallery
    if not settings.hero_corrections or folder is None:
        logger.warning("job %s: hero correction for %s slot %d not added: this worker has %s",
                       job_id, team, slot, "no hero gallery" if folder is None else "corrections turned off")
        return

    data = await store.image(job_id)
    if data is None:
        logger.warning("job %s: hero correction for %s slot %d not added: the screenshot expired",
                       job_id, team, slot)
        return
    loop = asyncio.get_running_loop()
    try:
        path = await loop.run_in_executor(
            ctx["executor"], _crop_and_save, data, settings, folder, team, slot, hero
        )
    except (ImageRejected, RowNotFound, ValueError) as exc:
        logger.warning("job %s: hero correction for %s slot %d not added: %s", job_id, team, slot, exc)
        return
    logger.info("job %s: added %s slot %d as hero %r to the gallery: %s", job_id, team, slot, hero, path)


def _crop_and_save(data: bytes, settings: Settings, folder: Path, team: str, slot: int, hero: str) -> Path:
    screen = locate_screen(decode_rgb(data, max_pixels=settings.max_image_pixels))
    portrait = crop_portrait(screen.image, screen.layout, team, slot)
    # Every worker's gallery, this one's included, reloads when it sees the folder change.
    return save_portrait(folder, valid_hero_name(hero), portrait)
