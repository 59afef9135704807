"""One short, human line for a failed API call (no traceback, never the API key)."""

from __future__ import annotations


def describe_api_error(exc: BaseException) -> str:
    """`anthropic` exceptions -> "HTTP 400 invalid_request_error: message"; others -> their text."""
    import anthropic

    if isinstance(exc, anthropic.APITimeoutError):
        return "the server did not answer in time"
    if isinstance(exc, anthropic.APIConnectionError):
        return "could not reach the server"
    if isinstance(exc, anthropic.APIStatusError):
        body = exc.body if isinstance(exc.body, dict) else {}
        inner = body.get("error")
        error = inner if isinstance(inner, dict) else {}
        kind = error.get("type") or "error"
        message = error.get("message") or exc.message
        return f"HTTP {exc.status_code} {kind}: {message}"
    return str(exc) or type(exc).__name__
