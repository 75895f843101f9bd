"""The operations commands on the fake world and the real engine: the review queue, per-record
history, status, pause/resume with exactly one alert each way, and history retention."""

from __future__ import annotations

import functools
import http.server
import io
import json
import sys
import threading
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from bridge.cli import ExitCode, connect_clients, main
from bridge.cli._ops import parse_assignments
from bridge.ops import Guard, Notifier, collect_status, error_rate
from bridge.state import HistoryEntry, Link, RecordError, Run, SQLiteStateStore
from bridge.testing import FakeWorld
from tests.bridge.syncworld import add_ninox, edit_ninox

CONFIG = """
[ghl]
location_id = "{location}"

[ninox]
team_id = "team1"
database_id = "crm"

[state]
path = "state.sqlite3"

[sync.policies]
"contact.email" = "manual"
"""


class Harness:
    """The CLI on a fake world, in a temporary directory."""

    def __init__(self, tmp: Path, world: FakeWorld, extra: str = "") -> None:
        self.tmp, self.world = tmp, world
        (tmp / "ghl-ninox.toml").write_text(
            CONFIG.format(location=world.ghl.location_id) + extra, encoding="utf-8"
        )
        self.env = {"GHL_TOKEN": world.ghl.token, "NINOX_API_KEY": world.ninox_api_key}
        self.connect = functools.partial(
            connect_clients, ghl_transport=world.ghl, ninox_transport=world.ninox, min_interval=0
        )

    def __call__(self, *argv: str) -> tuple[int, str, str]:
        out, err = io.StringIO(), io.StringIO()
        code = main(
            list(argv),
            stdout=out,
            stderr=err,
            environ=self.env,
            cwd=self.tmp,
            connect=self.connect,
        )
        return code, out.getvalue(), err.getvalue()

    def json(self, *argv: str) -> tuple[int, dict[str, Any]]:
        code, out, _ = self(*argv, "--json")
        return code, json.loads(out)

    def store(self) -> SQLiteStateStore:
        return SQLiteStateStore(self.tmp / "state.sqlite3")


@pytest.fixture
def world() -> Iterator[FakeWorld]:
    w = FakeWorld()
    yield w
    w.close()


def _conflict(cli: Harness) -> tuple[str, int]:
    """A contact whose email changed on both sides (MANUAL: a review item); its ids."""
    first = cli.world.ninox_records("Contacts")[0]
    gid, rid = first["fields"]["GHL Id"], first["id"]
    cli.world.ghl.edit_contact(gid, email="g@example.com")
    edit_ninox(cli.world, "Contacts", rid, {"Email": "n@example.com"})
    return gid, rid


# -- review ------------------------------------------------------------------------------------


def test_a_review_item_is_listed_shown_resolved_and_carried_out(
    tmp_path: Path, world: FakeWorld
) -> None:
    cli = Harness(tmp_path, world)
    world.seed_ghl(2)
    assert cli("sync", "-q")[0] == 0
    gid, _rid = _conflict(cli)
    assert cli("sync", "-q")[0] == ExitCode.RECORD_ERRORS

    code, out, _ = cli("review", "list")
    assert code == 0
    [line] = out.splitlines()
    assert line.startswith("#1  field_conflict")
    assert gid in line
    assert "email" in line
    code, doc = cli.json("review", "list")
    [item] = doc["items"]
    assert (item["id"], item["ghl"], item["ninox"]) == (
        1,
        {"email": "g@example.com"},
        {"email": "n@example.com"},
    )

    code, out, _ = cli("review", "show", "1")
    assert code == 0
    assert '"g@example.com" / "n@example.com"' in out
    assert "ghl-ninox review resolve 1 --keep ghl" in out

    code, out, _ = cli("review", "resolve", "1", "--keep", "ninox")
    assert code == 0, out
    assert "resolved" in out
    assert cli("sync", "-q")[0] == 0
    contact = world.ghl.contacts[gid] if hasattr(world.ghl, "contacts") else None
    assert contact is None or contact.get("email") == "n@example.com"
    assert cli("review", "list")[1] == "no open review items\n"
    code, doc = cli.json("review", "list", "--all")
    assert [i["status"] for i in doc["items"]] == ["applied"]
    code, out, _ = cli("status")
    assert code == 0
    assert "in review    0" in out


