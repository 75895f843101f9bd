from __future__ import annotations

import threading
from typing import Any

import pytest

from bridge.state import SQLiteStateStore
from bridge.sync import AsyncSyncEngine, RunReport, SyncEngine
from bridge.testing import FakeWorld
from bridge.triggers import AsyncPoller, Poller


def test_poller_pushes_ninox_edits_to_ghl_on_its_own() -> None:
    world = FakeWorld()
    [cid] = world.seed_ghl(1, tasks=0, notes=0, appointments=0)
    engine = SyncEngine(world.ghl_client(rate_limiting=False), world.ninox_db(), SQLiteStateStore())
    engine.sync()
    record = next(r for r in world.ninox_records("Contacts") if r["fields"]["GHL Id"] == cid)
    world.ninox.update_record(
        world.team_id,
        world.database_id,
        world.table_ids["Contacts"],
        record["id"],
        {"Phone": "+15550987654"},
    )
    reports: list[RunReport] = []
    poller = Poller(engine, interval=0.01, on_report=reports.append)
    poller.start()
    deadline = threading.Event()
    for _ in range(500):
        if world.ghl.contacts[cid]["phone"] == "+15550987654" and len(reports) >= 2:
            break
        deadline.wait(0.01)
    poller.stop()
    assert world.ghl.contacts[cid]["phone"] == "+15550987654"
    assert any(r.counts.get("contact", {}).get("update_ghl") == 1 for r in reports)
    world.close()


class Flaky:
    """An engine whose passes fail, then succeed; records which passes scanned deletes."""

    def __init__(self, failures: int) -> None:
        self.failures, self.scans = failures, []

    def sync(self, *, scan_deletes: bool = False) -> RunReport:
        self.scans.append(scan_deletes)
        if self.failures:
            self.failures -= 1
            raise ConnectionError("service down")
        return RunReport(kind="sync")


def test_a_failing_pass_does_not_stop_the_poller() -> None:
    engine: Any = Flaky(failures=2)
    errors: list[BaseException] = []
    poller = Poller(
        engine, interval=0.001, error_backoff=0.001, on_error=errors.append, scan_deletes_every=2
    )
    poller.run(max_passes=4)
    assert [type(e).__name__ for e in errors] == ["ConnectionError", "ConnectionError"]
    assert engine.scans == [False, True, False, True]


async def test_async_poller() -> None:
    world = FakeWorld()
    world.seed_ghl(3, tasks=0, notes=0, appointments=0)
    engine = AsyncSyncEngine(
        world.async_ghl_client(rate_limiting=False), world.async_ninox_db(), SQLiteStateStore()
    )
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    reports: list[RunReport] = []
    poller = AsyncPoller(engine, interval=5, on_report=reports.append, sleep=sleep)
    await poller.run(max_passes=3)
    assert reports[0].counts["contact"] == {"create_ninox": 3}
    assert reports[-1].writes == 0
    assert slept == [5, 5]


def test_settings_are_checked() -> None:
    with pytest.raises(ValueError, match="interval"):
        Poller(Flaky(0), interval=0)  # type: ignore[arg-type]
