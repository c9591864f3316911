"""A server's limits (plan size, concurrency, time, result size) and their error messages."""

from __future__ import annotations

import threading
from dataclasses import dataclass

import pyarrow.flight as flight

from planbridge.errors import PlanReadError


@dataclass(frozen=True)
class Limits:
    """Per-server limits; every one has a flag on ``planbridge serve``."""

    max_plan_bytes: int = 1 << 20
    max_concurrent: int = 8
    queue_wait: float = 30.0  # seconds a query waits for a free slot before "busy"
    query_timeout: float = 60.0  # seconds from submission to the last batch
    max_result_bytes: int = 256 << 20
    max_prepared: int = 1000  # open prepared statements; the oldest is dropped past this

    def check_plan_size(self, size: int) -> None:
        """A PlanReadError for a plan larger than ``max_plan_bytes``."""
        if size > self.max_plan_bytes:
            raise PlanReadError(
                f"the plan is {size} bytes; this server accepts plans of at most "
                f"{self.max_plan_bytes} bytes (--max-plan-bytes)"
            )


class Slots:
    """Counts running queries; refuses a new one after ``queue_wait`` seconds at the limit."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self._sem = threading.BoundedSemaphore(limits.max_concurrent)
        self._lock = threading.Lock()
        self.running = 0

    def acquire(self) -> None:
        if not self._sem.acquire(timeout=self.limits.queue_wait):
            raise flight.FlightUnavailableError(
                f"planbridge server busy: {self.limits.max_concurrent} queries running "
                f"(--max-concurrent) and none finished within {self.limits.queue_wait:g} s; "
                f"retry later"
            )
        with self._lock:
            self.running += 1

    def release(self) -> None:
        with self._lock:
            self.running -= 1
        self._sem.release()
