"""The fleet from the command line: ``[fleet]`` in the configuration (checked before anything
is contacted), ``ghl-ninox worker --once`` syncing every configured location on the fakes
(served over HTTP), ``ghl-ninox fleet list|pause|resume``, and a receiver's inbox handing a
webhook to the worker that holds the partition."""

from __future__ import annotations

import io
import json
import textwrap
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

from bridge.cli import ExitCode, main
from bridge.config import ConfigError, parse_config
from bridge.fleet import (
    FleetDB,
    FleetInbox,
    PartitionLeases,
    ReceiverInbox,
    open_partition_store,
)
from bridge.mappers import default_mappings
from bridge.ops import AUTH_FAILURES_FLAG, PAUSE_FLAG, Pause
from bridge.state import Event
from tests.bridge.fleet_support import FakeFleet, close_worker, make_worker

BASE = """
[ghl]
location_id = "loc0000"
[ninox]
team_id = "team1"
database_id = "db0000"
"""


def parse(text: str) -> Any:
    return parse_config(textwrap.dedent(BASE + text), path=Path("ghl-ninox.toml"))


def test_fleet_section_lists_locations() -> None:
    config = parse(
        """
        [fleet]
        interval_seconds = 30
        [[fleet.locations]]
        location_id = "loc0001"
        team_id = "team1"
        database_id = "db0001"
        token_env = "GHL_TOKEN_ONE"
        paused = true
        """
    )
    assert config.fleet.enabled
    assert config.fleet.interval_seconds == 30
    (loc,) = config.fleet.locations
    assert (loc.location_id, loc.token_env, loc.paused) == ("loc0001", "GHL_TOKEN_ONE", True)
    assert not parse("").fleet.enabled


def test_fleet_section_problems_are_all_reported() -> None:
    with pytest.raises(ConfigError) as caught:
        parse(
            """
            [fleet]
            lease_second = 10
            [[fleet.locations]]
            team_id = "team1"
            database_id = "db0001"
            token_env = "pit-1234-secret"
            [[fleet.locations]]
            location_id = "loc0002"
            team_id = "team1"
            database_id = "db2"
            [[fleet.locations]]
            location_id = "loc0002"
            team_id = "team1"
            database_id = "db2"
            """
        )
    text = str(caught.value)
    assert "fleet.lease_second" in text
    assert "lease_seconds" in text  # the suggestion
    assert "fleet.locations[1].location_id" in text
    assert "NAME of an environment variable" in text
    assert "pit-1234-secret" not in text  # a token pasted by mistake is never echoed
    assert "fleet.locations[3]" in text


@pytest.fixture
def fakes() -> Iterator[FakeFleet]:
    fleet = FakeFleet(
        locations=3,
        ghl_contacts=4,
        ninox_contacts=2,
        burst=(100, 10.0),
        mappings=default_mappings(),  # the command line syncs every entity
    )
    yield fleet
    fleet.close()


def write_config(tmp_path: Path, fakes: FakeFleet, url: str, state: str | None = None) -> Path:
    locations = "".join(
        f"""
[[fleet.locations]]
location_id = "loc{n:04d}"
team_id = "team1"
database_id = "db{n:04d}"
token_env = "GHL_TOKEN_{n}"
"""
        for n in (1, 2)
    )
    path = tmp_path / "ghl-ninox.toml"
    path.write_text(
        f"""
[ghl]
location_id = "loc0000"
base_url = "{fakes.ghl_server.url}"
[ninox]
team_id = "team1"
database_id = "db0000"
base_url = "{fakes.ninox_server.url}/v1"
[state]
{state or f'url = "{url}"'}
[fleet]
interval_seconds = 3600
{locations}"""
    )
    return path


def env(fakes: FakeFleet) -> dict[str, str]:
    return {
        "GHL_TOKEN": fakes.tokens["loc0000"],
        "GHL_TOKEN_1": fakes.tokens["loc0001"],
        "GHL_TOKEN_2": fakes.tokens["loc0002"],
        "NINOX_API_KEY": fakes.world.ninox_api_key,
    }


