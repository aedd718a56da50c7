"""Client library for the SkillShift API."""

from __future__ import annotations

from skillshift.client import AsyncClient, Client, SkillShiftError

__all__ = ["AsyncClient", "Client", "SkillShiftError"]
