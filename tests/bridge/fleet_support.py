"""A fleet of fake locations reachable from other processes: FakeGHL and FakeNinox served over
HTTP on 127.0.0.1 by the test (or benchmark) process, so every worker process talks to the same
fakes, and the fakes count every request and every 429 in one place.

Used by tests/bridge/test_fleet*.py and benchmarks/fleet.py.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator, Sequence
from typing import Any

import attrs

from bridge.fleet import (
    FleetClients,
    FleetDB,
    FleetWorker,
    PartitionLeases,
    PartitionSpec,
    PostgresRateLimiter,
)
from bridge.mappers import default_mappings
from bridge.mapping import MappingSet
from bridge.testing import FakeWorld
from ghlsdk import Window
from ninoxsdk import NinoxClient
from tests.served import TransportServer

CONTACTS_ONLY = MappingSet((default_mappings().entity("contact"),))


@attrs.frozen(kw_only=True)
class FleetSettings:
    """What a worker process needs to reach the fakes and the state (picklable)."""

    url: str
    ghl_url: str
    ninox_url: str
    ninox_api_key: str
    tokens: dict[str, str]
    burst: tuple[int, float]
    lease_ttl: float = 2.0
    interval: float = 0.5

    @property
    def windows(self) -> tuple[Window, ...]:
        return (Window(*self.burst), Window(200_000, 86_400.0))


class FakeFleet:
    """``locations`` GHL locations on one FakeGHL (burst limit enforced, 429s counted), each
    with ``ghl_contacts`` contacts, and a Ninox database each (plus ``second_database`` for the
    first locations in that number: a location synced with two databases, two partitions
    spending one budget), seeded with ``ninox_contacts`` contacts of their own."""

    def __init__(
        self,
        *,
        locations: int,
        ghl_contacts: int,
        ninox_contacts: int,
        second_database: int = 0,
        burst: tuple[int, float] = (20, 0.5),
        latency: float = 0.0,
        mappings: MappingSet = CONTACTS_ONLY,
    ) -> None:
        self.burst = burst
        self.world = FakeWorld(
            mappings=mappings,
            ghl_options={
                "rate_limit": True,
                "burst_limit": burst[0],
                "burst_interval": burst[1],
                "latency": latency,
            },
            database_id="db0000",
        )
        self.tokens: dict[str, str] = {}
        self.specs: list[PartitionSpec] = []
        self.tables: dict[str, str] = {}
        for n in range(locations):
            location = f"loc{n:04d}"
            self.tokens[location] = self.world.ghl.add_location(location)
            for c in range(ghl_contacts):
                self.world.ghl.add_contact(
                    locationId=location,
                    firstName=f"G{c}",
                    lastName=location,
                    email=f"g{c}.{location}@example.com",
                )
            for d in range(2 if n < second_database else 1):
                database = f"db{n:04d}" if d == 0 else f"db{n:04d}b"
                if database != self.world.database_id:
                    tables = self.world.add_database(database)
                else:
                    tables = self.world.table_ids
                self.tables[database] = tables["Contacts"]
                for c in range(ninox_contacts):
                    self.world.ninox.add_record(
                        self.world.team_id,
                        database,
                        tables["Contacts"],
                        {"First Name": f"N{c}", "Email": f"n{c}.{database}@example.com"},
                    )
                self.specs.append(
                    PartitionSpec(
                        location_id=location, team_id=self.world.team_id, database_id=database
                    )
                )
        self.ghl_server = TransportServer(self.world.ghl)
        self.ninox_server = TransportServer(self.world.ninox)

    def settings(self, url: str, **options: Any) -> FleetSettings:
        return FleetSettings(
            url=url,
            ghl_url=self.ghl_server.url,
            ninox_url=self.ninox_server.url + "/v1",
            ninox_api_key=self.world.ninox_api_key,
            tokens=dict(self.tokens),
            burst=self.burst,
            **options,
        )

    def register(self, db: FleetDB) -> None:
        leases = PartitionLeases(db)
        for spec in self.specs:
            leases.register(
                spec.key,
                location_id=spec.location_id,
                team_id=spec.team_id,
                database_id=spec.database_id,
            )

    # -- what the fakes saw --------------------------------------------------------------------

    def ghl_emails(self) -> dict[str, list[str]]:
        """The GHL contacts' emails, per location."""
        by_location: dict[str, list[str]] = {}
        for contact in self.world.ghl.contacts.values():
            if contact.get("email"):
                by_location.setdefault(str(contact["locationId"]), []).append(contact["email"])
        return by_location

    def ninox_emails(self, database: str) -> list[str]:
        rows = self.world.ninox.records(self.world.team_id, database, self.tables[database])
        return [str(r["fields"]["Email"]) for r in rows if r["fields"].get("Email")]

    def converged(self) -> bool:
        """Every partition's Ninox database holds exactly its location's GHL contacts."""
        ghl = self.ghl_emails()
        return all(
            sorted(self.ninox_emails(spec.database_id)) == sorted(ghl.get(spec.location_id, []))
            for spec in self.specs
        )

    def throttled(self) -> int:
        return sum(1 for r in self.world.ghl.requests if r.status == 429)

    def creates(self, location: str) -> int:
        """Contact writes that created or upserted a contact of ``location`` in GHL."""
        return sum(
            1
            for r in self.world.ghl.requests
            if r.operation in ("create-contact", "upsert-contact")
            and r.status in (200, 201)
            and isinstance(r.json, dict)
            and r.json.get("locationId") == location
        )

    def close(self) -> None:
        self.ghl_server.close()
        self.ninox_server.close()
        self.world.close()


