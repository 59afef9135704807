"""The poll interval policy and retry-after parsing: pure functions, no network."""

from __future__ import annotations

import httpx2
import pytest

from tui.core.poll.sweep_plan import next_interval, retry_after_seconds

NOW = 1_800_000_000.0


def _fields(status: str = "in_progress", age: float = 0.0, expires_in: float = 86_400.0) -> dict:
    return {"processing_status": status, "created_at": NOW - age, "expires_at": NOW + expires_in}


@pytest.mark.parametrize("fields, expected", [
    (_fields(age=10), 5.0),                                   # young: often
    (_fields(age=1800), 15.0),                                # half an hour old
    (_fields(age=3 * 3600), 60.0),                            # a few hours old
    (_fields(age=20 * 3600, expires_in=4 * 3600), 180.0),     # old: rarely
    (_fields(age=23.9 * 3600, expires_in=300), 5.0),          # about to expire: often again
    (_fields("canceling", age=20 * 3600), 5.0),               # cancelling ends soon
    (_fields("ended"), None),                                 # never again
])
def test_next_interval(fields, expected) -> None:
    assert next_interval(fields, NOW, 5.0, 180.0) == expected


def test_interval_bounds_follow_the_settings() -> None:
    assert next_interval(_fields(age=20 * 3600, expires_in=4 * 3600), NOW, 0.5, 30.0) == 30.0
    assert next_interval(_fields(age=10), NOW, 60.0, 600.0) == 60.0


class _Failure(Exception):
    def __init__(self, headers: dict[str, str]) -> None:
        super().__init__("failed")
        self.response = httpx2.Response(429, headers=headers)


@pytest.mark.parametrize("headers, expected", [
    ({"retry-after-ms": "250", "retry-after": "3"}, 0.25),
    ({"retry-after": "3"}, 3.0),
    ({"retry-after": "Wed, 21 Oct 2015 07:28:00 GMT"}, None),
    ({"retry-after": "99999"}, 600.0),
    ({}, None),
])
def test_retry_after_seconds(headers, expected) -> None:
    assert retry_after_seconds(_Failure(headers)) == expected


def test_retry_after_without_a_response() -> None:
    assert retry_after_seconds(ValueError("no response here")) is None
