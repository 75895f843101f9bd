"""First sync of many contacts on the fakes, with latency and GHL's real rate limit enforced.

Prints the wall time against the lower bound set by the calls made (each takes at least the
simulated latency; GHL allows 100 requests per 10 s per location; Ninox gets one request in
flight with the client's politeness gap), the number of 429s the caller saw, and then the API
calls of a run where nothing changed, for two sizes (goal: the same count for both).

Also: the GHL calls of three passes over contacts with a task, a note and an appointment each,
with the engine's CPU and the state's size per contact (``--with-children``), and a first sync
of those under GHL's limit with its window scaled (``--children-wall``, ``--scale``).
Run: ``python benchmarks/sync.py [--contacts 10000] [--latency 0.005] [--ninox-gap 0.05]``
"""

from __future__ import annotations

import argparse
import contextlib
import sqlite3
import tempfile
import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import anyio
import attrs
import httpx

from bridge.mappers import default_mappings
from bridge.mapping import MappingSet
from bridge.state import SQLiteStateStore
from bridge.sync import AsyncSyncEngine, RunReport, SyncEngine
from bridge.testing import FakeWorld
from ghlsdk import AsyncGHLClient, GHLClient, RateLimiter, Window
from ninoxsdk import AsyncNinoxClient, NinoxClient

CONTACTS_ONLY = MappingSet((default_mappings().entity("contact"),))
BURST, INTERVAL = 100, 10.0


def world_with(
    contacts: int,
    from_ninox: int,
    latency: float,
    limit: bool = True,
    *,
    children: bool = False,
    scale: float = 1.0,
) -> FakeWorld:
    world = FakeWorld(
        mappings=None if children else CONTACTS_ONLY,
        ghl_options={
            "rate_limit": limit,
            "burst_limit": BURST,
            "burst_interval": INTERVAL * scale,
            "latency": latency,
        },
        ninox_options={"latency": latency},
    )
    if children:
        world.seed_ghl(contacts, tasks=1, notes=1, appointments=1)
        contacts = 0
    # Realistic history: contacts last updated over the past 30 days, not all "now".
    start = datetime.now(timezone.utc) - timedelta(days=30)
    for n in range(contacts):
        stamp = (start + timedelta(seconds=n * 30 * 86400 / max(contacts, 1))).isoformat()
        world.ghl.add_contact(
            firstName=f"First{n}",
            lastName=f"Last{n}",
            email=f"person{n}@example.com",
            phone=f"+1555{n:07d}",
            dateAdded=stamp,
            dateUpdated=stamp,
        )
    for n in range(from_ninox):
        world.ninox.add_record(
            world.team_id,
            world.database_id,
            world.table_ids["Contacts"],
            {"First Name": f"Nx{n}", "Email": f"nx{n}@example.com"},
        )
    return world


