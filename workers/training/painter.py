"""Drawing of the parts shared by both views: background, header, portraits, footer."""

from __future__ import annotations

import random
from functools import lru_cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter, ImageFont

from workers.training import layout
from workers.training.layout import Box, Slot

Color = tuple[int, int, int]

FONT_DIR = Path("/usr/share/fonts/truetype")
FONT_FILES = {
    "regular": ("dejavu/DejaVuSans.ttf", "noto/NotoSans-Regular.ttf"),
    "bold": ("dejavu/DejaVuSans-Bold.ttf", "noto/NotoSans-Bold.ttf"),
    "condensed": ("dejavu/DejaVuSansCondensed.ttf", "noto/NotoSans-Regular.ttf"),
}
TEXT = (205, 214, 228)
WHITE = (245, 245, 245)
SQUAD_YELLOW = (240, 196, 92)
ENEMY_SCORE = (236, 140, 138)
TITLE = {"victory": (246, 236, 200), "defeat": (214, 206, 200)}
ROW_FILL = ((48, 66, 99), (44, 64, 91))
OWN_ROW = (57, 139, 190)
SEPARATOR = (84, 100, 130)
TEAM_BAR = {"ally": (42, 110, 170), "enemy": (150, 60, 66)}
PORTRAIT_RING = {"ally": (70, 170, 190), "enemy": (200, 80, 120)}
MEDAL_COLORS = {
    "gold": (222, 182, 60),
    "silver": (196, 200, 206),
    "bronze": (205, 140, 110),
    "mvp": (232, 186, 60),
}


@lru_cache(maxsize=64)
def font(size: int, weight: str = "regular") -> ImageFont.FreeTypeFont:
    for relative in FONT_FILES[weight]:
        path = FONT_DIR / relative
        if path.exists():
            return ImageFont.truetype(str(path), size)
    raise FileNotFoundError(
        f"no font for weight {weight!r} found under {FONT_DIR}. Install fonts-dejavu-core."
    )


def text(
    draw: ImageDraw.ImageDraw,
    xy: tuple[float, float],
    value: str,
    size: int,
    fill: Color = TEXT,
    anchor: str = "lt",
    weight: str = "regular",
) -> Box:
    """Draw `value` and return its bounding box."""
    face = font(size, weight)
    draw.text(xy, value, font=face, fill=fill, anchor=anchor)
    x0, y0, x1, y1 = draw.textbbox(xy, value, font=face, anchor=anchor)
    return (int(x0), int(y0), int(x1), int(y1))


def fitting_size(value: str, size: int, max_width: int, weight: str = "regular") -> int:
    """Return the largest font size up to `size` at which `value` fits in `max_width`.

    Long names are drawn smaller instead of being cut, so the truth keeps the whole name.
    """
    while size > 16 and font(size, weight).getlength(value) > max_width:
        size -= 2
    return size


def jitter(rng: random.Random, color: Color, amount: int = 10) -> Color:
    r, g, b = (max(0, min(255, c + rng.randint(-amount, amount))) for c in color)
    return (r, g, b)


