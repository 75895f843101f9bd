"""FakeGHL's cost per request with 1,000 vs 50,000 contacts (no asserts; prints figures).

    .venv/bin/python benchmarks/fakes.py [--small 1000] [--large 50000]

FakeGHL keeps indexes beside its stores (contacts per location in list order, each contact's
tasks/notes/appointments, appointments by start time, contacts by email and phone), so a
request should cost what it returns, not what the fake holds: the ratio large/small should
stay near 1 for every line. For scale, the last line times what one page would cost a fake
that sorted every contact per page (what FakeGHL did before the indexes).

Each contact has one task, one note and one appointment. Timed in CPU time of this thread,
both sizes in alternating rounds (benchmarks/_timing.py), through an httpx client as a test
would use the fake.
"""

from __future__ import annotations

import argparse
import itertools
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any

import httpx
from _timing import compare

from ghlsdk.testing import FakeClock, FakeGHL

START = datetime(2026, 1, 1, tzinfo=timezone.utc)
HEADERS = {"Authorization": "Bearer fake-ghl-token", "Version": "2021-07-28"}
CALENDARS = {**HEADERS, "Version": "2021-04-15"}


class World:
    """A seeded fake and the requests to time against it."""

    def __init__(self, n: int) -> None:
        self.n = n
        self.fake = FakeGHL(clock=FakeClock(START))
        self.ids: list[str] = []
        for i in range(n):
            added = (START + timedelta(seconds=i)).isoformat().replace("+00:00", "Z")
            cid = self.fake.add_contact(
                email=f"c{i}@example.com", phone=f"+1555{i:07d}", dateAdded=added
            )["id"]
            self.ids.append(cid)
            self.fake.add_task(cid, title=f"task {i}")
            self.fake.add_note(cid, body=f"note {i}")
            begin = START + timedelta(minutes=30 * i)
            self.fake.add_appointment(
                cid,
                startTime=begin.strftime("%Y-%m-%d %H:%M:%S"),
                endTime=(begin + timedelta(minutes=30)).strftime("%Y-%m-%d %H:%M:%S"),
            )
        self.http = httpx.Client(
            transport=self.fake, base_url="https://services.leadconnectorhq.com", headers=HEADERS
        )
        self.loc = self.fake.location_id
        self._new = itertools.count()

    def _middle(self) -> str:
        return self.ids[self.n // 2]

    def page(self) -> Any:
        """``GET /contacts/``: 100 contacts from the middle of the list."""
        after = int((START + timedelta(seconds=self.n // 2)).timestamp() * 1000)
        params = {"locationId": self.loc, "limit": 100, "startAfterId": self._middle()}
        return self.http.get("/contacts/", params={**params, "startAfter": after}).json()

    def children(self) -> Any:
        """A contact's tasks, notes and appointments (three requests)."""
        cid = self._middle()
        for kind in ("tasks", "notes", "appointments"):
            self.http.get(f"/contacts/{cid}/{kind}")

    def task_search(self) -> Any:
        """``POST /locations/{id}/tasks/search`` for 50 contacts (as the sync asks)."""
        start = self.n // 2
        body = {"contactId": self.ids[start : start + 50], "limit": 100}
        return self.http.post(f"/locations/{self.loc}/tasks/search", json=body).json()

    def calendar(self) -> Any:
        """``GET /calendars/events`` for one day in the middle."""
        begin = START + timedelta(minutes=30 * (self.n // 2))
        params = {
            "locationId": self.loc,
            "calendarId": "fakeCalendar00000001",
            "startTime": str(int(begin.timestamp() * 1000)),
            "endTime": str(int((begin + timedelta(days=1)).timestamp() * 1000)),
        }
        return self.http.get("/calendars/events", params=params, headers=CALENDARS).json()

    def create(self) -> Any:
        """``POST /contacts/``: a new contact (the duplicate check by email and phone)."""
        n = next(self._new)
        body = {"locationId": self.loc, "email": f"new{n}@example.com", "phone": f"+44{n:09d}"}
        return self.http.post("/contacts/", json=body).json()


LINES = (
    ("page", "a page of 100 (GET /contacts/)"),
    ("children", "a contact's tasks+notes+appts"),
    ("task_search", "task search, 50 contacts"),
    ("calendar", "calendar events, one day"),
    ("create", "create (duplicate check)"),
)


def _naive_page(world: World) -> Callable[[], Any]:
    """One page as a fake without an order index computes it: sort every contact."""
    contacts = list(world.fake._contacts.values())

    def page() -> Any:
        ordered = sorted(contacts, key=lambda c: (c["dateAdded"], c["id"]))
        return ordered[world.n // 2 : world.n // 2 + 100]

    return page


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--small", type=int, default=1_000)
    parser.add_argument("--large", type=int, default=50_000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    small, large = World(args.small), World(args.large)
    print(f"FakeGHL per request, {args.small:,} vs {args.large:,} contacts (best of rounds)")
    print(f"{'request':<34} {'small':>10} {'large':>10} {'large/small':>12}")
    indexed_page = 0.0
    for name, label in LINES:
        a, b = compare(getattr(small, name), getattr(large, name), number=20, rounds=args.rounds)
        indexed_page = b if name == "page" else indexed_page
        print(f"{label:<34} {a * 1e6:>8.0f}µs {b * 1e6:>8.0f}µs {b / a:>11.2f}x")
    naive_small, naive_large = compare(_naive_page(small), _naive_page(large), 3, args.rounds)
    print(
        f"{'a page, sorting every contact':<34} {naive_small * 1e6:>8.0f}µs "
        f"{naive_large * 1e6:>8.0f}µs {naive_large / naive_small:>11.2f}x"
    )
    print(f"at {args.large:,} the indexed page costs 1/{naive_large / indexed_page:.0f} of that")


if __name__ == "__main__":
    main()
