"""FakeGHL as a transport: auth and Version checks, rate limits, latency, faults, seeding,
the request log, and thread/task safety. Raw httpx, sync and async."""

from __future__ import annotations

import ast
import asyncio
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

import ghlsdk.testing
from ghlsdk.testing import BASE_URL, OPERATIONS, FakeClock, FakeGHL, RecordedRequest

from .test_fake_support import Api, api, clock, fake, new_contact

__all__ = ["api", "clock", "fake"]  # fixtures used by this module

RATE_HEADERS = (
    "X-RateLimit-Limit-Daily",
    "X-RateLimit-Daily-Remaining",
    "X-RateLimit-Interval-Milliseconds",
    "X-RateLimit-Max",
    "X-RateLimit-Remaining",
)


# ---------------------------------------------------------------- auth and Version


@pytest.mark.parametrize(
    ("token", "version", "message"),
    [
        (None, "2021-07-28", "Invalid JWT"),
        ("", "2021-07-28", "Invalid JWT"),
        ("wrong", "2021-07-28", "Invalid token: access token is invalid"),
        ("$fake", None, "version header was not found."),
        ("$fake", "2099-01-01", "version header is invalid"),
        ("$fake", "2021-04-15", "version header is invalid"),
    ],
)
async def test_auth_and_version_errors(
    api: Api, fake: FakeGHL, token: str | None, version: str | None, message: str
) -> None:
    c = fake.add_contact(firstName="A")
    tok = fake.token if token == "$fake" else token
    r = await api.get(f"/contacts/{c['id']}", token=tok, version=version)
    assert r.status_code == 401
    assert r.json() == {"statusCode": 401, "message": message, "error": "Unauthorized"}
    for name in RATE_HEADERS:
        assert name in r.headers
    assert fake.requests[-1].status == 401


async def test_basic_scheme_is_not_a_bearer_token(api: Api, fake: FakeGHL) -> None:
    r = await api.get("/contacts/x", token=None, headers={"Authorization": f"Basic {fake.token}"})
    assert r.status_code == 401


async def test_accepted_versions_are_configurable(clock: FakeClock) -> None:
    fake = FakeGHL(clock=clock, accepted_versions=["2021-07-28", "2023-02-21"])
    client = Api(fake, "sync")
    c = fake.add_contact()
    assert (await client.get(f"/contacts/{c['id']}", version="2023-02-21")).status_code == 200
    assert (await client.get(f"/contacts/{c['id']}", version="v3")).status_code == 401
    await client.close()


async def test_revoked_token(api: Api, fake: FakeGHL) -> None:
    c = fake.add_contact()
    assert (await api.get(f"/contacts/{c['id']}")).status_code == 200
    fake.revoke_token(fake.token)
    r = await api.get(f"/contacts/{c['id']}")
    assert r.status_code == 401
    assert r.json()["message"] == "Invalid token: access token is invalid"


async def test_second_location_has_its_own_data(api: Api, fake: FakeGHL) -> None:
    token2 = fake.add_location("loc2")
    mine = fake.add_contact(firstName="Mine")
    theirs = fake.add_contact(locationId="loc2", firstName="Theirs")
    r = await api.get("/contacts/", params={"locationId": "loc2"}, token=token2)
    assert [c["id"] for c in r.json()["contacts"]] == [theirs["id"]]
    assert (await api.get(f"/contacts/{mine['id']}", token=token2)).status_code == 404
    r = await api.get("/contacts/", params={"locationId": fake.location_id}, token=token2)
    assert r.status_code == 403


async def test_read_only_scope(api: Api, fake: FakeGHL) -> None:
    ro = fake.add_location(fake.location_id, token="ro-token", scopes=["contacts.readonly"])
    assert ro == "ro-token"
    c = fake.add_contact(firstName="A")
    assert (await api.get(f"/contacts/{c['id']}", token=ro)).status_code == 200
    r = await api.put(f"/contacts/{c['id']}", json={"firstName": "B"}, token=ro)
    assert r.status_code == 401
    assert r.json()["message"] == "The token is not authorized for this scope."
    assert fake.contacts[c["id"]]["firstName"] == "A"


