"""Throughput of a fleet of worker processes on one PostgreSQL state (no asserts; prints figures).

    .venv/bin/python benchmarks/fleet.py [--url postgresql://...] [--locations 50]
        [--contacts 200] [--workers 1 2 4] [--burst 20 --window 0.5]

FakeGHL and FakeNinox are served over HTTP by this process (tests/served.py), so every worker
process talks to the same fakes, which count each request and each 429. Each location has
``contacts`` contacts, three quarters in GHL and a quarter in Ninox, so a first pass creates
on both sides. GHL's budget (100 per 10 s per location) is scaled in time to ``--burst`` per
``--window`` seconds, enforced by the fake and spent by the workers through the fleet's
PostgreSQL limiter. Without ``--url`` a throwaway cluster is started (initdb and pg_ctl, as
the tests do) and removed afterwards.

Printed per worker count: the wall time until every partition has converged, contacts per
second, GHL and Ninox requests, 429s (goal: 0), the speed-up over one worker, and the CPU
the worker processes used (per contact). The machine's cores bound the speed-up: the fakes,
PostgreSQL and the workers share them (the engine makes ~14 state statements per new
contact, which dominates), so on 2 busy cores more workers add little; the budget is never
the bound here (a partition's 51 GHL requests need 1.3 s of it).
"""

from __future__ import annotations

import argparse
import multiprocessing
import resource
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the worker processes import tests.bridge.fleet_support

import psycopg  # noqa: E402
from tests.bridge.fleet_support import FakeFleet, worker_main  # noqa: E402

from bridge.fleet import FleetDB  # noqa: E402


def throwaway_cluster() -> tuple[str, object]:
    from tests.conftest import _Cluster, _pg_binaries  # the tests' throwaway cluster

    binaries = _pg_binaries()
    if binaries is None:
        sys.exit("no initdb/pg_ctl found: pass --url postgresql://... (apt-get install postgresql)")
    cluster = _Cluster(*binaries)
    return cluster.start(), cluster


def run(
    url: str, locations: int, contacts: int, workers: int, burst: tuple[int, float]
) -> dict[str, float]:
    name = f"fleet_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    fleet_url = url.rsplit("/", 1)[0] + f"/{name}"
    fakes = FakeFleet(
        locations=locations,
        ghl_contacts=contacts * 3 // 4,
        ninox_contacts=contacts - contacts * 3 // 4,
        burst=burst,
    )
    try:
        with FleetDB(fleet_url):
            pass  # the fleet tables, before the workers start
        spawn = multiprocessing.get_context("spawn")
        ready = spawn.Queue()
        settings = fakes.settings(fleet_url, interval=3600.0, lease_ttl=30.0)
        procs = [
            spawn.Process(target=worker_main, args=(settings, f"w{i}", time.time() + 3600, ready))
            for i in range(workers)
        ]
        for p in procs:
            p.start()
        for _ in procs:  # timed from when every worker is up: not the interpreters' start
            ready.get(timeout=120)
        fakes.world.ghl.reset_counters()
        fakes.world.ninox.reset_counters()
        started = time.perf_counter()
        with FleetDB(fleet_url) as db:
            fakes.register(db)
        while not fakes.converged():
            time.sleep(0.25)
        wall = time.perf_counter() - started
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        for p in procs:
            p.terminate()
        for p in procs:
            p.join(10)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
        return {
            "wall": wall,
            "cpu": cpu,
            "ghl": len(fakes.world.ghl.requests),
            "ninox": len(fakes.world.ninox.requests),
            "throttled": fakes.throttled(),
        }
    finally:
        fakes.close()
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE {name} WITH (FORCE)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="a PostgreSQL superuser URL (default: a throwaway cluster)")
    parser.add_argument("--locations", type=int, default=50)
    parser.add_argument("--contacts", type=int, default=200)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--burst", type=int, default=20)
    parser.add_argument("--window", type=float, default=0.5)
    args = parser.parse_args()
    cluster = None
    url = args.url
    if url is None:
        url, cluster = throwaway_cluster()
    try:
        total = args.locations * args.contacts
        print(
            f"{args.locations} locations x {args.contacts} contacts ({total} contacts), GHL "
            f"budget {args.burst} per {args.window} s per location (scaled from 100 per 10 s)"
        )
        base: float | None = None
        for n in args.workers:
            got = run(url, args.locations, args.contacts, n, (args.burst, args.window))
            base = base or got["wall"]
            print(
                f"{n} worker(s): {got['wall']:.1f} s, {total / got['wall']:.0f} contacts/s, "
                f"{got['ghl']:.0f} GHL + {got['ninox']:.0f} Ninox requests, "
                f"429s {got['throttled']:.0f}, speed-up x{base / got['wall']:.2f}; workers' CPU "
                f"{got['cpu']:.0f} s ({got['cpu'] * 1000 / total:.1f} ms per contact)"
            )
    finally:
        if cluster is not None:
            cluster.stop()  # type: ignore[attr-defined]


if __name__ == "__main__":
    main()
