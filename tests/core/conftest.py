from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest

from _sdkcore import AsyncHTTP, HTTPConfig, RetryPolicy, StaticAuth, SyncHTTP

BASE = "https://api.example.test/v1"
TOKEN = "tok_live_5f9a8c7e6d5b4a3f2e1d"


class Sleeps(list[float]):
    """Records requested sleeps instead of sleeping."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


class AsyncSleeps(list[float]):
    async def __call__(self, seconds: float) -> None:
        self.append(seconds)


class BrokenStream(httpx.SyncByteStream, httpx.AsyncByteStream):
    """A body that breaks off after its first chunk, like a dropped connection."""

    def __iter__(self) -> Iterator[bytes]:
        yield b'{"partial": '
        raise httpx.RemoteProtocolError("peer closed connection without sending complete body")

    async def __aiter__(self) -> AsyncIterator[bytes]:
        yield b'{"partial": '
        raise httpx.RemoteProtocolError("peer closed connection without sending complete body")


def make_config(**changes: Any) -> HTTPConfig:
    defaults: dict[str, Any] = {
        "base_url": BASE,
        "retry": RetryPolicy(max_retries=2),
        "logger_name": "testsdk",
        "rand": lambda: 0.5,
    }
    defaults.update(changes)
    return HTTPConfig(**defaults)


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
def async_sleeps() -> AsyncSleeps:
    return AsyncSleeps()


def sync_http(sleeps: Sleeps, **changes: Any) -> SyncHTTP:
    return SyncHTTP(
        make_config(**changes), auth=StaticAuth({"Authorization": f"Bearer {TOKEN}"}), sleep=sleeps
    )


def async_http(sleeps: AsyncSleeps, **changes: Any) -> AsyncHTTP:
    return AsyncHTTP(
        make_config(**changes), auth=StaticAuth({"Authorization": f"Bearer {TOKEN}"}), sleep=sleeps
    )