async def test_unknown_route_and_method(api: Api) -> None:
    r = await api.get("/opportunities/search")
    assert r.status_code == 404
    assert r.json()["message"] == "Cannot GET /opportunities/search"
    r = await api.request("PATCH", "/contacts/abc", json={})
    assert r.status_code == 404
    assert r.json()["message"] == "Cannot PATCH /contacts/abc"


async def test_encoded_path_segments(api: Api, fake: FakeGHL) -> None:
    c = fake.add_contact(id="we ird/id", firstName="W")
    r = await api.get("/contacts/we%20ird%2Fid")
    assert r.status_code == 200
    assert r.json()["contact"]["id"] == c["id"]


def test_any_host_is_accepted(fake: FakeGHL) -> None:
    c = fake.add_contact()
    with httpx.Client(transport=fake) as client:
        r = client.get(
            f"http://localhost:1234/contacts/{c['id']}",
            headers={"Authorization": f"Bearer {fake.token}", "Version": "2021-07-28"},
        )
    assert r.status_code == 200


# ---------------------------------------------------------------- rate limits


async def test_rate_headers_when_not_enforced(api: Api, fake: FakeGHL) -> None:
    for _ in range(150):
        r = await api.get("/contacts/", params={"locationId": fake.location_id})
        assert r.status_code == 200
    assert r.headers["X-RateLimit-Max"] == "100"
    assert r.headers["X-RateLimit-Remaining"] == "100"
    assert r.headers["X-RateLimit-Interval-Milliseconds"] == "10000"
    assert r.headers["X-RateLimit-Limit-Daily"] == "200000"
    assert r.headers["X-RateLimit-Daily-Remaining"] == "200000"


@pytest.fixture
def limited(clock: FakeClock) -> FakeGHL:
    return FakeGHL(clock=clock, rate_limit=True, burst_limit=5, burst_interval=10, daily_limit=12)


@pytest.mark.parametrize("mode", ["sync", "async"])
async def test_burst_limit_and_headers(limited: FakeGHL, clock: FakeClock, mode: str) -> None:
    client = Api(limited, mode)
    params = {"locationId": limited.location_id}
    remaining = []
    for _ in range(5):
        r = await client.get("/contacts/", params=params)
        assert r.status_code == 200
        remaining.append(int(r.headers["X-RateLimit-Remaining"]))
        clock.advance(1)
    assert remaining == [4, 3, 2, 1, 0]
    r = await client.get("/contacts/", params=params)
    assert r.status_code == 429
    assert r.json() == {
        "statusCode": 429,
        "message": "Too many requests",
        "error": "Too Many Requests",
    }
    assert r.headers["X-RateLimit-Remaining"] == "0"
    assert r.headers["X-RateLimit-Max"] == "5"
    assert "Retry-After" not in r.headers
    # t=5: the request made at t=0 expires at t=10 (sliding window, not a fixed one).
    clock.advance(4.999)
    assert (await client.get("/contacts/", params=params)).status_code == 429
    clock.advance(0.001)
    r = await client.get("/contacts/", params=params)
    assert r.status_code == 200
    assert r.headers["X-RateLimit-Remaining"] == "0"
    assert (await client.get("/contacts/", params=params)).status_code == 429
    assert limited.count("get-contacts") == 9  # refused requests are logged too
    await client.close()


async def test_retry_after_is_optional(clock: FakeClock) -> None:
    fake = FakeGHL(
        clock=clock, rate_limit=True, burst_limit=2, burst_interval=10, send_retry_after=True
    )
    client = Api(fake, "sync")
    c = fake.add_contact()
    await client.get(f"/contacts/{c['id']}")
    clock.advance(2.5)
    await client.get(f"/contacts/{c['id']}")
    r = await client.get(f"/contacts/{c['id']}")
    assert r.status_code == 429
    assert r.headers["Retry-After"] == "8"  # ceil(10 - 2.5)
    clock.advance(7.5)
    assert (await client.get(f"/contacts/{c['id']}")).status_code == 200
    await client.close()