def background(rng: random.Random) -> Image.Image:
    top = jitter(rng, (57, 78, 126))
    bottom = jitter(rng, (42, 60, 82))
    gradient = Image.linear_gradient("L").resize((layout.WIDTH, layout.HEIGHT))
    image = Image.composite(
        Image.new("RGB", gradient.size, bottom), Image.new("RGB", gradient.size, top), gradient
    )
    scenery = ImageDraw.Draw(image)
    for _ in range(rng.randint(4, 12)):
        x, y = rng.randint(0, layout.WIDTH), rng.randint(0, layout.HEIGHT)
        radius = rng.randint(60, 400)
        scenery.ellipse(
            (x - radius, y - radius // 3, x + radius, y + radius // 3), fill=jitter(rng, (50, 70, 100), 25)
        )
    image = image.filter(ImageFilter.GaussianBlur(25))
    glow = Image.new("L", image.size, 0)
    ImageDraw.Draw(glow).ellipse((880, -120, 1680, 230), fill=150)
    glow = glow.filter(ImageFilter.GaussianBlur(60))
    return Image.composite(Image.new("RGB", image.size, jitter(rng, (60, 120, 230))), image, glow)


def draw_header(draw: ImageDraw.ImageDraw, rng: random.Random, result: str, score: dict[str, int]) -> Box:
    """Draw the title between both scores and return the box around all three."""
    title = "VICTORY" if result == "victory" else "DEFEAT"
    boxes = [
        text(draw, layout.TITLE_CENTER, title, 78 + rng.randint(-4, 4), TITLE[result], "mm", "bold"),
        text(draw, layout.SCORE_CENTER["ally"], str(score["ally"]), 72, WHITE, "mm"),
        text(draw, layout.SCORE_CENTER["enemy"], str(score["enemy"]), 72, ENEMY_SCORE, "mm"),
    ]
    draw.ellipse((258, 55, 328, 125), outline=(90, 110, 150), width=3)
    return (
        min(b[0] for b in boxes) - 8,
        min(b[1] for b in boxes) - 8,
        max(b[2] for b in boxes) + 8,
        max(b[3] for b in boxes) + 8,
    )


def draw_duration(draw: ImageDraw.ImageDraw, duration_s: int) -> None:
    minutes, seconds = divmod(duration_s, 60)
    text(draw, layout.DURATION_XY, f"Duration  {minutes:02d}:{seconds:02d}", 28)


def draw_team_bars(draw: ImageDraw.ImageDraw, rng: random.Random) -> None:
    y0, y1 = layout.COLUMN_BAR_Y
    for team in layout.TEAMS:
        x0, x1 = layout.TEAM_X[team]
        draw.rectangle((x0, y0, x1, y1), fill=jitter(rng, TEAM_BAR[team], 8))
        for i in range(3):
            x = (260 + 50 * i) if team == "ally" else (2290 + 50 * i)
            draw.polygon([(x, 238), (x + 24, 238), (x + 12, 262)], fill=(150, 175, 205))


def draw_row_background(draw: ImageDraw.ImageDraw, slot: Slot, own: bool) -> None:
    x0, y0, x1, y1 = slot.row_box
    draw.rectangle((x0, y0, x1, y1), fill=ROW_FILL[slot.index % 2])
    if own:
        lit_top = y0 + layout.OWN_ROW_INSET
        lit_bottom = lit_top + layout.OWN_ROW_HEIGHT - 1
        draw.rectangle((x0, lit_top, x1, lit_bottom), fill=OWN_ROW)
        fade_start = x0 + int(0.55 * (x1 - x0))
        for x in range(fade_start, x1, 8):
            share = (x - fade_start) / (x1 - fade_start)
            mixed = tuple(int(a + (b - a) * share) for a, b in zip(OWN_ROW, ROW_FILL[0], strict=True))
            draw.rectangle((x, lit_top, x + 8, lit_bottom), fill=mixed)
    draw.line((x0, y1 + 1, x1, y1 + 1), fill=SEPARATOR, width=2)


def draw_portrait(
    image: Image.Image, draw: ImageDraw.ImageDraw, rng: random.Random, slot: Slot, level: int
) -> None:
    cx, cy = slot.portrait_center
    r = layout.PORTRAIT_RADIUS
    face = Image.linear_gradient("L").rotate(rng.randint(0, 359)).resize((2 * r, 2 * r))
    tint = Image.new("RGB", face.size, jitter(rng, (160, 120, 130), 70))
    shade = Image.new("RGB", face.size, jitter(rng, (60, 50, 70), 40))
    disc = Image.composite(tint, shade, face)
    disc_draw = ImageDraw.Draw(disc)
    for _ in range(rng.randint(2, 8)):
        x, y = rng.randint(0, 2 * r), rng.randint(0, 2 * r)
        disc_draw.line(
            (x, y, rng.randint(0, 2 * r), rng.randint(0, 2 * r)),
            fill=jitter(rng, (128, 128, 128), 120),
            width=rng.randint(2, 12),
        )
    disc_draw.ellipse((r - 30, r - 40, r + 30, r + 25), fill=jitter(rng, (235, 200, 180), 30))
    mask = Image.new("L", disc.size, 0)
    ImageDraw.Draw(mask).ellipse((0, 0, 2 * r - 1, 2 * r - 1), fill=255)
    image.paste(disc, (cx - r, cy - r), mask)
    draw.ellipse((cx - r, cy - r, cx + r, cy + r), outline=PORTRAIT_RING[slot.team], width=4)
    flag_x = cx - 48 if slot.team == "ally" else cx + 48
    draw.ellipse(
        (flag_x - 20, cy - 68, flag_x + 20, cy - 28), fill=jitter(rng, (200, 60, 60), 60), outline=WHITE
    )
    level_x = cx - 40 if slot.team == "ally" else cx + 40
    text(draw, (level_x, cy + 55), str(level), 34, WHITE, "mm")
    heart_x = layout.HEART_X[slot.team]
    draw.ellipse((heart_x - 32, cy - 32, heart_x + 32, cy + 32), fill=(80, 110, 145))
    draw.polygon([(heart_x - 16, cy - 6), (heart_x, cy + 14), (heart_x + 16, cy - 6)], fill=(140, 220, 250))


def draw_gender(draw: ImageDraw.ImageDraw, rng: random.Random, x: int, y: int) -> int:
    """Draw a gender icon with its left edge at x and return the x where the next text starts."""
    fill = (70, 150, 220) if rng.random() < 0.6 else (190, 90, 190)
    draw.rectangle((x, y, x + 22, y + 22), fill=fill)
    draw.ellipse((x + 4, y + 6, x + 14, y + 16), outline=WHITE, width=2)
    return x + 26


def draw_items(draw: ImageDraw.ImageDraw, rng: random.Random, slot: Slot) -> None:
    count = rng.randint(2, 6)
    y = slot.top + layout.ITEM_DY
    for i in range(6):
        x = layout.ITEM_X[slot.team] + layout.ITEM_PITCH * i
        fill = jitter(rng, (120, 70, 140), 90) if i < count else (40, 56, 78)
        draw.ellipse(
            (x - layout.ITEM_RADIUS, y - layout.ITEM_RADIUS, x + layout.ITEM_RADIUS, y + layout.ITEM_RADIUS),
            fill=fill,
        )


def draw_footer(draw: ImageDraw.ImageDraw, battle_id: str, button: str) -> Box:
    """Draw the battle id and the buttons below the rows, and return the battle id box."""
    label = text(draw, layout.BATTLE_ID_LABEL_XY, "BattleID", 28, (165, 178, 196))
    number = text(draw, layout.BATTLE_ID_NUMBER_XY, battle_id, 28, (165, 178, 196))
    for x0, x1, caption in ((267, 562, button), (2086, 2383, "Quit")):
        draw.rectangle((x0, 1078, x1, 1145), fill=(70, 100, 150), outline=(110, 150, 210), width=3)
        text(draw, ((x0 + x1) / 2, 1111), caption, 34, WHITE, "mm")
    draw.rounded_rectangle((940, 1130, 1590, 1142), radius=6, fill=(150, 160, 175))
    return (label[0] - 2, min(label[1], number[1]) - 4, number[2] + 2, max(label[3], number[3]) + 4)
