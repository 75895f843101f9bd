"""`Together`: two programs side by side in both interpreters (async: two tasks; sync: two
threads that take turns stepping their programs); failures reach the program that asked, as
they are."""

from __future__ import annotations

import _thread
import threading
import time
from typing import Any

import anyio
import anyio.lowlevel
import attrs
import httpx
import pytest

from bridge.state import SQLiteStateStore
from bridge.sync import AsyncSyncEngine, SyncEngine
from bridge.sync.effects import AsyncClients, Clients, Effect, Program, perform
from bridge.sync.interpret import Together, arun, run
from bridge.testing import FakeWorld
from ghlsdk import AsyncGHLClient, GHLClient
from ninoxsdk import AsyncNinoxClient, NinoxClient

LOG: list[str] = []
LOCK = threading.Lock()


class Boom(Exception):
    pass


class Crash(BaseException):
    pass


@attrs.frozen
class Step(Effect[str]):
    """Logs its name, first waiting for ``wait_for`` (set by another step; sync: at most a
    few seconds, then it fails)."""

    name: str
    events: dict[str, anyio.Event] = attrs.field(factory=dict, eq=False)
    wait_for: str | None = None
    raises: BaseException | None = None
    flags: dict[str, threading.Event] = attrs.field(factory=dict, eq=False)

    def run(self, c: Clients) -> str:
        if self.wait_for is not None:
            with LOCK:
                flag = self.flags.setdefault(self.wait_for, threading.Event())
            if not flag.wait(3):
                raise TimeoutError(f"{self.name}: {self.wait_for} never came")
        LOG.append(self.name)
        with LOCK:
            self.flags.setdefault(self.name, threading.Event()).set()
        if self.raises is not None:
            raise self.raises
        return self.name

    async def arun(self, c: AsyncClients) -> str:
        if self.wait_for is not None:
            await self.events.setdefault(self.wait_for, anyio.Event()).wait()
        LOG.append(self.name)
        self.events.setdefault(self.name, anyio.Event()).set()
        if self.raises is not None:
            raise self.raises
        await anyio.lowlevel.checkpoint()
        return self.name


def steps(*effects: Step) -> Program[list[str]]:
    done = []
    for e in effects:
        done.append((yield from perform(e)))
    return done


def parent(first: Program[Any], second: Program[Any]) -> Program[Any]:
    try:
        return (yield from perform(Together(first, second)))
    except Boom as exc:
        return f"caught {exc}"


@pytest.fixture(autouse=True)
def _clear() -> None:
    LOG.clear()


CLIENTS: Any = None


def together_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("ghl-ninox-together")]


def test_sync_runs_them_side_by_side() -> None:
    flags: dict[str, threading.Event] = {}
    # a2 waits for b1, which only the second program reaches: it completes only if both run
    first = steps(Step("a1", flags=flags), Step("a2", flags=flags, wait_for="b1"))
    second = steps(Step("b1", flags=flags, wait_for="a1"), Step("b2", flags=flags))
    result = run(parent(first, second), CLIENTS)
    assert result == (["a1", "a2"], ["b1", "b2"])
    assert LOG.index("b1") < LOG.index("a2")


def test_sync_stops_the_other_at_an_exception_and_hands_it_to_the_program() -> None:
    flags: dict[str, threading.Event] = {}
    first = steps(Step("a1", flags=flags), Step("a2", flags=flags, wait_for="b1"), Step("a3"))
    second = steps(Step("b1", flags=flags, wait_for="a1", raises=Boom("in b1")))
    assert run(parent(first, second), CLIENTS) == "caught in b1"
    # a2 was in flight when b1 failed: it finishes, and nothing after it starts
    assert "a3" not in LOG
    assert not together_threads()


def test_sync_lets_a_crash_through_as_itself_and_leaves_no_thread_running() -> None:
    first = steps(Step("a1", raises=Crash()), Step("a2"))
    second = steps(Step("b1"), Step("b2"), Step("b3"))
    with pytest.raises(Crash):
        run(parent(first, second), CLIENTS)
    assert "a2" not in LOG
    assert not together_threads()


async def test_async_runs_them_side_by_side() -> None:
    events: dict[str, anyio.Event] = {}
    # a2 waits for b1, which only the second program reaches: it completes only if both run
    first = steps(Step("a1", events), Step("a2", events, wait_for="b1"))
    second = steps(Step("b1", events, wait_for="a1"), Step("b2", events))
    with anyio.fail_after(5):
        result = await arun(parent(first, second), CLIENTS)
    assert result == (["a1", "a2"], ["b1", "b2"])
    assert LOG.index("b1") < LOG.index("a2")


