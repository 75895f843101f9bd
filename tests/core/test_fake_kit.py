"""The kit both fakes share (``_sdkcore.testing``): one API for FakeGHL and FakeNinox, path
globs, faults, the request record with secrets masked, and the clocks."""

from __future__ import annotations

import inspect
import re
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

import httpx
import pytest

from _sdkcore.testing import (
    FakeClock,
    FakeKit,
    RecordedRequest,
    ScaledClock,
    path_matcher,
    record,
    request_predicate,
    sleeps_for,
)
from ghlsdk.testing import FakeGHL
from ninoxsdk.testing import FakeNinox

GHL_HEADERS = {"Authorization": "Bearer fake-ghl-token", "Version": "2021-07-28"}
SHARED = ("fail_next", "inject", "clear_faults", "count", "reset_counters")


# -- one API ------------------------------------------------------------------------------


@pytest.mark.parametrize("name", SHARED)
def test_both_fakes_have_the_same_signature_and_doc(name: str) -> None:
    ghl, ninox = getattr(FakeGHL, name), getattr(FakeNinox, name)
    assert inspect.signature(ghl) == inspect.signature(ninox)
    assert ghl.__doc__ == ninox.__doc__
    assert inspect.signature(ghl) == inspect.signature(getattr(FakeKit, name))


def test_both_fakes_answer_500_by_default_and_log_alike() -> None:
    ghl_fake = FakeGHL()
    ninox_fake = FakeNinox(api_key="k")
    ninox_fake.add_team("T1", "Acme")
    ghl = httpx.Client(transport=ghl_fake, base_url="https://x", headers=GHL_HEADERS)
    ninox = httpx.Client(
        transport=ninox_fake, base_url="https://x/v1", headers={"Authorization": "Bearer k"}
    )
    for fake, client, path in ((ghl_fake, ghl, "/contacts/abc"), (ninox_fake, ninox, "/teams")):
        fake.fail_next()
        assert client.get(path).status_code == 500
        assert client.get(path).status_code in (200, 404)
        first, second = fake.requests
        assert (first.injected, second.injected) == (True, False)
        assert first.status == 500
        assert first.headers["authorization"] == "Bearer ***"
        assert fake.count("GET", path) == 2
        assert fake.count(path="/nowhere") == 0
        fake.reset_counters()
        assert (fake.requests, fake.counters, fake.count()) == ([], {}, 0)


def test_count_takes_an_operation_in_place_of_the_method_and_refuses_typos() -> None:
    fake = FakeGHL()
    client = httpx.Client(transport=fake, base_url="https://x", headers=GHL_HEADERS)
    client.get("/contacts/abc")
    assert fake.count("get-contact") == fake.count(operation="get-contact") == 1
    assert fake.count("get", "/contacts/{contactId}") == 1
    with pytest.raises(ValueError, match="neither an HTTP method nor an operation of FakeGHL"):
        fake.count("GTE")
    with pytest.raises(ValueError, match="unknown HTTP method"):
        fake.fail_next(method="FETCH")
    with pytest.raises(ValueError, match="neither an HTTP method nor an operation of FakeNinox"):
        FakeNinox().count("get-contact")


# -- paths --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pattern", "path", "hit"),
    [
        ("/contacts/*", "/contacts/abc", True),
        ("/contacts/*", "/contacts/abc/tasks", False),  # * stays in one segment
        ("/contacts/**", "/contacts/abc/tasks/t1", True),
        ("/contacts/{contactId}/tasks", "/contacts/abc/tasks", True),
        ("/contacts/{contactId}/tasks", "/contacts//tasks", False),  # {name}: a whole segment
        ("/contacts/", "/contacts", True),  # trailing slashes ignored
        ("*/records", "/teams/T/databases/D/tables/A/records", True),  # relative: the tail
        ("*/records", "/teams/T/databases/D/tables/A/records/7", False),
        ("records/*", "/teams/T/databases/D/tables/A/records/7", True),
        ("/records", "/teams/T/records", False),  # absolute: the whole path
        ("/a.b", "/aXb", False),  # literal characters are literal
    ],
)
def test_path_globs(pattern: str, path: str, hit: bool) -> None:
    assert path_matcher(pattern)(path) is hit


def test_path_regex_is_searched_and_none_matches_all() -> None:
    assert path_matcher(re.compile(r"/records$"))("/teams/T/records")
    assert not path_matcher(re.compile(r"^/records"))("/teams/T/records")
    assert path_matcher(None)("/anything")


def _rec(method: str = "GET", path: str = "/x", operation: str | None = None) -> RecordedRequest:
    return RecordedRequest(method, path, {}, None, {}, operation=operation)


def test_request_predicate_combines_method_path_and_operation() -> None:
    pred = request_predicate("post", "/contacts/*", "update-contact")
    assert pred(_rec("POST", "/contacts/a", "update-contact"))
    assert not pred(_rec("PUT", "/contacts/a", "update-contact"))
    assert not pred(_rec("POST", "/contacts/a", "create-contact"))
    assert not pred(_rec("POST", "/tasks/a", "update-contact"))


# -- faults -------------------------------------------------------------------------------


@pytest.mark.parametrize("fake_type", [FakeGHL, FakeNinox])
def test_fault_arguments_are_checked_before_anything_is_stored(fake_type: type[Any]) -> None:
    fake = fake_type()
    with pytest.raises(ValueError, match="times"):
        fake.fail_next(times=0)
    with pytest.raises(ValueError, match="delay"):
        fake.inject(lambda r: True, delay=-1)
    with pytest.raises(ValueError, match="needs a status, an exception or a delay"):
        fake.fail_next(None)
    assert fake.faults == []