def test_resolve_with_a_value_and_usage_errors(tmp_path: Path, world: FakeWorld) -> None:
    cli = Harness(tmp_path, world)
    world.seed_ghl(1)
    cli("sync", "-q")
    _conflict(cli)
    cli("sync", "-q")
    code, _, err = cli("review", "resolve", "1", "--keep", "ghl", "--dismiss")
    assert code == ExitCode.USAGE
    assert "exactly one" in err
    code, _, err = cli("review", "resolve", "1", "--set", "phone=1")
    assert code == ExitCode.USAGE
    assert "phone" in err
    code, _, err = cli("review", "resolve", "7", "--dismiss")
    assert code == ExitCode.USAGE
    assert "no review item 7" in err
    code, doc = cli.json("review", "show", "9")
    assert code == ExitCode.USAGE
    assert doc["ok"] is False
    code, doc = cli.json("review", "resolve", "1", "--set", "email=both@example.com")
    assert code == 0
    assert doc["item"]["status"] == "resolved"
    assert cli("sync", "-q")[0] == 0
    emails = {r["fields"].get("Email") for r in world.ninox_records("Contacts")}
    assert "both@example.com" in emails
    code, _, err = cli("review", "resolve", "1", "--dismiss")
    assert code == ExitCode.USAGE  # no longer open


def test_a_mass_delete_is_shown_approved_and_carried_out(tmp_path: Path, world: FakeWorld) -> None:
    cli = Harness(tmp_path, world, '\n[sync]\ndeletes = "hard"\nmass_delete_min = 3\n')
    world.seed_ghl(8, tasks=0, notes=0, appointments=0)
    assert cli("sync", "-q")[0] == 0
    table = world.table_ids["Contacts"]
    gone = []
    for record in world.ninox_records("Contacts")[:5]:
        world.ninox.delete_record(world.team_id, world.database_id, table, record["id"])
        gone.append(record["fields"]["GHL Id"])
    assert cli("sync", "-q", "--scan-deletes")[0] == ExitCode.RECORD_ERRORS
    assert len(world.ghl.contacts) == 8
    [line] = cli("review", "list")[1].splitlines()
    assert line.startswith("#1  mass_delete")
    assert "contact:5  5 record(s)" in line
    code, out, _ = cli("review", "show", "1")
    assert code == 0
    assert "mass_delete" in out
    assert all(f"{g}  present / deleted" in out for g in gone)
    assert "--approve | --reject | --dismiss" in out
    code, _, err = cli("review", "resolve", "1", "--keep", "ninox")
    assert code == ExitCode.USAGE
    assert "approved, rejected or dismissed" in err
    code, _, err = cli("review", "resolve", "1", "--approve", "--reject")
    assert code == ExitCode.USAGE
    code, out, _ = cli("review", "resolve", "1", "--approve")
    assert out.startswith('review #1 resolved ({"approve": true}); the next `ghl-ninox sync`')
    code, doc = cli.json("review", "show", "1")
    assert code == 0
    assert doc["item"]["status"] == "resolved"
    assert len(world.ghl.contacts) == 8  # the next sync carries it out
    assert cli("sync", "-q")[0] == 0
    assert not set(gone) & set(world.ghl.contacts)
    assert len(world.ghl.contacts) == 3
    assert cli.json("review", "show", "1")[1]["item"]["status"] == "applied"


def test_assignments_are_text_or_json() -> None:
    assert parse_assignments(["a=1", "b:=1", "c:=null", "d=x=y"]) == {
        "a": "1",
        "b": 1,
        "c": None,
        "d": "x=y",
    }


# -- history -------------------------------------------------------------------------------------


def test_history_by_either_id_newest_first(tmp_path: Path, world: FakeWorld) -> None:
    cli = Harness(tmp_path, world)
    world.seed_ghl(1)
    cli("sync", "-q")
    gid, rid = _conflict(cli)
    cli("sync", "-q")
    cli("review", "resolve", "1", "--keep", "ghl")
    cli("sync", "-q")
    code, out, _ = cli("history", gid)
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == f"history of ghl id {gid}: 3 entries, newest first"
    assert "contact update ninox" in lines[1]
    assert lines[2] == '    email: "n@example.com" → "g@example.com"'
    assert "conflict sent to review" in lines[3]
    assert "contact create ninox" in lines[5]
    code, doc = cli.json("history", str(rid), "--entity", "contact")
    assert doc["side"] == "ninox"
    assert [e["action"] for e in doc["entries"]] == ["update", "review", "create"]
    assert all(e["run_id"] for e in doc["entries"])
    code, _, err = cli("history", str(rid))
    assert "Ninox record ids are per table" in err
    code, out, _ = cli("history", "nobody")
    assert code == 0
    assert out == "no history for ghl id nobody\n"
    code, _, err = cli("history", "abc", "--side", "ninox")
    assert code == ExitCode.USAGE


