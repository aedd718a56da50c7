"""Random but consistent match values and player names for synthetic screens."""

from __future__ import annotations

import random
from typing import Any

PLAIN_NAMES = (
    "Paper lantern",
    "Miro 412",
    "Iron Meadow",
    "Quiet storm",
    "Tavo XII",
    "Nyx.",
    "Rin2.",
    "miko",
    "Dorian",
    "Velmo",
    "Sable Fern",
    "coffee after 9",
    "Lyra",
    "Kavo rim.",
    "Quell.",
    "Noodle",
    "not today maybe",
    "running late again",
    "SUN.kokkkk",
    "Ash",
    "Bo",
    "x",
    "TheLongestNameInTown",
    "moonwalker_77",
    "Peak-Mode",
    "zz top",
    "K1r4",
)
UNICODE_NAMES = (
    "Zoë",
    "Ñandú",
    "Łukasz",
    "Søren",
    "Amélie",
    "Çağrı",
    "Đorđe",
    "Björk",
    "José María",
    "Ελένη",
    "Дима",
    "Ångström",
    "Müller",
    "Piña",
    "Œuvre",
)
PUNCTUATION_NAMES = (
    "<img src=x onerror=alert(1)>",
    "<b>bold</b>",
    "Tom & Jerry",
    '"quoted"',
    "it's me",
    "a<b",
    "x>y",
    "{json}",
    "[TAG]",
    "50% off",
    "#1 fan",
    "@home",
    "semi;colon",
    "back\\slash",
)
SQUADS = ("ORB", "TK", "LV", "FOX", "AX", "ZEN", "EVOS", "RRQ", "ONIC", "BTK", "Q", "NOVA")


def sample_name(rng: random.Random) -> str:
    pool = rng.choices((PLAIN_NAMES, UNICODE_NAMES, PUNCTUATION_NAMES), weights=(6, 2, 2))[0]
    return rng.choice(pool)


def split_total(rng: random.Random, total: int, parts: int) -> list[int]:
    """Split `total` into `parts` non-negative integers that sum to it."""
    cuts = sorted(rng.randint(0, total) for _ in range(parts - 1))
    bounds = [0, *cuts, total]
    return [bounds[i + 1] - bounds[i] for i in range(parts)]


def percentages(rng: random.Random, values: list[int]) -> list[int]:
    """Round shares of `values` to integer percents whose sum is 100, or all 0 for a zero total."""
    total = sum(values)
    if total == 0:
        return [0] * len(values)
    raw = [100 * value / total for value in values]
    rounded = [int(share) for share in raw]
    order = sorted(range(len(values)), key=lambda i: raw[i] - rounded[i], reverse=True)
    for i in order[: 100 - sum(rounded)]:
        rounded[i] += 1
    return rounded


def medal_for(rating: float) -> str:
    if rating >= 7.5:
        return "gold"
    if rating >= 4.0:
        return "silver"
    return "bronze"


def sample_team(
    rng: random.Random, team: str, score: int, enemy_score: int, mvp: bool
) -> list[dict[str, Any]]:
    kills = split_total(rng, score, 5)
    deaths = split_total(rng, enemy_score, 5)
    players: list[dict[str, Any]] = []
    for slot in range(1, 6):
        assists = rng.randint(0, score - kills[slot - 1])
        rating = round(rng.uniform(2.0, 13.0), 1)
        players.append(
            {
                "team": team,
                "slot": slot,
                "squad": rng.choice(SQUADS) if rng.random() < 0.4 else None,
                "name": sample_name(rng),
                "kills": kills[slot - 1],
                "deaths": deaths[slot - 1],
                "assists": assists,
                "gold": rng.randint(1500, 16000),
                "rating": rating,
                "medal": medal_for(rating),
                "level": rng.randint(4, 15),
                "is_you": False,
            }
        )
    if mvp:
        max(players, key=lambda player: player["rating"])["medal"] = "mvp"
    return players


def add_damage(rng: random.Random, players: list[dict[str, Any]], team_kills: int) -> None:
    hero_damage = [rng.randint(3000, 120000) for _ in players]
    turret_damage = [0 if rng.random() < 0.15 else rng.randint(100, 20000) for _ in players]
    damage_taken = [rng.randint(10000, 200000) for _ in players]
    for key, values in (
        ("hero_damage", hero_damage),
        ("turret_damage", turret_damage),
        ("damage_taken", damage_taken),
    ):
        for player, value, pct in zip(players, values, percentages(rng, values), strict=True):
            player[key] = value
            player[f"{key}_pct"] = pct
    for player in players:
        share = (player["kills"] + player["assists"]) / team_kills if team_kills else 0.0
        player["teamfight_pct"] = min(100, round(100 * share))


def sample_match(rng: random.Random) -> dict[str, Any]:
    """Sample one match: header values and both teams with scoreboard and damage values."""
    big = rng.random() < 0.08
    high = rng.randint(100, 180) if big else rng.randint(5, 40)
    low = rng.randint(0, high)
    victory = rng.random() < 0.5
    ally, enemy = (high, low) if victory else (low, high)
    players = sample_team(rng, "ally", ally, enemy, mvp=victory or rng.random() < 0.5)
    players += sample_team(rng, "enemy", enemy, ally, mvp=not victory or rng.random() < 0.5)
    for team, kills in (("ally", ally), ("enemy", enemy)):
        add_damage(rng, [p for p in players if p["team"] == team], kills)
    rng.choice(players[:5])["is_you"] = True
    return {
        "result": "victory" if victory else "defeat",
        "score": {"ally": ally, "enemy": enemy},
        "duration_s": rng.randint(300, 2400),
        "battle_id": str(rng.randint(10**17, 10**18 - 1)),
        "players": players,
    }


SCOREBOARD_KEYS = (
    "team",
    "slot",
    "squad",
    "name",
    "kills",
    "deaths",
    "assists",
    "gold",
    "rating",
    "medal",
    "level",
    "is_you",
)
DAMAGE_KEYS = (
    "team",
    "slot",
    "name",
    "hero_damage",
    "hero_damage_pct",
    "turret_damage",
    "turret_damage_pct",
    "damage_taken",
    "damage_taken_pct",
    "teamfight_pct",
    "squad",
    "is_you",
)


def truth_for(match: dict[str, Any], view: str) -> dict[str, Any]:
    """Build the truth entry of one view, with the same keys as the real samples' truth.json."""
    keys = SCOREBOARD_KEYS if view == "scoreboard" else DAMAGE_KEYS
    players = [{key: player[key] for key in keys} for player in match["players"]]
    you = next(player for player in match["players"] if player["is_you"])
    kda = f"{you['kills']}/{you['deaths']}/{you['assists']}" if view == "scoreboard" else None
    header = {key: match[key] for key in ("result", "score", "duration_s", "battle_id")}
    return {"view": view, "kda": kda, "hero": None, "match": header, "players": players}
