"""A small in-process rate limit: at most ``limit`` attempts per key in ``window`` seconds.

Per process on purpose: it blunts password guessing and form spam without a shared
store; behind several workers the effective limit is ``limit`` x workers.
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict, deque


class RateLimit:
    """At most ``limit`` attempts per key in ``window`` seconds (per process)."""

    def __init__(self, limit: int, window: float, clock=time.monotonic) -> None:
        self.limit, self.window, self.clock = limit, window, clock
        self.hits: defaultdict[str, deque[float]] = defaultdict(deque)
        self.lock = threading.Lock()

    def allow(self, key: str) -> bool:
        now = self.clock()
        with self.lock:
            hits = self.hits[key]
            while hits and hits[0] <= now - self.window:
                hits.popleft()
            if len(hits) >= self.limit:
                return False
            hits.append(now)
            return True