def test_history_older_than_keep_days_is_pruned_after_a_sync(
    tmp_path: Path, world: FakeWorld
) -> None:
    cli = Harness(tmp_path, world, "\n[history]\nkeep_days = 30\n")
    world.seed_ghl(1)
    cli("sync", "-q")
    old = datetime.now(timezone.utc) - timedelta(days=31)
    with cli.store() as store:
        store.add_history(
            [
                HistoryEntry(
                    entity="contact", action="update", side="ghl", ghl_id="x", ninox_id=None, at=old
                )
            ]
        )
        assert len(store.history(ghl_id="x")) == 1
    cli("sync", "-q")
    with cli.store() as store:
        assert store.history(ghl_id="x") == []
        assert store.history(ninox_id=world.ninox_records("Contacts")[0]["id"])  # recent: kept


# -- status ---------------------------------------------------------------------------------------


def test_status_before_the_first_sync(tmp_path: Path, world: FakeWorld) -> None:
    cli = Harness(tmp_path, world)
    code, out, _ = cli("status")
    assert code == 0
    assert "in sync      0 of 0 links" in out
    assert "last sync    never" in out
    assert not (tmp_path / "state.sqlite3").exists()


def test_status_groups_failing_records_by_reason(tmp_path: Path, world: FakeWorld) -> None:
    cli = Harness(tmp_path, world)
    ids = world.seed_ghl(3, tasks=0, notes=0, appointments=0)
    cli("sync", "-q")
    add_ninox(world, "Contacts", {"First Name": "Bo", "Email": "bo@example.com"})
    for record in world.ninox_records("Contacts")[:2]:
        edit_ninox(world, "Contacts", record["id"], {"First Name": "Changed"})
    world.ghl.fail_next(422, method="POST", path="/contacts/", times=None)
    world.ghl.fail_next(422, method="PUT", path="/contacts/*", times=None)
    assert cli("sync", "-q")[0] == ExitCode.RECORD_ERRORS
    code, out, _ = cli("status")
    assert code == ExitCode.RECORD_ERRORS
    assert "failing      " in out
    assert "UnprocessableEntityError: 2 (linked, re-read every pass)" in out
    assert "failing      2 record(s)" in out  # each once, with its link
    code, doc = cli.json("status")
    groups = doc["failing"]["groups"]
    linked = [g for g in groups if g["source"] == "link"]
    assert linked == [
        {
            "source": "link",
            "reason": "UnprocessableEntityError",
            "count": 2,
            "records": linked[0]["records"],
        }
    ]
    assert all(r.startswith("contact ghl:") for r in linked[0]["records"])
    assert {r.split(":")[1] for r in linked[0]["records"]} <= set(ids)
    assert not any(g["source"] == "run" for g in groups)
    assert doc["in_sync"] == 2  # the untouched contact and the new one
    world.ghl.clear_faults()
    cli("sync", "-q")
    assert cli("status")[0] == 0


def test_status_facts_from_a_store() -> None:
    store = SQLiteStateStore(":memory:")
    store.save_link(Link(entity="contact", ghl_id="a", ninox_table="Contacts", ninox_id=1))
    store.save_link(
        Link(
            entity="contact",
            ghl_id="b",
            ninox_table="Contacts",
            ninox_id=2,
            error_count=2,
            last_error="NotFoundError: gone",
        )
    )
    store.save_link(
        Link(entity="task", ghl_id="t", ninox_table="Tasks", ninox_id=3, state="creating_ghl")
    )
    run = store.start_run("sync", {})
    store.add_record_error(
        RecordError(
            run_id=run.run_id, side="ghl", record_id="c", stage="write", error="X", message="m"
        )
    )
    store.finish_run(run, status="ok", counts={"contact.error": 1}, cursors_after={})
    facts = collect_status(store, location="loc")
    assert facts.in_sync == 1
    assert [(g.source, g.reason, g.count, g.records) for g in facts.failing] == [
        ("link", "NotFoundError", 1, ("contact ghl:b",)),
        ("link", "waiting for its GHL create to be confirmed", 1, ("task ghl:t",)),
        ("run", "X", 1, ("ghl:c",)),
    ]
    assert facts.last_full is not None
    assert facts.to_dict()["runs"][0]["errors"] == 1