def make_worker(settings: FleetSettings, name: str) -> tuple[FleetWorker, FleetClients]:
    """A worker on the shared fakes, spending budgets through PostgreSQL."""
    db = FleetDB(settings.url)
    limiter = PostgresRateLimiter(FleetDB(settings.url), settings.windows, max_hold=5.0)
    clients = FleetClients(
        credentials=settings.tokens.__getitem__,
        ninox=NinoxClient(settings.ninox_api_key, base_url=settings.ninox_url, min_interval=0),
        limiter=limiter,
        windows=settings.windows,
        ghl_base_url=settings.ghl_url,
    )
    worker = FleetWorker(
        db,
        settings.url,
        clients,
        name=name,
        mappings=CONTACTS_ONLY,
        lease_ttl=settings.lease_ttl,
        interval=settings.interval,
    )
    return worker, clients


def worker_main(settings: FleetSettings, name: str, until: float, ready: Any = None) -> None:
    """A worker process: serve partitions until ``until`` (epoch seconds) or until killed;
    puts its name on the ``ready`` queue, if any, once connected."""
    worker, clients = make_worker(settings, f"{name}:{os.getpid()}")
    if ready is not None:
        ready.put(name)
    try:
        while time.time() < until:
            if worker.run_once() is None:
                time.sleep(0.05)
    finally:
        close_worker(worker, clients)


def close_worker(worker: FleetWorker, clients: FleetClients) -> None:
    """Close what `make_worker` opened: the clients, the limiter's and the worker's
    connections."""
    clients.close()
    if isinstance(clients.limiter, PostgresRateLimiter):
        clients.limiter.db.close()
    worker.db.close()


def wait_for(check: Any, timeout: float, step: float = 0.1) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(step)
    return bool(check())


def iter_chunks(items: Sequence[Any], n: int) -> Iterator[Sequence[Any]]:
    for i in range(0, len(items), n):
        yield items[i : i + n]


def hammer(
    settings: FleetSettings,
    location: str,
    contact_id: str,
    calls: int,
    shared: bool,
    go: Any,
    done: Any,
) -> None:
    """A process reading one contact ``calls`` times for ``location``, through the fleet's
    PostgreSQL budget (``shared``) or a limiter of its own; puts the calls that failed on
    ``done``."""
    from ghlsdk import APIError, GHLClient

    limiter = PostgresRateLimiter(FleetDB(settings.url), settings.windows) if shared else None
    ghl = GHLClient(
        token=settings.tokens[location],
        location_id=location,
        base_url=settings.ghl_url,
        rate_limiter=limiter,
        rate_limit_windows=settings.windows,
        max_retries=0,  # a 429 is a failure here, not something to wait out
    )
    go.wait(30)
    failed = 0
    for _ in range(calls):
        try:
            ghl.contacts.get(contact_id)
        except APIError:
            failed += 1
    ghl.close()
    done.put(failed)