class Timed(httpx.BaseTransport):
    """Measures the time spent inside a fake (its simulated latency plus its own CPU)."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self.inner, self.seconds = inner, 0.0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        started = time.perf_counter()
        try:
            return self.inner.handle_request(request)
        finally:
            self.seconds += time.perf_counter() - started


def first_sync(
    contacts: int,
    from_ninox: int,
    latency: float,
    gap: float,
    *,
    children: bool = False,
    scale: float = 1.0,
    use_async: bool = False,
) -> None:
    world = world_with(contacts, from_ninox, latency, children=children, scale=scale)
    limiter = RateLimiter([Window(BURST, INTERVAL * scale), Window(200_000, 86_400.0)])
    if use_async:
        wall, report, in_fakes = anyio.run(run_async, world, limiter, gap)
    else:
        wall, report, in_fakes = run_sync(world, limiter, gap)
    n_ghl, n_ninox = len(world.ghl.requests), len(world.ninox.requests)
    limited = sum(1 for r in world.ghl.requests if r.status == 429)
    ghl_bound = max(n_ghl * latency, max(0, n_ghl - BURST) * INTERVAL * scale / BURST)
    ninox_bound = n_ninox * max(latency, gap)
    bound = ghl_bound + ninox_bound
    # The fakes' own CPU (sorting, copying, validating) is not the engine's doing: a real
    # server spends its own. Only the simulated latency belongs in the comparison.
    fake_cpu = max(0.0, in_fakes - (n_ghl + n_ninox) * latency)
    what = "with a task, note and appointment each" if children else "(contacts only)"
    print(
        f"{'async' if use_async else 'sync'} engine, first sync of {contacts} GHL {what} + "
        f"{from_ninox} Ninox contacts, GHL's limit "
        f"scaled by {scale}: {wall:.1f} s, "
        f"{n_ghl} GHL + {n_ninox} Ninox calls; lower bound {bound:.1f} s "
        f"(GHL {ghl_bound:.1f} s, Ninox {ninox_bound:.1f} s); ratio {wall / bound:.2f}x "
        f"(goal <= 1.1x); 429s answered by the fake {limited}, surfaced to the caller "
        f"{len(report.errors)}"
    )
    if in_fakes >= 0:
        print(
            f"  of which inside the fakes' own code {fake_cpu:.1f} s; without it "
            f"{wall - fake_cpu:.1f} s, ratio {(wall - fake_cpu) / bound:.2f}x"
        )
    world.close()


def run_sync(world: FakeWorld, limiter: RateLimiter, gap: float) -> tuple[float, RunReport, float]:
    ghl_t, ninox_t = Timed(world.ghl), Timed(world.ninox)
    ghl = GHLClient(
        token=world.ghl.token,
        location_id=world.ghl.location_id,
        http_client=httpx.Client(transport=ghl_t),
        rate_limiter=limiter,
    )
    ninox = NinoxClient(
        world.ninox_api_key, min_interval=gap, http_client=httpx.Client(transport=ninox_t)
    )
    db = ninox.database(world.team_id, world.database_id)
    engine = SyncEngine(ghl, db, SQLiteStateStore(), mappings=world.mappings)
    started = time.perf_counter()
    report = engine.sync()
    wall = time.perf_counter() - started
    ghl.close()
    ninox.close()
    return wall, report, ghl_t.seconds + ninox_t.seconds


async def run_async(
    world: FakeWorld, limiter: RateLimiter, gap: float
) -> tuple[float, RunReport, float]:
    ghl = AsyncGHLClient(
        token=world.ghl.token,
        location_id=world.ghl.location_id,
        http_client=httpx.AsyncClient(transport=world.ghl),
        rate_limiter=limiter,
    )
    ninox = AsyncNinoxClient(
        world.ninox_api_key, min_interval=gap, http_client=httpx.AsyncClient(transport=world.ninox)
    )
    db = ninox.database(world.team_id, world.database_id)
    engine = AsyncSyncEngine(ghl, db, SQLiteStateStore(), mappings=world.mappings)
    started = time.perf_counter()
    report = await engine.sync()
    wall = time.perf_counter() - started
    await ghl.aclose()
    await ninox.aclose()
    return wall, report, -1.0  # the fakes' time overlaps: not separable


def quiet_run_calls(contacts: int) -> tuple[int, int]:
    world = world_with(contacts, 0, 0.0, limit=False)
    engine = SyncEngine(
        world.ghl_client(rate_limiting=False),
        world.ninox_db(),
        SQLiteStateStore(),
        mappings=CONTACTS_ONLY,
    )
    engine.sync()
    engine.sync()  # our own writes come back once and are recognised
    world.ghl.reset_counters()
    world.ninox.reset_counters()
    report = engine.sync()
    assert report.writes == 0
    calls = len(world.ghl.requests), len(world.ninox.requests)
    world.close()
    return calls


def calls_per_pass(contacts: int) -> tuple[list[tuple[int, int]], float, StateBytes]:
    """GHL and Ninox calls of three passes over contacts with a task, a note and an
    appointment each (the default mappings), nothing edited in between; the engine's CPU
    per contact over the three passes (the fakes' own CPU taken out) and the state's bytes
    (the file keeps its free pages for the next run's ops)."""
    world = FakeWorld()
    # Realistic history: contacts last updated over the past 30 days, not all "now" (those
    # updated within the overlap window before a pass are read again by the next: a page
    # per 500).
    world.seed_ghl(contacts, tasks=1, notes=1, appointments=1, history=timedelta(days=30))
    ghl_t, ninox_t = CpuTimed(world.ghl), CpuTimed(world.ninox)
    ghl = GHLClient(
        token=world.ghl.token,
        location_id=world.ghl.location_id,
        rate_limiting=False,
        http_client=httpx.Client(transport=ghl_t),
    )
    ninox = NinoxClient(
        world.ninox_api_key, min_interval=0, http_client=httpx.Client(transport=ninox_t)
    )
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "state.sqlite3"
        store = SQLiteStateStore(path)
        engine = SyncEngine(ghl, ninox.database(world.team_id, world.database_id), store)
        calls = []
        cpu = time.process_time()
        first_file = 0
        for _ in range(3):
            world.ghl.reset_counters()
            world.ninox.reset_counters()
            engine.sync()
            calls.append((len(world.ghl.requests), len(world.ninox.requests)))
            first_file = first_file or state_bytes(path).file
        engine_cpu = time.process_time() - cpu - ghl_t.cpu - ninox_t.cpu
        store.close()
        size = attrs.evolve(state_bytes(path), file=first_file)
    for table in ("Contacts", "Tasks", "Notes", "Appointments"):
        assert len(world.ninox_records(table)) == contacts, table
    world.close()
    return calls, engine_cpu / contacts, size


@attrs.frozen
class StateBytes:
    live: int
    #: Of ``live``, the per-record history (kept ``[history] keep_days``, 90 by default);
    #: None when this SQLite has no ``dbstat`` table to tell.
    history: int | None
    #: The file's size (after the first pass, in `calls_per_pass`: its largest).
    file: int


def state_bytes(path: Path) -> StateBytes:
    with contextlib.closing(sqlite3.connect(path)) as db:
        pages = db.execute("PRAGMA page_count").fetchone()[0]
        free = db.execute("PRAGMA freelist_count").fetchone()[0]
        page = db.execute("PRAGMA page_size").fetchone()[0]
        try:
            (history,) = db.execute(
                "SELECT coalesce(sum(pgsize), 0) FROM dbstat"
                " WHERE name = 'history' OR name LIKE 'history\\_%' ESCAPE '\\'"
            ).fetchone()
        except sqlite3.OperationalError:  # built without dbstat
            history = None
    return StateBytes(live=(pages - free) * page, history=history, file=pages * page)


class CpuTimed(httpx.BaseTransport):
    """Measures the CPU spent inside a fake (not the engine's): the calling thread's, as the
    sync engine may call both fakes from two threads at once."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self.inner, self.cpu = inner, 0.0
        self._lock = threading.Lock()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        started = time.thread_time()
        try:
            return self.inner.handle_request(request)
        finally:
            spent = time.thread_time() - started
            with self._lock:
                self.cpu += spent


def report_passes(contacts: int) -> None:
    passes, cpu, size = calls_per_pass(contacts)
    total = sum(g for g, _ in passes)
    print(
        f"{contacts} contacts with a task, a note and an appointment each, three passes "
        "(GHL + Ninox calls): "
        + ", ".join(f"{g} + {n}" for g, n in passes)
        + f"; GHL total {total} (goal <= 1.1 N + 60 = {int(1.1 * contacts) + 60}); "
        f"no-change pass {passes[2][0]} GHL calls (goal <= 10); engine CPU "
        f"{cpu * 1000:.2f} ms per contact over the three passes; state "
        f"{size.live / contacts / 1024:.2f} KB per contact"
        + (
            f" (the per-record history, kept 90 days, {size.history / contacts / 1024:.2f}; "
            f"the rest {(size.live - size.history) / contacts / 1024:.2f})"
            if size.history is not None
            else ""
        )
        + f", the file after the first pass {size.file / contacts / 1024:.2f} KB per contact"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--contacts", type=int, default=10_000)
    parser.add_argument("--from-ninox", type=int, default=50)
    parser.add_argument("--latency", type=float, default=0.005)
    parser.add_argument("--ninox-gap", type=float, default=0.05)
    parser.add_argument("--with-children", type=int, nargs="*", default=[1000, 10_000])
    parser.add_argument("--children-wall", type=int, default=1000)
    parser.add_argument("--scale", type=float, default=0.1, help="GHL's 10 s window x this")
    args = parser.parse_args()
    for size in args.with_children:
        report_passes(size)
    for use_async in (False, True):
        first_sync(
            args.contacts, args.from_ninox, args.latency, args.ninox_gap, use_async=use_async
        )
    for use_async in (False, True):
        first_sync(
            args.children_wall,
            0,
            args.latency,
            args.ninox_gap,
            children=True,
            scale=args.scale,
            use_async=use_async,
        )
    small, large = quiet_run_calls(args.contacts // 10), quiet_run_calls(args.contacts)
    print(
        f"no-change run: {small[0]} GHL + {small[1]} Ninox calls at {args.contacts // 10} "
        f"contacts, {large[0]} GHL + {large[1]} Ninox calls at {args.contacts} "
        f"(goal: independent of the number of records)"
    )


if __name__ == "__main__":
    main()
