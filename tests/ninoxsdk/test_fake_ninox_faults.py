"""FakeNinox: fault injection, latency, concurrency limit, request log and thread safety."""

from __future__ import annotations

import asyncio
import re
import threading
from typing import Any

import httpx
import pytest

from ninoxsdk.testing import FakeNinox
from tests.ninoxsdk.test_fake_ninox_support import (  # noqa: F401
    BASE_URL,
    DB,
    KEY,
    RECORDS,
    TEAM,
    Api,
    api_fixture,
    fake_fixture,
    make_fake,
)

HEADERS = {"Authorization": f"Bearer {KEY}"}
RECORDS_TEMPLATE = "/teams/{team}/databases/{db}/tables/{tid}/records"


# -- faults -------------------------------------------------------------------------------


async def test_fail_next_answers_the_status_once_then_recovers(api: Api) -> None:
    fault = api.fake.fail_next(503)
    first = await api.get("/teams")
    assert first.status_code == 503
    assert first.json() == {"message": "HTTP 503 injected by FakeNinox"}
    assert (await api.get("/teams")).status_code == 200
    assert fault.hits == 1
    assert fault.times == 0
    assert [r.injected for r in api.fake.requests] == [True, False]


async def test_fault_times_message_headers_and_method_filter(api: Api) -> None:
    api.fake.fail_next(
        429, times=2, method="post", message="Too many", headers={"Retry-After": "3"}
    )
    assert (await api.get("/teams")).status_code == 200  # GET does not match
    for _ in range(2):
        response = await api.post(RECORDS, json=[{"fields": {}}])
        assert response.status_code == 429
        assert response.headers["retry-after"] == "3"
        assert response.json() == {"message": "Too many"}
    assert (await api.post(RECORDS, json=[{"fields": {}}])).status_code == 200
    assert len(api.fake.records(TEAM, DB, "A")) == 1  # failed writes were not applied


@pytest.mark.parametrize(
    "path",
    [
        "*/tables/A/records",
        RECORDS_TEMPLATE,
        re.compile(r"/records$"),
    ],
)
async def test_fault_path_glob_template_and_regex(api: Api, path: Any) -> None:
    api.fake.fail_next(500, path=path)
    assert (await api.get(f"{RECORDS}/1")).status_code == 404  # not matched: plain 404
    assert (await api.get("/teams")).status_code == 200
    assert (await api.get(RECORDS)).status_code == 500


async def test_fault_until_cleared_and_before_auth(api: Api) -> None:
    fault = api.fake.fail_next(502, times=None)
    assert (await api.get("/teams", headers={"Authorization": "Bearer nope"})).status_code == 502
    assert (await api.get("/teams")).status_code == 502
    assert fault.hits == 2
    api.fake.clear_faults()
    assert (await api.get("/teams")).status_code == 200


async def test_faults_fire_in_the_order_added(api: Api) -> None:
    api.fake.fail_next(503)
    api.fake.fail_next(504)
    assert [(await api.get("/teams")).status_code for _ in range(3)] == [503, 504, 200]


async def test_exception_class_is_raised_with_the_request(api: Api) -> None:
    api.fake.fail_next(exception=httpx.ReadTimeout)
    with pytest.raises(httpx.ReadTimeout, match="injected") as info:
        await api.get("/teams")
    assert info.value.request.url.path == "/v1/teams"
    assert api.fake.requests[-1].status is None
    assert api.fake.requests[-1].error == "ReadTimeout"
    api.fake.fail_next(exception=httpx.ConnectError("refused"))
    with pytest.raises(httpx.ConnectError, match="refused"):
        await api.get("/teams")
    api.fake.fail_next(exception=RuntimeError, message="boom")
    with pytest.raises(RuntimeError, match="boom"):
        await api.get("/teams")