async def test_rejected_and_unauthenticated_requests_do_not_count(
    limited: FakeGHL, clock: FakeClock
) -> None:
    client = Api(limited, "async")
    params = {"locationId": limited.location_id}
    for _ in range(5):
        assert (await client.get("/contacts/", params=params, token="bad")).status_code == 401
    for _ in range(5):
        assert (await client.get("/contacts/", params=params)).status_code == 200
    for _ in range(3):
        assert (await client.get("/contacts/", params=params)).status_code == 429
    clock.advance(10)
    assert limited.rate_limit_remaining() == 5
    assert (await client.get("/contacts/", params=params)).status_code == 200
    await client.close()


async def test_rate_limit_is_per_location(limited: FakeGHL) -> None:
    client = Api(limited, "sync")
    other = limited.add_location("loc2")
    for _ in range(5):
        await client.get("/contacts/", params={"locationId": limited.location_id})
    assert (
        await client.get("/contacts/", params={"locationId": limited.location_id})
    ).status_code == 429
    r = await client.get("/contacts/", params={"locationId": "loc2"}, token=other)
    assert r.status_code == 200
    assert r.headers["X-RateLimit-Remaining"] == "4"
    await client.close()


async def test_daily_limit_resets_at_utc_midnight(limited: FakeGHL, clock: FakeClock) -> None:
    limited.send_retry_after = True
    client = Api(limited, "sync")
    params = {"locationId": limited.location_id}
    for i in range(12):
        r = await client.get("/contacts/", params=params)
        assert r.status_code == 200
        assert r.headers["X-RateLimit-Daily-Remaining"] == str(11 - i)
        clock.advance(60)
    r = await client.get("/contacts/", params=params)
    assert r.status_code == 429
    assert r.headers["X-RateLimit-Daily-Remaining"] == "0"
    assert int(r.headers["Retry-After"]) == 24 * 3600 - 12 * 60
    clock.advance(24 * 3600)
    r = await client.get("/contacts/", params=params)
    assert r.status_code == 200
    assert r.headers["X-RateLimit-Daily-Remaining"] == "11"
    await client.close()


# ---------------------------------------------------------------- latency


async def test_latency_advances_the_fake_clock_sync_and_async(clock: FakeClock) -> None:
    fake = FakeGHL(clock=clock, latency=0.25)
    c = fake.add_contact()
    sync_client = Api(fake, "sync")
    await sync_client.get(f"/contacts/{c['id']}")
    assert clock.slept == pytest.approx(0.25)
    aio_client = Api(fake, "async")
    await aio_client.get(f"/contacts/{c['id']}")
    assert clock.slept == pytest.approx(0.5)
    assert clock() == pytest.approx(1704067200.5)
    await sync_client.close()
    await aio_client.close()


async def test_async_path_uses_the_async_sleep(clock: FakeClock) -> None:
    sync_sleeps: list[float] = []
    async_sleeps: list[float] = []

    async def asleep(seconds: float) -> None:
        async_sleeps.append(seconds)
        await asyncio.sleep(0)

    fake = FakeGHL(
        clock=clock,
        latency=lambda rec: 0.5 if rec.method == "POST" else 0.1,
        sleep=sync_sleeps.append,
        async_sleep=asleep,
    )
    sync_client, aio_client = Api(fake, "sync"), Api(fake, "async")
    await sync_client.post("/contacts/", json=new_contact(fake, firstName="A"))
    await aio_client.get("/contacts/", params={"locationId": fake.location_id})
    await aio_client.post("/contacts/", json=new_contact(fake, firstName="B"))
    assert sync_sleeps == [0.5]
    assert async_sleeps == [0.1, 0.5]
    assert clock.slept == 0  # custom sleeps replace the clock's
    await sync_client.close()
    await aio_client.close()