def run(args: list[str], config: Path, environ: dict[str, str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main([*args, "--config", str(config)], stdout=out, stderr=err, environ=environ)
    return code, out.getvalue(), err.getvalue()


@pytest.mark.postgres
def test_worker_once_syncs_every_configured_location_and_pause_holds_one_back(
    fakes: FakeFleet, postgres_schema_url: str, tmp_path: Path
) -> None:
    config = write_config(tmp_path, fakes, postgres_schema_url)
    environ = env(fakes)
    code, out, err = run(["worker", "--once", "--json"], config, environ)
    assert code == ExitCode.OK, err
    passes = json.loads(out)["passes"]
    assert sorted(p["outcome"] for p in passes) == ["synced"] * 3
    assert fakes.converged()
    assert fakes.throttled() == 0

    code, out, _ = run(["fleet", "pause", "loc0001/team1/db0001"], config, environ)
    assert code == ExitCode.OK
    assert "loc0001/team1/db0001  paused" in run(["fleet", "list"], config, environ)[1]
    with FleetDB(postgres_schema_url) as db:  # every partition is due again
        db._execute("UPDATE partitions SET last_synced_at = NULL")
    code, out, _ = run(["worker", "--once", "--json"], config, environ)
    assert sorted(p["partition"] for p in json.loads(out)["passes"]) == [
        "loc0000/team1/db0000",
        "loc0002/team1/db0002",
    ]
    assert run(["fleet", "resume", "loc0001/team1/db0001"], config, environ)[0] == ExitCode.OK
    code, _, err = run(["fleet", "pause", "nope"], config, environ)
    assert code == ExitCode.USAGE
    assert "no partition 'nope'" in err


def test_worker_refuses_before_any_request(fakes: FakeFleet, tmp_path: Path) -> None:
    fakes.world.ghl.reset_counters()
    sqlite = write_config(tmp_path, fakes, "", state='path = "state.sqlite3"')
    code, _, err = run(["worker", "--once"], sqlite, env(fakes))
    assert code == ExitCode.USAGE
    assert "needs the state in PostgreSQL" in err
    postgres = write_config(tmp_path, fakes, "postgresql://nobody@127.0.0.1:1/none")
    environ = {k: v for k, v in env(fakes).items() if k != "GHL_TOKEN_2"}
    code, _, err = run(["worker", "--once"], postgres, environ)
    assert code == ExitCode.CREDENTIALS
    assert "GHL_TOKEN_2 (location loc0002)" in err
    assert fakes.world.ghl.requests == []


@pytest.mark.postgres
def test_a_webhook_received_anywhere_is_handled_by_the_partitions_worker(
    fakes: FakeFleet, postgres_schema_url: str
) -> None:
    with FleetDB(postgres_schema_url) as db:
        fakes.register(db)
        leases = PartitionLeases(db)
        for p in leases.claim("setup", limit=10):  # synced now: only webhooks make them due
            leases.release("setup", p.key)
    contact = fakes.world.ghl.add_contact(
        locationId="loc0001", firstName="Web", email="web.hook@example.com"
    )
    body = json.dumps(
        {
            "type": "ContactCreate",
            "locationId": "loc0001",
            "id": contact["id"],
            "firstName": "Web",
            "email": "web.hook@example.com",
        }
    )
    event = Event(
        event_key="wh-1",
        entity="contact",
        ghl_id=contact["id"],
        type="ContactCreate",
        raw_body=body,
    )
    with ReceiverInbox(postgres_schema_url) as inbox:
        assert inbox.add_event(event)
        assert not inbox.add_event(event)  # a re-delivery
        stray = json.dumps({"type": "ContactCreate", "locationId": "elsewhere", "id": "x"})
        assert not inbox.add_event(
            Event(
                event_key="wh-2", entity="contact", ghl_id="x", type="ContactCreate", raw_body=stray
            )
        )
        assert inbox.new_events() == []  # receivers do not replay: workers drain
    worker, clients = make_worker(fakes.settings(postgres_schema_url, interval=3600), "w")
    try:
        done = worker.run_once()
        assert done is not None
        assert (done.key, done.outcome, done.events) == ("loc0001/team1/db0001", "events", 1)
        assert worker.run_once() is None  # nothing else is due
    finally:
        close_worker(worker, clients)
    assert "web.hook@example.com" in fakes.ninox_emails("db0001")
    with FleetDB(postgres_schema_url) as db:
        assert FleetInbox(db).pending("loc0001/team1/db0001") == []


@pytest.mark.postgres
def test_a_partition_paused_in_its_own_state_is_not_claimed_again_until_resumed(
    fakes: FakeFleet, postgres_schema_url: str, tmp_path: Path
) -> None:
    config = write_config(tmp_path, fakes, postgres_schema_url)
    key = "loc0002/team1/db0002"
    with FleetDB(postgres_schema_url) as db:
        fakes.register(db)
        with open_partition_store(db, postgres_schema_url, key) as store:
            reason = "3 authentication failures in a row"
            store.set_flag(
                PAUSE_FLAG,
                Pause(kind="auth", reason=reason, since=datetime.now(timezone.utc)).to_flag(),
            )
    worker, clients = make_worker(fakes.settings(postgres_schema_url, interval=3600), "w")
    try:
        outcomes = []
        while (done := worker.run_once()) is not None:
            outcomes.append((done.key, done.outcome))
        assert sorted(outcomes) == [
            ("loc0000/team1/db0000", "synced"),
            ("loc0001/team1/db0001", "synced"),
            (key, "paused"),  # once, not over and over
        ]
        with FleetDB(postgres_schema_url) as db:
            assert {p.key: p.paused for p in PartitionLeases(db).partitions()}[key]
        code, _, err = run(["fleet", "resume", key], config, env(fakes))
        assert code == ExitCode.OK, err
        done = worker.run_once()
        assert done is not None
        assert (done.key, done.outcome) == (key, "synced")
    finally:
        close_worker(worker, clients)


@pytest.mark.postgres
def test_a_partition_whose_token_is_refused_pauses_itself_and_fleet_resume_clears_it(
    fakes: FakeFleet, postgres_schema_url: str, tmp_path: Path
) -> None:
    # As a single location does ([alerts] auth_failures, 3 by default): three passes in a row
    # refused by GHL pause the partition, so no worker hammers it with a revoked token; the
    # other partitions go on. `fleet resume` clears the pause and the count of failures.
    config = write_config(tmp_path, fakes, postgres_schema_url)
    key = "loc0002/team1/db0002"
    with FleetDB(postgres_schema_url) as db:
        fakes.register(db)
    settings = fakes.settings(postgres_schema_url, interval=0)
    settings.tokens["loc0002"] = "a-revoked-token"
    worker, clients = make_worker(settings, "w")
    try:
        outcomes = [worker.serve(_claim(worker, key)).outcome for _ in range(3)]
        assert outcomes == ["failed", "failed", "failed"]
        with FleetDB(postgres_schema_url) as db:
            assert {p.key: p.paused for p in PartitionLeases(db).partitions()}[key]
            with open_partition_store(db, postgres_schema_url, key) as store:
                pause = Pause.from_flag(store.get_flag(PAUSE_FLAG) or "")
                assert pause.kind == "auth"
                assert "3 passes in a row failed to authenticate" in pause.reason
        # the others are still claimed and synced; the paused one is not claimed at all
        served = {done.key for _ in range(4) if (done := worker.run_once()) is not None}
        assert key not in served
        assert {"loc0000/team1/db0000", "loc0001/team1/db0001"} <= served
        code, _, err = run(["fleet", "resume", key], config, env(fakes))
        assert code == ExitCode.OK, err
        with (
            FleetDB(postgres_schema_url) as db,
            open_partition_store(db, postgres_schema_url, key) as store,
        ):
            assert store.get_flag(PAUSE_FLAG) is None
            assert store.get_flag(AUTH_FAILURES_FLAG) is None
    finally:
        close_worker(worker, clients)


def _claim(worker: Any, key: str) -> Any:
    """The partition ``key``, claimed by ``worker`` (the others left alone)."""
    for _ in range(20):
        claimed = worker.leases.claim(worker.name, limit=3, ttl=5.0, due_after=0.0)
        mine = [p for p in claimed if p.key == key]
        for other in claimed:
            if other.key != key:
                worker.leases.release(worker.name, other.key, synced=False)
        if mine:
            return mine[0]
    raise AssertionError(f"{key} was never claimed")


@pytest.mark.postgres
def test_fleet_remove_takes_out_an_unconfigured_partition_with_its_waiting_webhooks(
    fakes: FakeFleet, postgres_schema_url: str, tmp_path: Path
) -> None:
    config = write_config(tmp_path, fakes, postgres_schema_url)
    environ = env(fakes)
    key = "loc0002/team1/db0002"
    with FleetDB(postgres_schema_url) as db:
        fakes.register(db)
        inbox, leases = FleetInbox(db), PartitionLeases(db)
        inbox.add(event_key="e1", location_id="loc0002", type="ContactCreate", raw_body="{}")
        # still configured: refused, nothing removed
        code, _, err = run(["fleet", "remove", key], config, environ)
        assert code == ExitCode.USAGE
        assert "remove its [[fleet.locations]] block first" in err
        # its block taken out of the file, but a live worker holds it: refused
        text = config.read_text()
        block = text.index("[[fleet.locations]]", text.index('location_id = "loc0001"'))
        config.write_text(text[:block])
        assert [p.key for p in leases.claim("w1", limit=3, ttl=60.0) if p.key == key] == [key]
        code, _, err = run(["fleet", "remove", key], config, environ)
        assert code == ExitCode.USAGE
        assert "is being synced by w1" in err
        assert key in {p.key for p in leases.partitions()}
        leases.release("w1", key)
        code, _, err = run(["fleet", "remove", key], config, environ)
        assert code == ExitCode.OK, err
        assert "1 webhooks waiting for it dropped" in err
        assert key not in {p.key for p in leases.partitions()}
        assert inbox.pending(key) == []
        code, _, err = run(["fleet", "remove", key], config, environ)
        assert code == ExitCode.USAGE
        assert "no partition" in err


@pytest.mark.postgres
def test_a_worker_prunes_old_history_after_a_pass_and_old_handled_webhooks(
    fakes: FakeFleet, postgres_schema_url: str
) -> None:
    from datetime import timedelta

    from bridge.state import HistoryEntry

    key = "loc0001/team1/db0001"
    old = datetime.now(timezone.utc) - timedelta(days=91)

    def entry(at: datetime) -> HistoryEntry:
        return HistoryEntry(
            entity="contact", action="update", side="ninox", ghl_id="g", ninox_id=1, at=at
        )

    with FleetDB(postgres_schema_url) as db:
        fakes.register(db)
        inbox = FleetInbox(db)
        inbox.add(event_key="old", location_id="loc0002", type="ContactCreate", raw_body="{}")
        inbox.add(event_key="new", location_id="loc0002", type="ContactCreate", raw_body="{}")
        inbox.mark("loc0002/team1/db0002", "old", "done")
        db._execute("UPDATE fleet_events SET received_at = %s WHERE event_key = 'old'", (old,))
        with open_partition_store(db, postgres_schema_url, key) as store:
            store.add_history([entry(old), entry(datetime.now(timezone.utc))])
    worker, clients = make_worker(fakes.settings(postgres_schema_url, interval=3600), "w")
    try:
        while (done := worker.run_once()) is not None:
            assert done.outcome in ("synced", "events"), done
        with FleetDB(postgres_schema_url) as db:
            with open_partition_store(db, postgres_schema_url, key) as store:
                kept = [e.at for e in store.history(ghl_id="g")]
            rows = db._query("SELECT event_key FROM fleet_events ORDER BY event_key")
        assert len(kept) == 1  # the 91-day-old entry went, the new one stayed
        assert kept[0] is not None
        assert kept[0] > old
        assert [r["event_key"] for r in rows] == ["new"]  # handled a week ago: gone; waiting: kept
    finally:
        close_worker(worker, clients)
