"""Shared fixtures data for the ghlsdk client tests (not a test module)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from ghlsdk import AsyncGHLClient, GHLClient

TOKEN = "pit-test-token-0123456789"
LOCATION = "ve9EPM428h8vShlRW1KT"
BASE = "https://services.leadconnectorhq.com"

CONTACT_JSON: dict[str, Any] = {
    "id": "seD4PfOuKoVMLkEZqohJ",
    "name": "rubika deo",
    "locationId": LOCATION,
    "firstName": "rubika",
    "lastName": "Deo",
    "email": "rubika@deos.com",
    "phone": "+18832327657",
    "dnd": True,
    "dndSettings": {"Email": {"status": "active", "message": "m", "code": "c"}},
    "type": "read",
    "tags": ["nisi sint commodo amet", "consequat"],
    "dateOfBirth": "1990-09-25",
    "dateAdded": "2021-07-02T05:18:26.704Z",
    "customFields": [{"id": "MgobCB14YMVKuE4Ka8p1", "value": "name"}],
    "businessId": "641c094001436dbc2081e642",
}

TASK_JSON: dict[str, Any] = {
    "id": "task1",
    "title": "First Task",
    "body": "loram ipsum",
    "assignedTo": "user1",
    "dueDate": "2021-07-08T02:30:00.000Z",
    "completed": False,
    "contactId": "c1",
}

NOTE_JSON: dict[str, Any] = {
    "id": "note1",
    "body": "lorem ipsum",
    "userId": "user1",
    "dateAdded": "2021-07-08T12:02:11.285Z",
    "contactId": "c1",
}

APPOINTMENT_JSON: dict[str, Any] = {
    "id": "ev1",
    "calendarId": "cal1",
    "status": "booked",
    "appointmentStatus": "confirmed",
    "title": "Test",
    "startTime": "2021-07-16 11:00:00",
    "endTime": "2021-07-16 11:30:00",
}


def json_of(request: httpx.Request) -> Any:
    """The JSON body of a recorded request (``None`` when it had no body)."""
    return json.loads(request.content) if request.content else None


def contact(**changes: Any) -> dict[str, Any]:
    return {**CONTACT_JSON, **changes}


# Building an httpx client costs ~0.1 s (TLS context); tests share one per session and give
# each GHL client its own rate limiter, retry settings and context.
@pytest.fixture(scope="session")
def shared_http() -> Iterator[httpx.Client]:
    with httpx.Client() as client:
        yield client


@pytest.fixture(scope="session")
def shared_ahttp() -> httpx.AsyncClient:
    # Never opens a connection: respx answers at the transport level.
    return httpx.AsyncClient()


@pytest.fixture
def ghl(shared_http: httpx.Client) -> GHLClient:
    """A sync client with retries off and the default rate limiter."""
    return GHLClient(token=TOKEN, location_id=LOCATION, max_retries=0, http_client=shared_http)


@pytest.fixture
def aghl(shared_ahttp: httpx.AsyncClient) -> AsyncGHLClient:
    """The async twin of :func:`ghl`."""
    return AsyncGHLClient(
        token=TOKEN, location_id=LOCATION, max_retries=0, http_client=shared_ahttp
    )