async def test_latency_with_real_clock_uses_given_sleep() -> None:
    slept: list[float] = []
    fake = FakeGHL(latency=0.2, sleep=slept.append)
    client = Api(fake, "sync")
    await client.get("/contacts/", params={"locationId": fake.location_id})
    assert slept == [0.2]
    await client.close()


# ---------------------------------------------------------------- faults


async def test_fail_next_once(api: Api, fake: FakeGHL) -> None:
    c = fake.add_contact()
    fault = fake.fail_next(500)
    r = await api.get(f"/contacts/{c['id']}")
    assert r.status_code == 500
    assert r.json() == {
        "statusCode": 500,
        "message": "Internal Server Error",
        "error": "Internal Server Error",
    }
    assert "X-RateLimit-Remaining" in r.headers
    assert fault.hits == 1
    assert not fault.active
    assert (await api.get(f"/contacts/{c['id']}")).status_code == 200


async def test_fail_next_filters_and_times(api: Api, fake: FakeGHL) -> None:
    c = fake.add_contact()
    fake.fail_next(503, times=2, method="post", path="/contacts/*/tasks")
    task = {"title": "t", "dueDate": "2024-01-02T00:00:00Z", "completed": False}
    assert (await api.get(f"/contacts/{c['id']}/tasks")).status_code == 200  # GET: no match
    assert (await api.post(f"/contacts/{c['id']}/notes", json={"body": "x"})).status_code == 201
    assert (await api.post(f"/contacts/{c['id']}/tasks", json=task)).status_code == 503
    assert (await api.post(f"/contacts/{c['id']}/tasks", json=task)).status_code == 503
    assert (await api.post(f"/contacts/{c['id']}/tasks", json=task)).status_code == 201
    assert len(fake.tasks) == 1  # the failed ones never ran


async def test_fail_next_by_operation_with_body_and_headers(api: Api, fake: FakeGHL) -> None:
    c = fake.add_contact()
    fake.fail_next(
        429,
        operation="get-contact",
        body={"message": "slow down"},
        headers={"Retry-After": "3"},
    )
    assert (await api.get("/contacts/", params={"locationId": fake.location_id})).status_code == 200
    r = await api.get(f"/contacts/{c['id']}")
    assert r.status_code == 429
    assert r.json() == {"message": "slow down"}
    assert r.headers["Retry-After"] == "3"


async def test_double_star_glob(api: Api, fake: FakeGHL) -> None:
    c = fake.add_contact()
    fake.fail_next(502, path="/contacts/**", times=None)
    assert (await api.get(f"/contacts/{c['id']}/notes")).status_code == 502
    assert (await api.get(f"/contacts/{c['id']}")).status_code == 502
    fake.clear_faults()
    assert (await api.get(f"/contacts/{c['id']}")).status_code == 200


@pytest.mark.parametrize("exc", [httpx.ReadTimeout, httpx.ConnectError])
async def test_fail_next_exception(api: Api, fake: FakeGHL, exc: type[httpx.RequestError]) -> None:
    c = fake.add_contact()
    fake.fail_next(exception=exc)
    with pytest.raises(exc) as info:
        await api.get(f"/contacts/{c['id']}")
    assert info.value.request.url.path == f"/contacts/{c['id']}"
    assert fake.requests[-1].status is None
    assert (await api.get(f"/contacts/{c['id']}")).status_code == 200


async def test_exception_instance(api: Api, fake: FakeGHL) -> None:
    fake.fail_next(exception=RuntimeError("boom"))
    with pytest.raises(RuntimeError, match="boom"):
        await api.get("/contacts/", params={"locationId": fake.location_id})


async def test_write_then_fail_with_status(api: Api, fake: FakeGHL) -> None:
    fake.fail_next(500, operation="create-contact", after_write=True)
    body = new_contact(fake, email="once@example.com")
    r = await api.post("/contacts/", json=body)
    assert r.status_code == 500
    assert len(fake.contacts) == 1  # the write happened
    created_id = next(iter(fake.contacts))
    # A blind retry of the POST now hits the duplicate rule: this is what clients must handle.
    r = await api.post("/contacts/", json=body)
    assert r.status_code == 400
    assert r.json()["meta"]["contactId"] == created_id
    assert fake.requests[-2].status == 500


