"""Handing memory freed by image decoding back to the operating system, on glibc systems."""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
from collections.abc import Callable

logger = logging.getLogger(__name__)


def _load_malloc_trim() -> Callable[[int], int] | None:
    name = ctypes.util.find_library("c")
    if name is None:
        return None
    try:
        trim: Callable[[int], int] = ctypes.CDLL(name).malloc_trim
    except (OSError, AttributeError):
        return None
    return trim


_MALLOC_TRIM = _load_malloc_trim()


def release_free_memory() -> None:
    """Return the free pages of the C heap to the OS (glibc `malloc_trim`); a no-op elsewhere.

    A decoded screenshot takes about 9 MB of C heap. After a burst of uploads glibc keeps those
    pages mapped, so without this an idle API process stays at its peak size.
    """
    if _MALLOC_TRIM is not None:
        _MALLOC_TRIM(0)