async def test_an_exception_stops_the_other_and_reaches_the_program_as_it_is() -> None:
    events: dict[str, anyio.Event] = {}
    first = steps(Step("a1", events), Step("never", events, wait_for="forever"))
    second = steps(Step("b1", events, wait_for="a1", raises=Boom("in b1")))
    with anyio.fail_after(5):
        result = await arun(parent(first, second), CLIENTS)
    assert result == "caught in b1"
    assert "never" not in LOG


async def test_a_crash_propagates_as_itself_not_as_a_group() -> None:
    first = steps(Step("a1", raises=Crash()))
    second = steps(Step("b1"))
    with pytest.raises(Crash):
        await arun(parent(first, second), CLIENTS)


@attrs.frozen
class Interrupt(Effect[str]):
    """Ctrl-C reaching the caller's thread while this effect is in flight."""

    def run(self, c: Clients) -> str:
        _thread.interrupt_main()
        time.sleep(0.2)  # the caller is interrupted while this is still running
        LOG.append("interrupt finished")
        return "interrupt"


def test_sync_waits_for_the_effects_in_flight_when_interrupted_then_stops() -> None:
    first = steps(Interrupt(), Step("a2"))  # type: ignore[arg-type]
    second = steps(*(Step(f"b{n}") for n in range(20_000)))
    with pytest.raises(KeyboardInterrupt):
        run(parent(first, second), CLIENTS)
    assert "interrupt finished" in LOG  # the effect in flight had its answer
    assert "a2" not in LOG
    assert len(LOG) < 20_000  # the other program stopped too, before its end
    assert not together_threads()


def test_sync_refuses_a_together_inside_a_together() -> None:
    # its programs would be stepped on a worker while the caller's thread steps the other
    inner = parent(steps(Step("x1")), steps(Step("y1")))
    outer = parent(inner, steps(Step("b1")))
    with pytest.raises(RuntimeError, match="one after the other"):
        run(outer, CLIENTS)
    assert not together_threads()


class Sequenced(httpx.BaseTransport, httpx.AsyncBaseTransport):
    """One log of the requests to both fakes, in the order they were answered."""

    def __init__(self, inner: Any, name: str, log: list[str]) -> None:
        self.inner, self.name, self.log = inner, name, log

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        return self._logged(request, self.inner.handle_request(request))

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        return self._logged(request, await self.inner.handle_async_request(request))

    def _logged(self, request: httpx.Request, response: httpx.Response) -> httpx.Response:
        with LOCK:
            self.log.append(f"{self.name} {request.method} {request.url.path}")
        return response


def logged_world() -> tuple[FakeWorld, list[str], Sequenced, Sequenced]:
    world = FakeWorld(ninox_options={"latency": 0.02}, ghl_options={"latency": 0.002})
    world.seed_ghl(40, tasks=1, notes=1, appointments=1)
    log: list[str] = []
    return world, log, Sequenced(world.ghl, "ghl", log), Sequenced(world.ninox, "ninox", log)


def assert_notes_read_beside_the_ninox_writes(world: FakeWorld, log: list[str]) -> None:
    notes = [n for n, line in enumerate(log) if line.endswith("/notes")]
    writes = [n for n, line in enumerate(log) if line.startswith("ninox POST")]
    assert len(notes) == 40
    # some note reads were answered before the last Ninox write of tasks and appointments
    assert notes[0] < writes[-2]
    for table in ("Contacts", "Tasks", "Notes", "Appointments"):
        assert len(world.ninox_records(table)) == 40


async def test_the_async_engine_reads_notes_while_it_writes_the_rest_to_ninox() -> None:
    world, log, to_ghl, to_ninox = logged_world()
    ghl = AsyncGHLClient(
        token=world.ghl.token,
        location_id=world.ghl.location_id,
        rate_limiting=False,
        http_client=httpx.AsyncClient(transport=to_ghl),
    )
    ninox = AsyncNinoxClient(
        world.ninox_api_key, min_interval=0, http_client=httpx.AsyncClient(transport=to_ninox)
    )
    db = ninox.database(world.team_id, world.database_id)
    assert (await AsyncSyncEngine(ghl, db, SQLiteStateStore()).sync()).ok
    assert_notes_read_beside_the_ninox_writes(world, log)
    await ghl.aclose()
    await ninox.aclose()


def test_the_sync_engine_reads_notes_while_it_writes_the_rest_to_ninox() -> None:
    world, log, to_ghl, to_ninox = logged_world()
    ghl = GHLClient(
        token=world.ghl.token,
        location_id=world.ghl.location_id,
        rate_limiting=False,
        http_client=httpx.Client(transport=to_ghl),
    )
    ninox = NinoxClient(
        world.ninox_api_key, min_interval=0, http_client=httpx.Client(transport=to_ninox)
    )
    db = ninox.database(world.team_id, world.database_id)
    assert SyncEngine(ghl, db, SQLiteStateStore()).sync().ok
    assert_notes_read_beside_the_ninox_writes(world, log)
    ghl.close()
    ninox.close()
