"""Small helpers for reading and writing SQLite rows in slices and numpy arrays as blobs (clustering's stages, the headline and cross-language stages)."""

from __future__ import annotations

from typing import Iterable

import numpy as np


def chunks(items: list, size: int = 500) -> Iterable[list]:
    """``items`` in slices of ``size``: SQLite binds at most a few hundred parameters well."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


def blob(values: np.ndarray, dtype) -> bytes:
    return np.ascontiguousarray(values, dtype=dtype).tobytes()


def unblob(data: bytes | None, dtype) -> np.ndarray:
    return np.frombuffer(data or b"", dtype=dtype)
