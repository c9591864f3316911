"""Bounded tables from a protobuf message's encoding to what binding made of it.

Plans repeat the same small messages (a column reference, a constant, a table's schema),
within a plan and across the plans a service keeps seeing; looking an encoding up is much
cheaper than binding the message again. A table holds only what its caller stores (never
the caller's plan objects) and stops growing at its bounds.
"""

from __future__ import annotations

from typing import Any


class EncodingTable(dict[bytes, Any]):
    """``encoding -> bound value``; ``get`` is the dict's own, :meth:`remember` bounded."""

    def __init__(self, max_entries: int, max_key: int) -> None:
        super().__init__()
        self.max_entries = max_entries
        self.max_key = max_key

    def remember(self, key: bytes, value: Any) -> None:
        """Store ``value`` under ``key`` unless the table is full or ``key`` too long."""
        if len(self) < self.max_entries and len(key) <= self.max_key:
            self[key] = value
