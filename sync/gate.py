"""Whether the billing database is reachable, as the daemon sees it: one probe with backoff instead of a flood.

When a run fails because billing cannot be reached, the gate closes: scheduled runs are skipped
(their streams grow stale, which status and the health check show), and a single probe tries
to connect, waiting longer after each failure (exponential, with jitter, up to a bound) and
writing one log line per attempt. When the probe gets through the gate opens and every stream
runs at once to catch up. Pure state and arithmetic; the daemon supplies the clock and the probe.
"""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass, field


@dataclass
class BillingGate:
    first_wait_s: float = 1.0
    max_wait_s: float = 60.0
    rng: random.Random = field(default_factory=random.Random)
    down_since: float | None = None  # monotonic time of the first failure of this outage
    attempts: int = 0  # probes that failed during this outage
    next_probe_at: float = 0.0
    last_error: str | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def is_open(self) -> bool:
        return self.down_since is None

    def close(self, now: float, error: str) -> bool:
        """Billing was found unreachable; True if this starts an outage (the caller logs it once)."""
        with self._lock:
            self.last_error = error
            if self.down_since is not None:
                return False
            self.down_since, self.attempts = now, 0
            self.next_probe_at = now + self.first_wait_s
            return True

    def probe_due(self, now: float) -> bool:
        with self._lock:
            return self.down_since is not None and now >= self.next_probe_at

    def probe_failed(self, now: float, error: str) -> float:
        """Schedule the next probe; returns the wait in seconds (full jitter on an exponential bound)."""
        with self._lock:
            self.attempts += 1
            self.last_error = error
            bound = min(self.max_wait_s, self.first_wait_s * 2 ** self.attempts)
            wait = max(self.first_wait_s, self.rng.uniform(bound / 2, bound))
            self.next_probe_at = now + wait
            return wait

    def opened(self, now: float) -> float:
        """Billing answers again; returns how long the outage lasted."""
        with self._lock:
            lasted = 0.0 if self.down_since is None else now - self.down_since
            self.down_since, self.attempts, self.last_error = None, 0, None
            return lasted
