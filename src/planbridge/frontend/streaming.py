"""Streaming verbs mixed into :class:`planbridge.frontend.table.Table`."""

from __future__ import annotations


class StreamingVerbs:
    """Streaming verbs (event time, watermarks, windows); filled by the streaming extension."""