# -- pause and alerts ------------------------------------------------------------------------------


class Receiver:
    """A local HTTP server recording the JSON bodies POSTed to it."""

    def __init__(self) -> None:
        bodies: list[dict[str, Any]] = []
        self.bodies = bodies

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("content-length", 0))
                bodies.append(json.loads(self.rfile.read(length)))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/alerts"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.close()


def test_auth_failures_pause_once_and_resume_once(
    tmp_path: Path, world: FakeWorld, receiver: Receiver
) -> None:
    cli = Harness(
        tmp_path, world, f'\n[alerts]\nauth_failures = 3\nwebhook_url = "{receiver.url}"\n'
    )
    world.seed_ghl(1)
    assert cli("sync", "-q")[0] == 0
    world.ghl.fail_next(401, times=None)
    assert cli("sync", "-q")[0] == ExitCode.CREDENTIALS
    assert cli("sync", "-q")[0] == ExitCode.CREDENTIALS
    assert receiver.bodies == []
    code, _, err = cli("sync", "-q")
    assert code == ExitCode.CREDENTIALS
    assert "now PAUSED" in err
    assert [b["event"] for b in receiver.bodies] == ["paused"]
    alert = receiver.bodies[0]
    assert alert["kind"] == "auth"
    assert alert["location"] == world.ghl.location_id
    assert world.ghl.token not in json.dumps(alert)

    code, _, err = cli("sync", "-q")
    assert code == ExitCode.PAUSED == 9
    assert "is paused since" in err
    assert "ghl-ninox resume" in err
    code, out, _ = cli("status")
    assert code == ExitCode.PAUSED
    assert "PAUSED" in out
    assert "(auth)" in out
    code, doc = cli.json("status")
    assert doc["paused"]["kind"] == "auth"
    code, out, _ = cli("doctor")
    assert "! paused" in out
    assert len(receiver.bodies) == 1  # still exactly one

    world.ghl.clear_faults()
    code, out, _ = cli("resume")
    assert code == 0
    assert out.startswith("resumed")
    assert [b["event"] for b in receiver.bodies] == ["paused", "recovered"]
    assert cli("resume")[1] == "not paused: nothing to resume\n"
    assert cli("sync", "-q")[0] == 0
    assert len(receiver.bodies) == 2


def test_manual_pause_alerts_through_a_command(tmp_path: Path, world: FakeWorld) -> None:
    sink = tmp_path / "alerts.jsonl"
    script = tmp_path / "sink.py"
    script.write_text(
        "import sys\nwith open(sys.argv[1], 'a') as f:\n    f.write(sys.stdin.read() + '\\n')\n"
    )
    command = json.dumps([sys.executable, str(script), str(sink)])
    cli = Harness(tmp_path, world, f"\n[alerts]\ncommand = {command}\n")
    code, out, _ = cli("pause", "--reason", "maintenance")
    assert code == 0
    assert "paused: maintenance" in out
    assert cli("pause")[1].startswith("already paused")
    assert cli("sync", "-q")[0] == ExitCode.PAUSED
    code, doc = cli.json("resume")
    assert doc["resumed"] is True
    assert doc["was"]["reason"] == "maintenance"
    events = [json.loads(line) for line in sink.read_text().splitlines()]
    assert [(e["event"], e["kind"], e["reason"]) for e in events] == [
        ("paused", "manual", "maintenance"),
        ("recovered", "manual", "maintenance"),
    ]


def _run(status: str, **counts: int) -> Run:
    at = datetime.now(timezone.utc)
    return Run(run_id="r", kind="sync", status=status, started_at=at, counts=counts)  # type: ignore[arg-type]


def test_error_rate_counts_records_and_failed_passes() -> None:
    assert error_rate([]) is None
    assert error_rate([_run("ok", **{"contact.unchanged": 9, "contact.error": 1})]) == 0.1
    assert error_rate([_run("failed"), _run("ok", **{"contact.create_ninox": 1})]) == 0.5
    assert error_rate([_run("ok", **{"contact.conflict": 5, "contact.update_ghl": 1})]) == 0.0


