"""Readable, sortable text keys ("O0000123") made vectorised.

Keys are text in the contract; a letter prefix keeps CSV readers from taking them for numbers.
"""

from __future__ import annotations

import numpy as np


def make_ids(prefix: str, n: int, width: int | None = None, start: int = 1) -> np.ndarray:
    """prefix + zero-padded running number, e.g. make_ids("O", 3) -> O0001, O0002, O0003."""
    width = width or max(4, len(str(start + n - 1)))
    return np.strings.add(prefix, np.strings.zfill(np.arange(start, start + n).astype(str), width))
