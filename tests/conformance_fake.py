"""A user-supplied engine adapter, as docs/conformance.md describes (used by the tests)."""

from __future__ import annotations

import pyarrow as pa


class FakeEngine:
    name = "fake"

    def unavailable(self) -> str | None:
        return None

    def run(self, plan, tables) -> pa.Table:
        return pa.table({"x": [2]})


def adapter() -> FakeEngine:
    return FakeEngine()