async def test_write_then_timeout(api: Api, fake: FakeGHL) -> None:
    c = fake.add_contact(tags=[])
    fake.fail_next(exception=httpx.ReadTimeout, method="POST", after_write=True)
    with pytest.raises(httpx.ReadTimeout):
        await api.post(f"/contacts/{c['id']}/tags", json={"tags": ["paid"]})
    assert fake.contacts[c["id"]]["tags"] == ["paid"]


async def test_write_then_fail_when_write_itself_fails(api: Api, fake: FakeGHL) -> None:
    fake.fail_next(500, after_write=True)
    r = await api.post("/contacts/", json={"firstName": "no location"})
    assert r.status_code == 500
    assert fake.contacts == {}


async def test_inject_predicate_until_cancelled(api: Api, fake: FakeGHL) -> None:
    c = fake.add_contact()
    seen: list[RecordedRequest] = []

    def predicate(rec: RecordedRequest) -> bool:
        seen.append(rec)
        return rec.json is not None and rec.json.get("firstName") == "Crash"

    fault = fake.inject(predicate, status=500)
    assert (await api.put(f"/contacts/{c['id']}", json={"firstName": "Ok"})).status_code == 200
    for _ in range(3):
        r = await api.put(f"/contacts/{c['id']}", json={"firstName": "Crash"})
        assert r.status_code == 500
    assert fault.hits == 3
    fault.cancel()
    assert (await api.put(f"/contacts/{c['id']}", json={"firstName": "Crash"})).status_code == 200
    assert len(seen) == 4  # a cancelled fault is no longer consulted


async def test_delay_only_fault(api: Api, fake: FakeGHL, clock: FakeClock) -> None:
    fake.inject(lambda rec: rec.operation == "get-contacts", status=None, delay=30, times=1)
    r = await api.get("/contacts/", params={"locationId": fake.location_id})
    assert r.status_code == 200
    assert clock.slept == 30


async def test_fault_argument_checks(fake: FakeGHL) -> None:
    with pytest.raises(ValueError, match="times"):
        fake.fail_next(times=0)
    with pytest.raises(ValueError, match="delay"):
        fake.inject(lambda r: True, delay=-1)


async def test_auth_is_checked_before_faults(api: Api, fake: FakeGHL) -> None:
    fault = fake.fail_next(500)
    assert (await api.get("/contacts/x", token="bad")).status_code == 401
    assert fault.active


# ---------------------------------------------------------------- seeding, state, log


async def test_seeding_and_snapshots(fake: FakeGHL) -> None:
    c = fake.add_contact(firstName="Seed", customFields=[{"id": "f", "value": 1}])
    assert c["name"] == "Seed"
    snapshot = fake.contacts
    snapshot[c["id"]]["firstName"] = "mutated"
    assert fake.contacts[c["id"]]["firstName"] == "Seed"
    with pytest.raises(TypeError, match="camelCase"):
        fake.add_contact(first_name="x")
    with pytest.raises(ValueError, match="already exists"):
        fake.add_contact(id=c["id"])
    with pytest.raises(KeyError, match="add_contact"):
        fake.add_task("missing", title="t")
    task = fake.add_task(c["id"], title="t", dueDate="2024-05-01T00:00:00.000Z")
    note = fake.add_note(c["id"], body="n", userId="u")
    appt = fake.add_appointment(c["id"], startTime="2024-05-01 10:00:00")
    assert fake.tasks == {task["id"]: task}
    assert fake.notes == {note["id"]: note}
    assert fake.appointments[appt["id"]]["startTime"] == "2024-05-01 10:00:00"
    assert task["contactId"] == note["contactId"] == appt["contactId"] == c["id"]


async def test_ids_are_deterministic_per_seed() -> None:
    a, b, c = FakeGHL(seed=7), FakeGHL(seed=7), FakeGHL(seed=8)
    ids_a = [a.add_contact()["id"] for _ in range(3)]
    assert ids_a == [b.add_contact()["id"] for _ in range(3)]
    assert ids_a != [c.add_contact()["id"] for _ in range(3)]
    assert all(len(i) == 20 for i in ids_a)