async def test_write_then_fail_applies_the_write_but_fails_the_answer(api: Api) -> None:
    api.fake.fail_next(exception=httpx.ReadTimeout, method="POST", after_write=True)
    with pytest.raises(httpx.ReadTimeout):
        await api.post(RECORDS, json=[{"fields": {"First name": "Ada"}}])
    assert [r["fields"] for r in api.fake.records(TEAM, DB, "A")] == [{"First name": "Ada"}]
    # a blind retry duplicates the record: what duplicate-safety tests look for
    await api.ok("POST", RECORDS, json=[{"fields": {"First name": "Ada"}}])
    assert len(api.fake.records(TEAM, DB, "A")) == 2
    api.fake.fail_next(502, after_write=True)
    response = await api.request("DELETE", f"{RECORDS}/1")
    assert response.status_code == 502
    assert [r["id"] for r in api.fake.records(TEAM, DB, "A")] == [2]


def test_fault_arguments_are_checked() -> None:
    fake = FakeNinox()
    with pytest.raises(ValueError, match="needs a status, an exception or a delay"):
        fake.fail_next(None)
    with pytest.raises(ValueError, match="times"):
        fake.fail_next(503, times=0)
    with pytest.raises(ValueError, match="max_concurrency"):
        FakeNinox(max_concurrency=0)


# -- latency ------------------------------------------------------------------------------


async def test_latency_uses_the_injected_sleeps() -> None:
    slept: list[float] = []
    async_slept: list[float] = []

    async def async_sleep(seconds: float) -> None:
        async_slept.append(seconds)

    fake = make_fake(latency=0.25, sleep=slept.append, async_sleep=async_sleep)
    sync_api, async_api = Api(fake, "sync"), Api(fake, "async")
    await sync_api.ok("GET", "/teams")
    await async_api.ok("GET", "/teams")
    assert slept == [0.25]
    assert async_slept == [0.25]
    fake.latency = lambda request: 2.0 if request.method == "POST" else 0.0
    await sync_api.ok("GET", "/teams")
    await sync_api.ok("POST", RECORDS, json=[])
    await async_api.ok("POST", RECORDS, json=[])
    assert slept == [0.25, 2.0]
    assert async_slept == [0.25, 2.0]
    await sync_api.aclose()
    await async_api.aclose()


def test_no_latency_means_no_sleep() -> None:
    def forbidden(seconds: float) -> None:
        raise AssertionError("slept")

    fake = make_fake(sleep=forbidden)
    with httpx.Client(transport=fake, base_url=BASE_URL, headers=HEADERS) as client:
        assert client.get("/teams").status_code == 200


# -- concurrency --------------------------------------------------------------------------


async def test_concurrency_limit_rejects_with_429_async() -> None:
    gate = asyncio.Event()
    waiting: list[float] = []

    async def blocked(seconds: float) -> None:
        waiting.append(seconds)
        await gate.wait()

    fake = make_fake(latency=1.0, async_sleep=blocked, max_concurrency=2, retry_after=2)
    async with httpx.AsyncClient(transport=fake, base_url=BASE_URL, headers=HEADERS) as client:
        first = asyncio.create_task(client.get("/teams"))
        second = asyncio.create_task(client.get("/teams"))
        for _ in range(1000):
            if len(waiting) == 2:
                break
            await asyncio.sleep(0)
        assert len(waiting) == 2
        third = await client.get("/teams")
        assert third.status_code == 429
        assert third.headers["retry-after"] == "2"
        assert "parallel" in third.json()["message"]
        gate.set()
        assert [(await first).status_code, (await second).status_code] == [200, 200]
    assert fake.rejected == 1
    assert fake.max_in_flight == 2
    assert fake.counters["GET /teams"] == 3


def test_concurrency_limit_rejects_with_429_threads() -> None:
    gate = threading.Event()
    inside = threading.Semaphore(0)

    def blocked(seconds: float) -> None:
        inside.release()
        gate.wait(10)

    fake = make_fake(latency=1.0, sleep=blocked, max_concurrency=1)
    results: list[int] = []

    def call() -> None:
        with httpx.Client(transport=fake, base_url=BASE_URL, headers=HEADERS) as client:
            results.append(client.get("/teams").status_code)

    worker = threading.Thread(target=call)
    worker.start()
    assert inside.acquire(timeout=10)
    with httpx.Client(transport=fake, base_url=BASE_URL, headers=HEADERS) as client:
        rejected = client.get("/teams")
    assert rejected.status_code == 429
    assert "retry-after" not in rejected.headers
    gate.set()
    worker.join(10)
    assert results == [200]
    assert (fake.rejected, fake.max_in_flight) == (1, 1)


