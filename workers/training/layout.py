"""Geometry of a post-match screen at the reference resolution of 2532x1170 pixels.

The numbers were measured on real screenshots taken at that resolution. Every
other resolution is produced by scaling a reference-size render.
"""

from __future__ import annotations

from dataclasses import dataclass

Box = tuple[int, int, int, int]

WIDTH = 2532
HEIGHT = 1170

TEAMS = ("ally", "enemy")
ROWS_PER_TEAM = 5
ROW_TOP = 276
ROW_PITCH = 151
ROW_HEIGHT = 150
# The highlighted row of the uploader is shorter than the row: 141 px from 4 px below its top.
OWN_ROW_INSET = 4
OWN_ROW_HEIGHT = 141
TEAM_X = {"ally": (0, 1264), "enemy": (1268, WIDTH)}

COLUMN_BAR_Y = (214, 276)
HEADER_BOX: Box = (800, 30, 1735, 115)
SCORE_CENTER = {"ally": (850, 80), "enemy": (1680, 80)}
TITLE_CENTER = (1278, 70)
DURATION_XY = (1922, 181)
BATTLE_ID_BOX: Box = (265, 1036, 690, 1064)
BATTLE_ID_LABEL_XY = (265, 1037)
BATTLE_ID_NUMBER_XY = (388, 1037)

PORTRAIT_X = {"ally": 397, "enemy": 2135}
PORTRAIT_DY = 70
PORTRAIT_RADIUS = 60
HEART_X = {"ally": 270, "enemy": 2261}
MEDAL_X = {"ally": 1132, "enemy": 1400}
MEDAL_DY = 78
# Badge extent around its centre as (half width, height above, height below), rating text included.
MEDAL_EXTENT = {"mvp": (68, 72, 56), "gold": (58, 59, 57), "silver": (53, 66, 60), "bronze": (53, 66, 60)}

TEXT_DY = 20
NAME_X = {"ally": 503, "enemy": 2037}
KDA_X = {"ally": (805, 855, 905), "enemy": (1625, 1675, 1727)}
GOLD_X = {"ally": 1025, "enemy": 1508}
ITEM_X = {"ally": 535, "enemy": 1557}
ITEM_PITCH = 88
ITEM_DY = 100
ITEM_RADIUS = 32

DAMAGE_COLUMN_X = {"ally": (495, 686, 876, 1067), "enemy": (1301, 1494, 1684, 1873)}
DAMAGE_NUMBER_DY = 62
DAMAGE_BAR_DY = (101, 132)
DAMAGE_BAR_WIDTH = 163


@dataclass(frozen=True)
class Slot:
    """Position of one player row: team and 0-based index from the top."""

    team: str
    index: int

    @property
    def top(self) -> int:
        return ROW_TOP + ROW_PITCH * self.index

    @property
    def row_box(self) -> Box:
        x0, x1 = TEAM_X[self.team]
        return (x0, self.top, x1, self.top + ROW_HEIGHT)

    @property
    def portrait_center(self) -> tuple[int, int]:
        return (PORTRAIT_X[self.team], self.top + PORTRAIT_DY)

    @property
    def portrait_box(self) -> Box:
        cx, cy = self.portrait_center
        r = PORTRAIT_RADIUS + 2
        return (cx - r, cy - r, cx + r, cy + r)

    @property
    def medal_center(self) -> tuple[int, int]:
        return (MEDAL_X[self.team], self.top + MEDAL_DY)

    def medal_box(self, medal: str) -> Box:
        cx, cy = self.medal_center
        half_width, above, below = MEDAL_EXTENT[medal]
        return (cx - half_width, cy - above, cx + half_width, cy + below)


def all_slots() -> list[Slot]:
    return [Slot(team, index) for team in TEAMS for index in range(ROWS_PER_TEAM)]