def test_the_error_rate_pauses_once_and_a_pass_after_the_cool_down_resumes() -> None:
    store = SQLiteStateStore(":memory:")
    sent: list[str] = []

    class Recorder(Notifier):
        def send(self, alert: Any) -> list[str]:
            sent.append(alert.event)
            return []

    clock = [datetime.now(timezone.utc) + timedelta(days=1)]  # after the runs below
    guard = Guard(
        store,
        notifier=Recorder(),
        error_runs=3,
        error_rate=0.5,
        auto_resume_minutes=10,
        now=lambda: clock[0],
    )
    for _ in range(3):
        run = store.start_run("sync", {})
        store.finish_run(
            run, status="ok", counts={"contact.error": 3, "contact.unchanged": 1}, cursors_after={}
        )
        guard.passed()
    assert sent == ["paused"]
    assert guard.blocked() is not None
    guard.failed(RuntimeError("again"))  # a failure while paused: no second alert
    assert sent == ["paused"]
    clock[0] += timedelta(minutes=11)
    assert guard.blocked() is None  # the cool-down is over: one pass may try
    guard.failed(RuntimeError("still broken"))  # it failed: paused again, quietly
    assert guard.blocked() is not None
    assert sent == ["paused"]
    clock[0] += timedelta(minutes=11)
    assert guard.blocked() is None
    guard.passed()
    assert sent == ["paused", "recovered"]
    assert guard.pause_state() is None
    guard.passed()  # runs before the resume no longer count
    assert sent == ["paused", "recovered"]


def test_a_broken_alert_channel_never_stops_the_pause(tmp_path: Path) -> None:
    store = SQLiteStateStore(":memory:")
    notifier = Notifier(webhook_url="http://127.0.0.1:9/nothing", command=[str(tmp_path / "nope")])
    guard = Guard(store, notifier=notifier)
    assert guard.pause("manual", "test") is not None
    assert guard.pause_state() is not None
    assert "webhook" not in repr(notifier) or "127.0.0.1" not in repr(notifier)


def test_the_poller_pauses_after_auth_failures_and_skips_its_passes(tmp_path: Path) -> None:
    from bridge.sync import SyncEngine
    from bridge.triggers import Poller

    world = FakeWorld()
    store = SQLiteStateStore(tmp_path / "state.sqlite3")
    sent: list[str] = []

    class Recorder(Notifier):
        def send(self, alert: Any) -> list[str]:
            sent.append(alert.event)
            return []

    guard = Guard(store, notifier=Recorder(), auth_failures=2)
    engine = SyncEngine(world.ghl_client(), world.ninox_db(), store)
    errors: list[BaseException] = []
    poller = Poller(engine, interval=60, guard=guard, on_error=errors.append)
    world.ghl.fail_next(401, times=None)
    assert poller.run_once() is None
    assert poller.run_once() is None
    assert sent == ["paused"]
    assert poller.run_once() is None  # skipped: no request, no error
    assert (poller.skipped, len(errors)) == (1, 2)
    world.ghl.clear_faults()
    guard.resume()
    assert poller.run_once() is not None
    assert sent == ["paused", "recovered"]
    store.close()
    world.close()


def test_the_serve_poller_prunes_old_history_after_each_pass(tmp_path: Path) -> None:
    # as `ghl-ninox sync` does: [history] keep_days holds for a serve deployment too
    from bridge.cli._commands import build_poller
    from bridge.config import parse_config
    from bridge.sync import SyncEngine

    world = FakeWorld()
    store = SQLiteStateStore(tmp_path / "state.sqlite3")
    config = parse_config(
        f"""
[ghl]
location_id = "{world.ghl.location_id}"
[ninox]
team_id = "{world.team_id}"
database_id = "{world.database_id}"
[history]
keep_days = 30
""",
        environ={},
    )
    old, recent = (datetime.now(timezone.utc) - timedelta(days=d) for d in (31, 29))
    store.add_history(
        [
            HistoryEntry(
                entity="contact", action="update", side="ghl", ghl_id="g", ninox_id=1, at=at
            )
            for at in (old, recent)
        ]
    )
    poller = build_poller(
        SyncEngine(world.ghl_client(), world.ninox_db(), store), 60, store, config
    )
    assert poller.run_once() is not None
    assert [e.at for e in store.history(ghl_id="g")] == [recent]
    store.close()
    world.close()


def test_the_demo_resolves_a_review_item(tmp_path: Path) -> None:
    from bridge.demo import demo

    lines: list[str] = []
    result = demo(lines.append, contacts=12, state_dir=str(tmp_path))
    assert result.checks["conflicting email waits for review"]
    assert result.checks["resolved review applied on both sides"]
    assert result.ok, result.checks
    text = "\n".join(lines)
    assert "$ ghl-ninox review resolve 1 --keep ninox" in text
    assert "review: applied 1" in text
