"""A GHL + Ninox pair of in-memory fakes, wired for the bridge: for tests, examples and the demo.

`FakeWorld` holds a [`FakeGHL`][ghlsdk.testing.FakeGHL] and a
[`FakeNinox`][ninoxsdk.testing.FakeNinox] whose database already has the tables the mapping needs
(by default `bridge.mappers.default_layout`), seeds realistic GHL data, and hands out
sync or async clients that talk to the fakes.

The clients are unthrottled by default, so examples and tests run as fast as the CPU allows;
``FakeWorld(realistic_limits=True)`` simulates the real services' limits instead.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone
from typing import Any

import httpx

from bridge.mappers import default_mappings
from bridge.mapping import MappingSet
from ghlsdk import AsyncGHLClient, GHLClient
from ghlsdk.testing import FakeGHL
from ninoxsdk import AsyncDatabaseHandle, AsyncNinoxClient, DatabaseHandle, NinoxClient
from ninoxsdk.testing import FakeNinox, FieldSpec

__all__ = ["FakeWorld"]

_FIRST = ("Ada", "Grace", "Alan", "Edsger", "Barbara", "Donald", "Frances", "Ken", "Radia", "Tim")
_LAST = (
    "Lovelace",
    "Hopper",
    "Turing",
    "Dijkstra",
    "Liskov",
    "Knuth",
    "Allen",
    "Thompson",
    "Perlman",
    "Berners-Lee",
)


class FakeWorld:
    """FakeGHL + FakeNinox with the mapping's tables in place.

    ``ghl_options`` and ``ninox_options`` are passed to the fakes (e.g. ``rate_limit=True``,
    ``latency=0.01``). ``team_id`` / ``database_id`` name the Ninox database.

    By default nothing is throttled: the clients it hands out have GHL's client-side rate
    limiting off (``rate_limiting=False``) and no Ninox politeness gap (``min_interval=0``),
    and the fakes enforce no limits, so a sync of a few hundred records takes well under a
    second. With ``realistic_limits=True`` the world behaves like the real services: FakeGHL
    enforces GHL's 100 requests per 10 s and 200,000 per day per location (429 beyond them),
    the GHL clients pace themselves to those windows, and the Ninox clients keep their default
    gap between requests (0.25 s; Ninox documents no numeric limit for the fake to enforce).
    Options passed explicitly (to the fakes through ``ghl_options``, or to a client method)
    always win over either default.
    """

    def __init__(
        self,
        *,
        mappings: MappingSet | None = None,
        ghl_options: dict[str, Any] | None = None,
        ninox_options: dict[str, Any] | None = None,
        team_id: str = "team1",
        database_id: str = "crm",
        realistic_limits: bool = False,
    ) -> None:
        self.mappings = mappings or default_mappings()
        #: Whether the fakes and the clients simulate the real services' rate limits.
        self.realistic_limits = realistic_limits
        ghl_options = dict(ghl_options or {})
        ghl_options.setdefault("rate_limit", realistic_limits)
        self.ghl = FakeGHL(**ghl_options)
        self.ninox = FakeNinox(**(ninox_options or {}))
        self.ninox_api_key: str = (ninox_options or {}).get("api_key", "test-api-key")
        self.team_id = team_id
        self.database_id = database_id
        self.table_ids = self._create_tables()
        self._closers: list[Any] = []

    def _create_tables(self) -> dict[str, str]:
        self.ninox.add_team(self.team_id, "Team")
        return self.add_database(self.database_id)

    def add_database(self, database_id: str, title: str = "CRM") -> dict[str, str]:
        """Add a Ninox database with the mapping's tables to the fake's team (one per
        partition in a fleet); returns the table ids by name."""
        self.ninox.add_database(self.team_id, database_id, title)
        ids: dict[str, str] = {}
        for table, fields in self.mappings.layout().items():
            specs = [
                FieldSpec(
                    name,
                    decl["type"],
                    ref_table=ids.get(decl["ref"]) if "ref" in decl else None,
                    choices=decl.get("choices", ()),
                )
                for name, decl in fields.items()
            ]
            ids[table] = self.ninox.add_table(self.team_id, database_id, name=table, fields=specs)
        return ids

    # -- seeding -------------------------------------------------------------------------------

    def seed_ghl(
        self,
        contacts: int,
        *,
        tasks: int = 1,
        notes: int = 1,
        appointments: int = 1,
        seed: int = 7,
        history: timedelta | None = None,
    ) -> list[str]:
        """Create ``contacts`` GHL contacts, each with the given number of tasks, notes and
        appointments; returns the contact ids. Deterministic for a given ``seed``. With
        ``history``, the contacts' ``dateAdded``/``dateUpdated`` are spread evenly over that
        much of the past (oldest first) instead of all being now."""
        rng = random.Random(seed)
        start = datetime(2026, 1, 5, 9, tzinfo=timezone.utc)
        ids: list[str] = []
        for n in range(contacts):
            first, last = rng.choice(_FIRST), rng.choice(_LAST)
            stamps: dict[str, str] = {}
            if history is not None:
                at = datetime.now(timezone.utc) - history * (1 - n / max(contacts, 1))
                stamps["dateAdded"] = stamps["dateUpdated"] = at.isoformat()
            contact = self.ghl.add_contact(
                firstName=first,
                lastName=last,
                email=f"{first}.{last}.{n}@example.com".lower(),
                phone=f"+1555{n:07d}",
                **stamps,
            )
            cid = contact["id"]
            ids.append(cid)
            for t in range(tasks):
                due = start + timedelta(days=rng.randrange(60), hours=t)
                self.ghl.add_task(
                    cid,
                    title=f"Call {first} ({t + 1})",
                    dueDate=due.isoformat().replace("+00:00", "Z"),
                    completed=rng.random() < 0.3,
                )
            for i in range(notes):
                self.ghl.add_note(cid, body=f"Met {first} {last} at the fair (note {i + 1}).")
            for a in range(appointments):
                begin = start + timedelta(days=rng.randrange(30), hours=9 + a)
                self.ghl.add_appointment(
                    cid,
                    title=f"Demo for {first}",
                    startTime=begin.strftime("%Y-%m-%d %H:%M:%S"),
                    endTime=(begin + timedelta(minutes=30)).strftime("%Y-%m-%d %H:%M:%S"),
                    appointmentStatus="confirmed",
                )
        return ids

    # -- clients -------------------------------------------------------------------------------

    def ghl_client(self, **options: Any) -> GHLClient:
        """A sync GHL client on the fake (token and location filled in; rate limiting only
        with ``realistic_limits``)."""
        self._ghl_defaults(options)
        client = GHLClient(http_client=httpx.Client(transport=self.ghl), **options)
        self._closers.append(client)
        return client

    def async_ghl_client(self, **options: Any) -> AsyncGHLClient:
        """An async GHL client on the fake (same defaults as `ghl_client`)."""
        self._ghl_defaults(options)
        return AsyncGHLClient(http_client=httpx.AsyncClient(transport=self.ghl), **options)

    def ninox_db(self, **options: Any) -> DatabaseHandle:
        """A sync handle on the fake's database (no politeness gap unless you ask, or
        ``realistic_limits``)."""
        self._ninox_defaults(options)
        client = NinoxClient(
            self.ninox_api_key, http_client=httpx.Client(transport=self.ninox), **options
        )
        self._closers.append(client)
        return client.database(self.team_id, self.database_id)

    def async_ninox_db(self, **options: Any) -> AsyncDatabaseHandle:
        """An async handle on the fake's database (same defaults as `ninox_db`)."""
        self._ninox_defaults(options)
        client = AsyncNinoxClient(
            self.ninox_api_key, http_client=httpx.AsyncClient(transport=self.ninox), **options
        )
        return client.database(self.team_id, self.database_id)

    def _ghl_defaults(self, options: dict[str, Any]) -> None:
        options.setdefault("token", self.ghl.token)
        options.setdefault("location_id", self.ghl.location_id)
        options.setdefault("rate_limiting", self.realistic_limits)

    def _ninox_defaults(self, options: dict[str, Any]) -> None:
        if not self.realistic_limits:
            options.setdefault("min_interval", 0)

    # -- inspection ----------------------------------------------------------------------------

    def ninox_records(self, table: str) -> list[dict[str, Any]]:
        """The Ninox records of ``table`` (by name), as the fake stores them."""
        return self.ninox.records(self.team_id, self.database_id, self.table_ids[table])

    def close(self) -> None:
        for client in self._closers:
            client.close()
        self._closers.clear()