async def test_serial_calls_keep_one_request_in_flight(api: Api) -> None:
    for _ in range(3):
        await api.ok("GET", "/teams")
    assert api.fake.max_in_flight == 1


# -- request log and counters -------------------------------------------------------------


async def test_request_log_redacts_the_key_and_keeps_the_body(api: Api) -> None:
    await api.ok("POST", RECORDS, json=[{"fields": {"First name": "Ada"}}], params={"x": "1"})
    entry = api.fake.requests[-1]
    assert entry.method == "POST"
    assert entry.path == f"/teams/{TEAM}/databases/{DB}/tables/A/records"
    assert entry.operation == f"POST {RECORDS_TEMPLATE}"
    assert entry.url.startswith(f"{BASE_URL}/teams/")
    assert entry.query == {"x": "1"}
    assert entry.json == [{"fields": {"First name": "Ada"}}]
    assert entry.status == 200
    assert entry.headers["authorization"] == "Bearer ***"
    assert KEY not in repr(api.fake.requests)
    assert KEY not in repr(api.fake)


async def test_counters_count_and_reset(api: Api) -> None:
    await api.ok("GET", "/teams")
    await api.ok("GET", "/teams")
    await api.ok("POST", RECORDS, json=[])
    await api.ok("GET", RECORDS)
    assert api.fake.counters["GET /teams"] == 2
    assert api.fake.counters[f"POST {RECORDS_TEMPLATE}"] == 1
    assert api.fake.calls == api.fake.counters  # the older name
    assert api.fake.count() == 4
    assert api.fake.count("get") == 3
    assert api.fake.count(path="*/records") == 2
    assert api.fake.count("POST", RECORDS_TEMPLATE) == 1
    api.fake.reset_counters()
    assert (api.fake.requests, api.fake.count(), api.fake.counters) == ([], 0, {})
    assert api.fake.max_in_flight == 0
    assert api.fake.sequence(TEAM, DB) == 0  # state kept, nothing was written


# -- thread and task safety ---------------------------------------------------------------


def test_parallel_threads_get_unique_ids_and_sequences() -> None:
    fake = make_fake()
    threads, rounds = 8, 20
    errors: list[BaseException] = []

    def work() -> None:
        try:
            with httpx.Client(transport=fake, base_url=BASE_URL, headers=HEADERS) as client:
                for i in range(rounds):
                    saved = client.post(RECORDS, json=[{"fields": {"Score": i}}] * 2).json()
                    rid = saved[0]["id"]
                    client.put(f"{RECORDS}/{rid}", json={"fields": {"Score": -i}})
        except BaseException as exc:  # surfaced below, not swallowed
            errors.append(exc)

    workers = [threading.Thread(target=work) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(30)
    assert errors == []
    records = fake.records(TEAM, DB, "A")
    assert [r["id"] for r in records] == list(range(1, threads * rounds * 2 + 1))
    sequences = [r["sequence"] for r in records]
    assert len(set(sequences)) == len(sequences)
    assert fake.sequence(TEAM, DB) == threads * rounds * 3
    assert len(fake.requests) == threads * rounds * 2
    assert fake.count("PUT") == threads * rounds


async def test_parallel_async_tasks_get_unique_ids() -> None:
    fake = make_fake()
    async with httpx.AsyncClient(transport=fake, base_url=BASE_URL, headers=HEADERS) as client:
        answers = await asyncio.gather(
            *(client.post(RECORDS, json=[{"fields": {"Score": i}}]) for i in range(50))
        )
    ids = sorted(a.json()[0]["id"] for a in answers)
    assert ids == list(range(1, 51))
    assert fake.sequence(TEAM, DB) == 50


def test_closing_a_client_keeps_the_fake_usable() -> None:
    fake = make_fake()
    with httpx.Client(transport=fake, base_url=BASE_URL, headers=HEADERS) as client:
        client.post(RECORDS, json=[{"fields": {}}])
    with httpx.Client(transport=fake, base_url=BASE_URL, headers=HEADERS) as client:
        assert len(client.get(RECORDS).json()) == 1
