"""Keeping an API process small through bursts of uploads, on glibc systems.

Each upload is read whole (a few MB) and decoded (about 9 MB for a 2532x1170 screenshot).
With glibc's defaults such buffers land in the heap, which keeps its peak size, and in
up to eight arenas per core.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import os

logger = logging.getLogger(__name__)

# mallopt parameters from glibc's malloc.h.
M_MMAP_THRESHOLD = -3
M_ARENA_MAX = -8
MMAP_THRESHOLD_BYTES = 128 * 1024
ARENA_MAX = 2


def _load_libc() -> ctypes.CDLL | None:
    name = ctypes.util.find_library("c")
    if name is None:
        return None
    try:
        libc = ctypes.CDLL(name)
    except OSError:
        return None
    # C libraries other than glibc may lack mallopt or malloc_trim.
    if not (hasattr(libc, "mallopt") and hasattr(libc, "malloc_trim")):
        return None
    return libc


_LIBC = _load_libc()


def tune_allocator() -> None:
    """Give each large buffer its own mapping, returned at once when freed, and use two arenas.

    A fixed mmap threshold stops glibc from raising it after the first large free, which
    would put later upload buffers in the heap. The environment variables
    MALLOC_MMAP_THRESHOLD_ and MALLOC_ARENA_MAX, where set, take precedence. Call this
    before the process starts threads.
    """
    if _LIBC is None:
        return
    if "MALLOC_MMAP_THRESHOLD_" not in os.environ:
        _LIBC.mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES)
    if "MALLOC_ARENA_MAX" not in os.environ:
        _LIBC.mallopt(M_ARENA_MAX, ARENA_MAX)


def release_free_memory() -> None:
    """Return the free pages of the C heap to the OS with glibc's `malloc_trim`. Elsewhere, do nothing."""
    if _LIBC is not None:
        _LIBC.malloc_trim(0)