async def test_request_log_and_counters(api: Api, fake: FakeGHL) -> None:
    c = fake.add_contact()
    await api.get("/contacts/", params={"locationId": fake.location_id, "limit": "5"})
    await api.put(f"/contacts/{c['id']}", json={"firstName": "Z"})
    await api.get("/nowhere")
    log = fake.requests
    assert [(r.method, r.path, r.status) for r in log] == [
        ("GET", "/contacts", 200),
        ("PUT", f"/contacts/{c['id']}", 200),
        ("GET", "/nowhere", 404),
    ]
    assert log[0].query == {"locationId": fake.location_id, "limit": "5"}
    assert log[0].operation == "get-contacts"
    assert log[1].json == {"firstName": "Z"}
    assert log[1].path_params == {"contactId": c["id"]}
    assert log[1].headers["authorization"] == "Bearer ***"
    assert fake.token not in repr(log)
    assert log[1].headers["version"] == "2021-07-28"
    assert fake.counters == {"get-contacts": 1, "update-contact": 1, "unknown": 1}
    assert fake.count("update-contact") == 1
    assert fake.count(method="get") == 2
    assert fake.count() == 3
    fake.reset_counters()
    assert fake.requests == []
    assert fake.counters == {}
    assert fake.contacts[c["id"]]["firstName"] == "Z"  # state is kept


def test_operations_list_covers_the_routes() -> None:
    # 32 of contacts.json, 2 of oauth.json, 6 of locations.json, 6 of calendars.json
    assert len(OPERATIONS) == len(set(OPERATIONS)) == 46
    assert "get-contact" in OPERATIONS
    assert "remove-contact-from-every-campaign" in OPERATIONS


async def test_client_close_keeps_state(fake: FakeGHL) -> None:
    headers = {"Authorization": f"Bearer {fake.token}", "Version": "2021-07-28"}

    def sync_part() -> None:
        with httpx.Client(transport=fake, base_url=BASE_URL, headers=headers) as client:
            client.post("/contacts/", json=new_contact(fake, firstName="Kept"))

    sync_part()
    async with httpx.AsyncClient(transport=fake, base_url=BASE_URL, headers=headers) as aclient:
        r = await aclient.get("/contacts/", params={"locationId": fake.location_id})
    assert [x["firstName"] for x in r.json()["contacts"]] == ["Kept"]


async def test_constructor_checks() -> None:
    with pytest.raises(ValueError, match="positive"):
        FakeGHL(burst_limit=0)
    with pytest.raises(ValueError, match="tags_echo"):
        FakeGHL(tags_echo="some")
    with pytest.raises(ValueError, match="duplicate_priority"):
        FakeGHL(duplicate_priority=("name",))
    assert "fake-ghl-token" not in repr(FakeGHL())


async def test_clock_checks() -> None:
    from datetime import datetime

    with pytest.raises(ValueError, match="timezone-aware"):
        FakeClock(datetime(2024, 1, 1))
    clock = FakeClock(0)
    with pytest.raises(ValueError, match="backwards"):
        clock.advance(-1)
    clock.advance(5)
    assert clock.now() == 5
    assert "1970-01-01T00:00:05" in repr(clock)


# ---------------------------------------------------------------- concurrency


@pytest.fixture
def frequent_switches() -> Iterator[None]:
    # Switch threads every microsecond so an unguarded read-modify-write would be caught.
    old = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    yield
    sys.setswitchinterval(old)


