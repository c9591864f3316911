"""Bearer-token authentication: every call must carry ``authorization: Bearer <token>``."""

from __future__ import annotations

import hmac

import pyarrow.flight as flight


class BearerTokenAuth(flight.ServerMiddlewareFactory):
    """Rejects any call whose ``authorization`` header is not ``Bearer <token>``."""

    def __init__(self, token: str) -> None:
        super().__init__()
        self._expected = f"Bearer {token}".encode()

    def start_call(self, info: flight.CallInfo, headers: dict[str, list[str]]) -> None:
        given = headers.get("authorization") or headers.get("Authorization") or []
        for value in given:
            raw = value.encode() if isinstance(value, str) else bytes(value)
            if hmac.compare_digest(raw, self._expected):
                return None
        reason = "wrong bearer token" if given else "no bearer token given"
        raise flight.FlightUnauthenticatedError(
            f"planbridge server: {reason}; send the header 'authorization: Bearer <token>' "
            f"(planbridge.connect(..., token=...))"
        )


def bearer_header(token: str) -> tuple[bytes, bytes]:
    """The header a client sends for ``token``."""
    return (b"authorization", f"Bearer {token}".encode())