@pytest.mark.parametrize("fake_type", [FakeGHL, FakeNinox])
def test_faults_apply_in_order_once_each_then_leave(fake_type: type[Any]) -> None:
    fake = fake_type()
    first = fake.fail_next(502)
    unlimited = fake.fail_next(503, times=None)
    cancelled = fake.fail_next(504)
    cancelled.cancel()
    assert fake.faults == [first, unlimited]
    rec = _rec()
    assert fake._take_fault(rec) is first
    assert rec.injected
    assert fake._take_fault(_rec()) is unlimited
    assert fake._take_fault(_rec()) is unlimited
    assert (first.hits, first.times, first.active) == (1, 0, False)
    assert (unlimited.hits, unlimited.times) == (2, None)
    fake.clear_faults()
    assert fake._take_fault(_rec()) is None


@pytest.mark.parametrize(
    ("fake_type", "path"), [(FakeGHL, "/contacts/a"), (FakeNinox, "/v1/teams")]
)
def test_a_fault_exception_names_the_fake_and_is_logged(fake_type: type[Any], path: str) -> None:
    fake = fake_type()
    fake.fail_next(exception=httpx.ReadTimeout)
    client = httpx.Client(transport=fake, base_url="https://x", headers=GHL_HEADERS)
    with pytest.raises(httpx.ReadTimeout, match=f"ReadTimeout injected by {fake_type.__name__}"):
        client.get(path)
    [rec] = fake.requests
    assert (rec.status, rec.error, rec.injected) == (None, "ReadTimeout", True)


def test_a_delay_only_fault_slows_a_call_that_then_succeeds() -> None:
    clock = FakeClock()
    fake = FakeNinox(api_key="k", clock=clock)
    fake.fail_next(None, delay=30, path="/teams")
    client = httpx.Client(
        transport=fake, base_url="https://x/v1", headers={"Authorization": "Bearer k"}
    )
    assert client.get("/teams").status_code == 200
    assert clock.slept == 30
    assert fake.requests[0].status == 200


# -- the record ---------------------------------------------------------------------------


def test_the_record_masks_credentials_and_form_secrets() -> None:
    request = httpx.Request(
        "POST",
        "https://x/oauth/token?a=1",
        headers={"Authorization": "Bearer s3cret", "X-Api-Key": "k3y", "Cookie": "c=1"},
        data={"client_secret": "cs", "refresh_token": "rt", "grant_type": "refresh_token"},
    )
    body = request.read()
    rec, parsed, bad_json = record(
        request, body, path="/oauth/token", at=5.0, form_secrets={"client_secret", "refresh_token"}
    )
    assert parsed["client_secret"] == "cs"  # what the server reads: the real values
    assert rec.form == {
        "client_secret": "***",
        "refresh_token": "***",
        "grant_type": "refresh_token",
    }
    assert rec.headers["authorization"] == "Bearer ***"
    assert rec.headers["x-api-key"] == rec.headers["cookie"] == "***"
    for secret in ("s3cret", "k3y", "cs", "rt"):
        assert secret not in repr(rec)
    assert (rec.json, rec.query, rec.at, bad_json) == (None, {"a": "1"}, 5.0, False)


def test_the_record_parses_json_and_flags_broken_json() -> None:
    good = httpx.Request("POST", "https://x/a", json={"a": 1})
    rec, parsed, bad = record(good, good.read(), path="/a", at=0)
    assert rec.json == parsed == {"a": 1}
    assert not bad
    broken = httpx.Request("POST", "https://x/a", content=b"{nope")
    rec, parsed, bad = record(broken, b"{nope", path="/a", at=0)
    assert (rec.json, parsed, bad, rec.content) == (None, None, True, b"{nope")


# -- clocks -------------------------------------------------------------------------------


def test_fake_clock_moves_only_by_hand_or_by_sleeping() -> None:
    clock = FakeClock(100.0)
    assert clock() == clock.now() == 100.0
    clock.advance(5)
    clock.sleep(2)
    assert (clock(), clock.slept) == (107.0, 2.0)
    with pytest.raises(ValueError, match="backwards"):
        clock.advance(-1)
    with pytest.raises(ValueError, match="timezone-aware"):
        FakeClock(datetime(2024, 1, 1))  # naive: refused


def test_scaled_clock_runs_faster_than_the_wall_and_sleeps_less() -> None:
    clock = ScaledClock(1000, start=0.0)
    before = clock()
    clock.sleep(20.0)  # 20 ms of wall time
    assert clock() - before >= 20.0
    with pytest.raises(ValueError, match="positive"):
        ScaledClock(0)


async def test_scaled_clock_async_sleep() -> None:
    clock = ScaledClock(1000, start=0.0)
    before = clock()
    await clock.asleep(20.0)
    assert clock() - before >= 20.0


def test_fakes_wait_on_their_clock_unless_told_otherwise() -> None:
    clock = FakeClock()
    sleep, _ = sleeps_for(clock, None, None)
    assert sleep == clock.sleep
    mine: Callable[[float], None] = lambda s: None  # noqa: E731
    assert sleeps_for(clock, mine, None)[0] is mine
    assert sleeps_for(time.time, None, None)[0] is time.sleep
    fake = FakeGHL(clock=clock, latency=0.5)
    httpx.Client(transport=fake, base_url="https://x", headers=GHL_HEADERS).get("/contacts/a")
    assert clock.slept == 0.5
    assert fake.requests[0].at == clock() - 0.5
