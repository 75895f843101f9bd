"""FakeWorld hands out unthrottled clients unless asked for the real limits."""

from __future__ import annotations

import pytest

from bridge.testing import FakeWorld
from ghlsdk import RateLimitError

BURST = 100  # GHL: 100 requests per 10 s per location


def _contact(world: FakeWorld) -> str:
    return str(world.ghl.add_contact(firstName="Ada", email="ada@example.com")["id"])


def test_default_world_never_throttles() -> None:
    world = FakeWorld()
    cid = _contact(world)
    waits: list[float] = []
    ghl = world.ghl_client(sleep=waits.append, max_retries=0)
    for _ in range(BURST + 20):
        ghl.contacts.get(cid)
    assert waits == []  # the client never waited for its limiter
    assert not world.ghl.rate_limit
    assert all(r.status == 200 for r in world.ghl.requests)
    world.close()


def test_realistic_limits_throttle_client_and_fake() -> None:
    world = FakeWorld(realistic_limits=True)
    cid = _contact(world)
    waits: list[float] = []
    ghl = world.ghl_client(sleep=waits.append, max_retries=0)
    for _ in range(BURST):
        ghl.contacts.get(cid)
    assert waits == []
    # The client's limiter wants to wait out the window (the recorded sleep returns at once),
    # and the fake, which enforces the same limit, answers 429.
    with pytest.raises(RateLimitError):
        ghl.contacts.get(cid)
    assert len(waits) == 1
    assert waits[0] > 1
    assert world.ghl.requests[-1].status == 429
    world.close()


def test_explicit_options_win_over_realistic_limits() -> None:
    world = FakeWorld(realistic_limits=True, ghl_options={"rate_limit": False})
    cid = _contact(world)
    waits: list[float] = []
    ghl = world.ghl_client(sleep=waits.append, rate_limiting=False)
    for _ in range(BURST + 1):
        ghl.contacts.get(cid)
    assert waits == []
    assert all(r.status == 200 for r in world.ghl.requests)
    world.close()


async def test_async_clients_follow_the_same_defaults() -> None:
    world = FakeWorld()
    cid = _contact(world)
    async with world.async_ghl_client(max_retries=0) as ghl:
        for _ in range(BURST + 1):
            await ghl.contacts.get(cid)
    assert all(r.status == 200 for r in world.ghl.requests)
    db = world.async_ninox_db()
    assert await db.table("Contacts", typed=False).page() == []
    world.close()
