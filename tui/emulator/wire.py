"""Small pieces of the wire format: ids, timestamps, the error envelope."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

_ALPHABET = "0123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"

ERROR_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    405: "invalid_request_error",
    413: "request_too_large",
    429: "rate_limit_error",
    500: "api_error",
    529: "overloaded_error",
}


def make_id(prefix: str, *parts: object) -> str:
    """A deterministic id like the API's (`msgbatch_01…`, `msg_01…`, `req_01…`) from the given parts."""
    digest = int.from_bytes(hashlib.blake2b(":".join(map(str, parts)).encode(), digest_size=16).digest())
    chars = []
    for _ in range(22):
        digest, rest = divmod(digest, len(_ALPHABET))
        chars.append(_ALPHABET[rest])
    return f"{prefix}_01{''.join(chars)}"


def rfc3339(ts: float | None) -> str | None:
    """Unix seconds as RFC 3339 with `Z`, like `2024-08-20T18:37:24.100435Z`."""
    if ts is None:
        return None
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def error_body(status: int, message: str, request_id: str | None, error_type: str | None = None) -> dict:
    return {
        "type": "error",
        "error": {"type": error_type or ERROR_TYPES.get(status, "api_error"), "message": message},
        "request_id": request_id,
    }
