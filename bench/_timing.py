"""Shared by the benchmarks (not one itself: ``./dev bench`` skips ``_*.py``)."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable


def median_ms(fn: Callable[[], object], runs: int) -> float:
    """Median wall time of ``fn()`` over ``runs`` calls, in ms, after one call that warms
    caches (fonts, code pages, compiled statements) outside the measurement."""
    fn()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1e3
