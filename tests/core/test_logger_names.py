"""Every logger the SDKs write to is named as docs/core.md says: ``ghlsdk.*`` / ``ninoxsdk.*``.

The private core has no logger name of its own: its loggers take the name of the SDK whose
client sent the request (``HTTPConfig.logger_name``)."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import httpx
import pytest
import respx

from _sdkcore.pagination import pagination_logger
from ghlsdk import GHLClient

from .conftest import Sleeps, sync_http

SRC = Path(__file__).resolve().parents[2] / "src"
BASE = "https://services.leadconnectorhq.com"


def _contact(cid: str) -> dict[str, object]:
    return {"id": cid, "locationId": "loc1", "dateAdded": "2021-07-02T05:18:01.000Z"}


def test_a_repeated_cursor_warns_under_the_sdks_logger(caplog: pytest.LogCaptureFixture) -> None:
    page = {"contacts": [_contact("a"), _contact("b")], "meta": {"startAfterId": "b"}}
    with respx.mock() as mock, GHLClient(token="pit-test-token", location_id="loc1") as ghl:
        mock.get(BASE + "/contacts/").mock(return_value=httpx.Response(200, json=page))
        with caplog.at_level(logging.WARNING):
            ghl.contacts.list(limit=2).to_list()
    [record] = [r for r in caplog.records if "again" in r.getMessage()]
    assert record.name == "ghlsdk.pagination"


def test_the_pagination_logger_follows_the_clients_logger_name(sleeps: Sleeps) -> None:
    assert pagination_logger(sync_http(sleeps, logger_name="ninoxsdk")).name == (
        "ninoxsdk.pagination"
    )


@pytest.mark.parametrize("package", ["_sdkcore", "ghlsdk", "ninoxsdk"])
def test_no_logger_outside_the_documented_names(package: str) -> None:
    names = {
        match
        for path in (SRC / package).rglob("*.py")
        for match in re.findall(r"""get_logger\(\s*["']([^"']+)["']""", path.read_text())
    }
    names |= {
        match
        for path in (SRC / package).rglob("*.py")
        for match in re.findall(r"""logger_name=["']([^"']+)["']""", path.read_text())
    }
    assert all(n.split(".")[0] in ("ghlsdk", "ninoxsdk") for n in names), names
