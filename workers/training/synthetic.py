"""Synthetic post-match screens with their truth and detector boxes.

Run `python -m workers.training.synthetic OUT_DIR --count N --seed S` to write
PNG screens, each with a truth JSON that has the schema of the real samples'
truth.json entries and a `boxes` list for the detector.
"""

from __future__ import annotations

import argparse
import json
import logging
import random
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw

from workers.training import layout, painter
from workers.training.damage_view import draw_damage_row, draw_headings
from workers.training.layout import Box
from workers.training.scoreboard_view import draw_scoreboard_row
from workers.training.values import sample_match, truth_for

logger = logging.getLogger(__name__)

VIEWS = ("scoreboard", "damage")
CLASSES = (
    "player_row",
    "own_row",
    "portrait",
    "medal_mvp",
    "medal_gold",
    "medal_silver",
    "medal_bronze",
    "header",
    "battle_id",
)
FOOTER_BUTTON = {"scoreboard": "Data", "damage": "Equipment"}


def draw_rows(
    image: Image.Image,
    draw: ImageDraw.ImageDraw,
    rng: random.Random,
    view: str,
    players: list[dict[str, Any]],
) -> list[tuple[str, Box]]:
    labelled: list[tuple[str, Box]] = []
    by_position = {(player["team"], player["slot"]): player for player in players}
    for slot in layout.all_slots():
        player = by_position[(slot.team, slot.index + 1)]
        painter.draw_row_background(draw, slot, own=player["is_you"])
        labelled.append(("player_row", slot.row_box))
        if player["is_you"]:
            labelled.append(("own_row", slot.row_box))
        painter.draw_portrait(image, draw, rng, slot, player["level"])
        labelled.append(("portrait", slot.portrait_box))
        draw_row = draw_scoreboard_row if view == "scoreboard" else draw_damage_row
        labelled += draw_row(draw, rng, slot, player)
    return labelled


def scale_boxes(labelled: list[tuple[str, Box]], sx: float, sy: float) -> list[dict[str, Any]]:
    return [
        {"label": label, "box": [round(x0 * sx), round(y0 * sy), round(x1 * sx), round(y1 * sy)]}
        for label, (x0, y0, x1, y1) in labelled
    ]


def render_screen(
    seed: int,
    view: str,
    width: int = layout.WIDTH,
    height: int = layout.HEIGHT,
    match: dict[str, Any] | None = None,
) -> tuple[Image.Image, dict[str, Any], list[dict[str, Any]]]:
    """Render one screen of `view` and return the image, its truth entry and its labelled boxes.

    The same seed always gives the same image. Pass `match` (from `values.sample_match`) to render
    both views of one match; otherwise the match is sampled from the seed.
    """
    if view not in VIEWS:
        raise ValueError(f"view must be one of {VIEWS}, got {view!r}")
    rng = random.Random(f"{seed}:{view}")
    if match is None:
        match = sample_match(random.Random(seed))
    truth = truth_for(match, view)

    image = painter.background(rng)
    draw = ImageDraw.Draw(image)
    header = painter.draw_header(draw, rng, match["result"], match["score"])
    painter.draw_duration(draw, match["duration_s"])
    painter.draw_team_bars(draw, rng)
    if view == "damage":
        draw_headings(draw)
    labelled = [("header", header), *draw_rows(image, draw, rng, view, match["players"])]
    labelled.append(("battle_id", painter.draw_footer(draw, match["battle_id"], FOOTER_BUTTON[view])))

    if (width, height) != (layout.WIDTH, layout.HEIGHT):
        image = image.resize((width, height), Image.Resampling.LANCZOS)
    return image, truth, scale_boxes(labelled, width / layout.WIDTH, height / layout.HEIGHT)


def write_samples(out_dir: Path, count: int, seed: int) -> list[Path]:
    """Write `count` screens, alternating views, as NAME.png with NAME.json beside each."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for i in range(count):
        view = VIEWS[i % 2]
        image, truth, boxes = render_screen(seed + i // 2, view)
        name = f"synthetic-{seed + i // 2:06d}-{view}"
        image.save(out_dir / f"{name}.png")
        record = {**truth, "boxes": boxes}
        (out_dir / f"{name}.json").write_text(json.dumps(record, ensure_ascii=False, indent=1))
        written.append(out_dir / f"{name}.png")
    return written


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Write synthetic post-match screens with truth JSON.")
    parser.add_argument("out_dir", type=Path, help="folder for the PNG and JSON files")
    parser.add_argument("--count", type=int, default=10, help="number of screens (views alternate)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the first match")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    written = write_samples(args.out_dir, args.count, args.seed)
    logger.info("wrote %d screens to %s", len(written), args.out_dir)


if __name__ == "__main__":
    main()