@pytest.mark.usefixtures("frequent_switches")
def test_concurrent_writes_from_threads(fake: FakeGHL) -> None:
    target = fake.add_contact(firstName="Shared")
    headers = {"Authorization": f"Bearer {fake.token}", "Version": "2021-07-28"}
    client = httpx.Client(transport=fake, base_url=BASE_URL, headers=headers)
    errors: list[BaseException] = []
    barrier = threading.Barrier(8)

    def worker(n: int) -> None:
        try:
            barrier.wait()
            for i in range(40):
                r = client.post(
                    "/contacts/",
                    json=new_contact(fake, email=f"t{n}-{i}@example.com"),
                )
                assert r.status_code == 201
                r = client.post(f"/contacts/{target['id']}/tags", json={"tags": [f"t{n}-{i}"]})
                assert r.status_code == 201
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    client.close()
    assert errors == []
    assert len(fake.contacts) == 1 + 8 * 40
    assert len(fake.contacts[target["id"]]["tags"]) == 8 * 40  # no lost updates
    assert fake.counters == {"create-contact": 320, "add-tags": 320}


@pytest.mark.usefixtures("frequent_switches")
def test_concurrent_duplicate_creates_yield_one_contact(fake: FakeGHL) -> None:
    headers = {"Authorization": f"Bearer {fake.token}", "Version": "2021-07-28"}
    client = httpx.Client(transport=fake, base_url=BASE_URL, headers=headers)
    statuses: list[int] = []
    lock = threading.Lock()

    def worker() -> None:
        r = client.post("/contacts/", json=new_contact(fake, email="race@example.com"))
        with lock:
            statuses.append(r.status_code)

    threads = [threading.Thread(target=worker) for _ in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    client.close()
    assert sorted(statuses) == [201] + [400] * 15
    assert len(fake.contacts) == 1


async def test_concurrent_async_writes(fake: FakeGHL) -> None:
    headers = {"Authorization": f"Bearer {fake.token}", "Version": "2021-07-28"}
    async with httpx.AsyncClient(transport=fake, base_url=BASE_URL, headers=headers) as client:

        async def create(i: int) -> int:
            r = await client.post("/contacts/", json=new_contact(fake, email=f"a{i}@x.com"))
            return r.status_code

        statuses = await asyncio.gather(*(create(i) for i in range(100)))
    assert statuses == [201] * 100
    assert len({c["email"] for c in fake.contacts.values()}) == 100


@pytest.mark.usefixtures("frequent_switches")
def test_concurrent_rate_limited_threads_never_exceed_the_limit(clock: FakeClock) -> None:
    fake = FakeGHL(clock=clock, rate_limit=True, burst_limit=30)
    headers = {"Authorization": f"Bearer {fake.token}", "Version": "2021-07-28"}
    client = httpx.Client(transport=fake, base_url=BASE_URL, headers=headers)
    statuses: list[int] = []
    lock = threading.Lock()

    def worker() -> None:
        for _ in range(10):
            r = client.get("/contacts/", params={"locationId": fake.location_id})
            with lock:
                statuses.append(r.status_code)

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    client.close()
    assert statuses.count(200) == 30
    assert statuses.count(429) == 30


def test_is_a_sync_and_async_transport(fake: FakeGHL) -> None:
    assert isinstance(fake, httpx.BaseTransport)
    assert isinstance(fake, httpx.AsyncBaseTransport)


def _imports(package: Path) -> Iterator[tuple[str, str]]:
    for source in package.glob("*.py"):
        for node in ast.walk(ast.parse(source.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module:
                yield source.name, node.module
            elif isinstance(node, ast.Import):
                yield from ((source.name, alias.name) for alias in node.names)


def test_the_fake_imports_no_client_code() -> None:
    # The fake must stay an independent HTTP-level double of the API: from the core it takes
    # only the fakes' kit, which imports nothing else of the core.
    for source, name in _imports(Path(ghlsdk.testing.__file__).parent):
        if name.startswith("_sdkcore"):
            assert name == "_sdkcore.testing", (source, name)
        if name.startswith("ghlsdk"):
            assert name.startswith("ghlsdk.testing"), (source, name)
    kit = Path(ghlsdk.testing.__file__).parents[2] / "_sdkcore" / "testing"
    for source, name in _imports(kit):
        assert not name.startswith("_sdkcore") or name.startswith("_sdkcore.testing")
        assert not name.startswith(("ghlsdk", "ninoxsdk")), (source, name)
