"""The `skillshift heroes` commands: build and inspect the hero gallery from screenshots you own."""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

from shared.heroes import InvalidHeroName, parse_row, valid_hero_name
from shared.images import ImageRejected, decode_rgb
from shared.settings import Settings


def _gallery_folder(args: argparse.Namespace) -> Path:
    folder: Path | None = args.gallery or Settings.from_env().hero_gallery
    if folder is None:
        raise SystemExit("no hero gallery: pass --gallery DIR or set SKILLSHIFT_HERO_GALLERY")
    return folder


def add_command(args: argparse.Namespace) -> int:
    from workers.pipeline.gallery import save_portrait
    from workers.pipeline.portraits import RowNotFound, crop_portrait, locate_screen

    folder = _gallery_folder(args)
    try:
        team, slot = parse_row(args.row)
        hero = valid_hero_name(args.hero)
    except (ValueError, InvalidHeroName) as exc:
        print(f"skillshift heroes add: {exc}", file=sys.stderr)
        return 2
    try:
        rgb = decode_rgb(args.screenshot.read_bytes(), max_pixels=Settings.from_env().max_image_pixels)
        screen = locate_screen(rgb)
    except (OSError, ImageRejected, RowNotFound) as exc:
        print(f"{args.screenshot}: {exc}", file=sys.stderr)
        return 1
    folder.mkdir(parents=True, exist_ok=True)
    path = save_portrait(folder, hero, crop_portrait(screen.image, screen.layout, team, slot))
    print(f"added {team} slot {slot} of {args.screenshot} as {hero!r}: {path}")
    return 0


def list_command(args: argparse.Namespace) -> int:
    from workers.pipeline.gallery import scan

    folder = _gallery_folder(args)
    if not folder.is_dir():
        print(f"hero gallery {folder} does not exist; add a portrait to create it", file=sys.stderr)
        return 1
    counts = Counter(image.hero for image in scan(folder))
    for hero, count in sorted(counts.items(), key=lambda item: item[0].lower()):
        print(f"{hero}\t{count}")
    images, heroes = sum(counts.values()), len(counts)
    print(f"{_count(images, 'image')} of {_count(heroes, 'hero')} in {folder}", file=sys.stderr)
    return 0


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    heroes = commands.add_parser("heroes", help="build and list the hero portrait gallery")
    actions = heroes.add_subparsers(dest="action", required=True)
    gallery_help = "gallery folder (default: SKILLSHIFT_HERO_GALLERY)"

    add = actions.add_parser("add", help="crop one row's portrait from a screenshot into the gallery")
    add.add_argument("screenshot", type=Path, help="post-match screenshot (PNG, JPEG or WebP)")
    add.add_argument("--row", required=True, metavar="TEAM:SLOT", help="the row, e.g. ally:3 or enemy:1")
    add.add_argument("--hero", required=True, metavar="NAME", help="the hero's name, as results show it")
    add.add_argument("--gallery", type=Path, metavar="DIR", help=gallery_help)
    add.set_defaults(handler=add_command)

    listing = actions.add_parser("list", help="print each hero in the gallery with its number of images")
    listing.add_argument("--gallery", type=Path, metavar="DIR", help=gallery_help)
    listing.set_defaults(handler=list_command)


def _count(number: int, noun: str) -> str:
    if number == 1:
        return f"1 {noun}"
    plural = noun + "es" if noun.endswith("o") else noun + "s"
    return f"{number} {plural}"
