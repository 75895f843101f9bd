from __future__ import annotations

import functools
import importlib.metadata
import io
import json
import subprocess
import sys
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import attrs
import httpx
import pytest

from bridge._progress import Progress
from bridge.cli import (
    EXIT_CODES,
    Connections,
    EngineParts,
    ExitCode,
    build_sync_config,
    connect_clients,
    main,
)
from bridge.cli._output import Out
from bridge.config import parse_config, sample_config
from bridge.conflicts import GHL_WINS, MANUAL, NINOX_WINS, PREFER_NON_EMPTY, Newest
from bridge.mappers import default_mappings
from bridge.mapping import SchemaMismatchError, SchemaProblem
from bridge.state import SQLiteStateStore, StateStoreError
from bridge.testing import FakeWorld
from ghlsdk import APIConnectionError, AuthenticationError

CONFIG = """
[ghl]
location_id = "{location}"

[ninox]
team_id = "team1"
database_id = "crm"

[state]
path = "state.sqlite3"
"""


# -- fakes ----------------------------------------------------------------------------------


@attrs.frozen
class Conflict:
    entity: str
    field: str
    ghl: Any
    ninox: Any
    resolution: str


@attrs.frozen
class Error:
    entity: str
    item: str
    message: str


@attrs.define
class FakeReport:
    kind: str = "sync"
    conflicts: list[Conflict] = attrs.field(factory=list)
    errors: list[Error] = attrs.field(factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors and all(c.resolution != "manual" for c in self.conflicts)

    def to_json(self) -> str:
        return json.dumps({"kind": self.kind, "ok": self.ok, "errors": len(self.errors)})

    def __str__(self) -> str:
        return f"{self.kind}: {'ok' if self.ok else 'attention'}"


@attrs.define
class FakeEngine:
    parts: EngineParts
    report: FakeReport | None = None
    raises: BaseException | None = None
    calls: list[tuple[str, bool]] = attrs.field(factory=list)

    def _run(self, kind: str, scan_deletes: bool) -> FakeReport:
        self.calls.append((kind, scan_deletes))
        if self.parts.progress is not None:
            self.parts.progress(1, 2, "contacts")
            self.parts.progress(2, 2, "contacts")
        if self.raises is not None:
            raise self.raises
        return self.report or FakeReport(kind=kind)

    def sync(self, *, scan_deletes: bool = False) -> FakeReport:
        return self._run("sync", scan_deletes)

    def plan(self, *, scan_deletes: bool = False) -> FakeReport:
        return self._run("plan", scan_deletes)

    def handle_ghl_event(self, event: Any) -> FakeReport:
        return FakeReport(kind="event")


class Closer:
    def __init__(self) -> None:
        self.closed = False

    def close(self) -> None:
        self.closed = True


@attrs.define
class Harness:
    tmp: Path
    env: dict[str, str]
    engines: list[FakeEngine] = attrs.field(factory=list)
    report: FakeReport | None = None
    raises: BaseException | None = None
    closer: Closer = attrs.field(factory=Closer)
    connections: int = 0

    def connect(self, config: Any) -> Connections:
        self.connections += 1
        return Connections(ghl=object(), ninox=object(), db=object(), closers=[self.closer])

    def factory(self, parts: EngineParts) -> FakeEngine:
        engine = FakeEngine(parts, report=self.report, raises=self.raises)
        self.engines.append(engine)
        return engine

    def run(self, *argv: str) -> tuple[int, str, str]:
        out, err = io.StringIO(), io.StringIO()
        code = main(
            list(argv),
            stdout=out,
            stderr=err,
            environ=self.env,
            cwd=self.tmp,
            connect=self.connect,
            engine_factory=self.factory,
        )
        return code, out.getvalue(), err.getvalue()


@pytest.fixture
def harness(tmp_path: Path) -> Harness:
    (tmp_path / "ghl-ninox.toml").write_text(CONFIG.format(location="loc1"))
    return Harness(tmp_path, {"GHL_TOKEN": "pit-secret", "NINOX_API_KEY": "nx-secret"})


# -- sync and plan --------------------------------------------------------------------------


def test_sync_prints_the_report_and_exits_0(harness: Harness) -> None:
    code, out, err = harness.run("sync")
    assert code == 0
    assert out.strip() == "sync: ok"
    assert "contacts: 2/2 (100%)" in err  # progress goes to stderr, plain lines off a TTY
    [engine] = harness.engines
    assert engine.calls == [("sync", False)]
    assert engine.parts.store.path == str(harness.tmp / "state.sqlite3")
    assert engine.parts.config.ghl.location_id == "loc1"
    assert harness.closer.closed


def test_sync_json_is_the_report_as_valid_json(harness: Harness) -> None:
    code, out, _ = harness.run("sync", "--json", "--quiet")
    assert code == 0
    assert json.loads(out) == {"kind": "sync", "ok": True, "errors": 0}


def test_quiet_turns_progress_off(harness: Harness) -> None:
    _, _, err = harness.run("sync", "-q")
    assert err == ""
    assert harness.engines[0].parts.progress is None


def test_plan_runs_the_dry_run_and_scan_deletes_is_passed(harness: Harness) -> None:
    code, out, _ = harness.run("plan", "--scan-deletes")
    assert code == 0
    assert out.strip() == "plan: ok"
    assert harness.engines[0].calls == [("plan", True)]
    # before the first sync a plan creates no state file
    assert harness.engines[0].parts.store.path == ":memory:"
    assert not (harness.tmp / "state.sqlite3").exists()


def test_scan_deletes_can_come_from_the_config(harness: Harness) -> None:
    path = harness.tmp / "ghl-ninox.toml"
    path.write_text(path.read_text() + "\n[sync]\nscan_deletes = true\n")
    harness.run("sync")
    assert harness.engines[0].calls == [("sync", True)]


@pytest.mark.parametrize(
    ("report", "code"),
    [
        (FakeReport(errors=[Error("contact", "c1", "boom")]), 1),
        (FakeReport(conflicts=[Conflict("contact", "email", "a", "b", "manual")]), 1),
        (FakeReport(conflicts=[Conflict("contact", "email", "a", "b", "ghl")]), 0),
    ],
)
def test_record_errors_and_waiting_conflicts_exit_1(
    harness: Harness, report: FakeReport, code: int
) -> None:
    harness.report = report
    got, out, err = harness.run("sync", "-q")
    assert got == code
    if code:
        assert "sync: attention" in out
        assert "exit code 1" in err


@pytest.mark.parametrize(
    ("error", "code", "words"),
    [
        (
            SchemaMismatchError(
                [
                    SchemaProblem(
                        table="Contacts",
                        field="Email",
                        expected="email",
                        found="missing",
                        message="no such field",
                    )
                ]
            ),
            ExitCode.SCHEMA,
            "Contacts.Email",
        ),
        (
            AuthenticationError(
                "Unauthorized",
                response=httpx.Response(401, request=httpx.Request("GET", "https://x.io")),
                body=None,
            ),
            ExitCode.CREDENTIALS,
            "rejected the credentials",
        ),
        (StateStoreError("the sync state is corrupt"), ExitCode.STATE, "corrupt"),
        (
            APIConnectionError(request=httpx.Request("GET", "https://x.io")),
            ExitCode.UNAVAILABLE,
            "check the network",
        ),
        (RuntimeError("surprise"), ExitCode.INTERNAL, "RuntimeError: surprise"),
    ],
)
def test_errors_map_to_documented_exit_codes(
    harness: Harness, error: BaseException, code: ExitCode, words: str
) -> None:
    harness.raises = error
    got, out, err = harness.run("sync", "-q")
    assert got == code
    assert out == ""
    assert words in err
    assert f"exit code {int(code)}" in err
    got, out, _ = harness.run("plan", "-q", "--json")
    doc = json.loads(out)
    assert got == code
    assert doc["ok"] is False
    assert doc["exit_code"] == int(code)
    assert doc["error"]["kind"] == code.name.lower()


def test_debug_prints_the_traceback_of_internal_errors(harness: Harness) -> None:
    harness.raises = RuntimeError("surprise")
    code, _, err = harness.run("sync", "-q", "--debug")
    assert code == ExitCode.INTERNAL
    assert "Traceback" in err


def test_a_held_lock_exits_6_and_plan_still_runs(harness: Harness) -> None:
    with SQLiteStateStore(harness.tmp / "state.sqlite3") as store:
        assert store.acquire_lock("another-run", ttl=600)
        code, _, err = harness.run("sync", "-q")
        assert code == 6
        assert "another run holds the sync lock" in err
        assert harness.engines[0].calls == []
        assert harness.run("plan", "-q")[0] == 0  # a dry run writes nothing: no lock needed


def test_the_lock_is_released_after_a_run(harness: Harness) -> None:
    assert harness.run("sync", "-q")[0] == 0
    with SQLiteStateStore(harness.tmp / "state.sqlite3") as store:
        assert store.acquire_lock("next-run", ttl=1)


def test_a_missing_state_directory_exits_5(harness: Harness) -> None:
    path = harness.tmp / "ghl-ninox.toml"
    path.write_text(path.read_text().replace("state.sqlite3", "nope/state.sqlite3"))
    code, _, err = harness.run("sync", "-q")
    assert code == ExitCode.STATE
    assert "does not exist" in err


def test_a_corrupt_state_store_exits_5(harness: Harness) -> None:
    (harness.tmp / "state.sqlite3").write_bytes(b"this is not a database" * 100)
    code, _, err = harness.run("sync", "-q")
    assert code == ExitCode.STATE
    assert "cannot open the sync state" in err


def test_missing_config_file_exits_2(harness: Harness) -> None:
    code, _, err = harness.run("sync", "--config", "missing.toml")
    assert code == 2
    assert "missing.toml: no such file (given with --config)" in err


def test_bad_config_exits_2_naming_file_and_key(harness: Harness) -> None:
    (harness.tmp / "bad.toml").write_text(CONFIG.format(location="l") + "[sync]\ndeletes = 1\n")
    code, out, err = harness.run("plan", "--config", "bad.toml")
    assert code == 2
    assert f"{harness.tmp / 'bad.toml'}: sync.deletes: must be" in err
    code, out, _ = harness.run("plan", "--config", "bad.toml", "--json")
    assert json.loads(out)["error"]["kind"] == "usage"


def test_config_from_environment_variable(harness: Harness) -> None:
    (harness.tmp / "ghl-ninox.toml").unlink()
    (harness.tmp / "elsewhere.toml").write_text(CONFIG.format(location="loc9"))
    harness.env["GHL_NINOX_CONFIG"] = "elsewhere.toml"
    assert harness.run("sync", "-q")[0] == 0
    assert harness.engines[0].parts.config.ghl.location_id == "loc9"


def test_usage_errors_exit_2_and_help_lists_exit_codes(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["frobnicate"]) == 2
    assert main(["sync", "--bogus"]) == 2
    assert main(["--help"]) == 0
    help_text = capsys.readouterr().out
    for code, text in EXIT_CODES.items():
        assert f"{int(code)}  {text}" in help_text


def test_exit_codes_are_the_documented_numbers() -> None:
    assert {c.name: int(c) for c in ExitCode} == {
        "OK": 0,
        "RECORD_ERRORS": 1,
        "USAGE": 2,
        "CREDENTIALS": 3,
        "SCHEMA": 4,
        "STATE": 5,
        "LOCKED": 6,
        "UNAVAILABLE": 7,
        "INTERNAL": 8,
        "PAUSED": 9,
    }
    docs = (Path(__file__).parents[2] / "docs" / "bridge" / "cli.md").read_text(encoding="utf-8")
    for code in ExitCode:
        assert f"| {int(code)} |" in docs


# -- clients from the config ---------------------------------------------------------------


@pytest.fixture
def world() -> Iterator[FakeWorld]:
    w = FakeWorld()
    yield w
    w.close()


def world_harness(tmp_path: Path, world: FakeWorld, **env: str) -> tuple[Any, dict[str, str]]:
    (tmp_path / "ghl-ninox.toml").write_text(CONFIG.format(location=world.ghl.location_id))
    environ = {"GHL_TOKEN": world.ghl.token, "NINOX_API_KEY": world.ninox_api_key, **env}
    connect = functools.partial(
        connect_clients, ghl_transport=world.ghl, ninox_transport=world.ninox, min_interval=0
    )
    return connect, environ


def run_real(
    tmp_path: Path, connect: Any, environ: dict[str, str], *argv: str, **kw: Any
) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(
        list(argv), stdout=out, stderr=err, environ=environ, cwd=tmp_path, connect=connect, **kw
    )
    return code, out.getvalue(), err.getvalue()


def test_missing_token_exits_3_without_building_anything(tmp_path: Path, world: FakeWorld) -> None:
    connect, env = world_harness(tmp_path, world)
    del env["GHL_TOKEN"]
    code, _, err = run_real(tmp_path, connect, env, "sync")
    assert code == ExitCode.CREDENTIALS
    assert "set GHL_TOKEN" in err


def test_missing_ninox_key_exits_3(tmp_path: Path, world: FakeWorld) -> None:
    connect, env = world_harness(tmp_path, world)
    del env["NINOX_API_KEY"]
    code, _, err = run_real(tmp_path, connect, env, "plan")
    assert code == ExitCode.CREDENTIALS
    assert "NINOX_API_KEY" in err


def test_oauth_without_token_store_is_a_config_error(tmp_path: Path, world: FakeWorld) -> None:
    connect, env = world_harness(tmp_path, world, GHL_CLIENT_ID="cid", GHL_CLIENT_SECRET="cs")
    del env["GHL_TOKEN"]
    code, _, err = run_real(tmp_path, connect, env, "sync")
    assert code == ExitCode.USAGE
    assert "ghl.token_store" in err


def test_ninox_hosts_from_config() -> None:
    base = '[ghl]\nlocation_id="l"\n[ninox]\nteam_id="t"\ndatabase_id="d"\n'
    env = {"GHL_TOKEN": "pit-x", "NINOX_API_KEY": "k"}
    for extra, url in [
        ("", "https://api.ninox.com/v1"),
        ('private_cloud = "acme"\n', "https://acme.ninoxdb.de/v1"),
        ('on_premise = "https://nx.example.com"\n', "https://nx.example.com/v1"),
        ('base_url = "http://127.0.0.1:9/v1"\n', "http://127.0.0.1:9/v1"),
    ]:
        conns = connect_clients(parse_config(base + extra, environ=env))
        try:
            assert str(conns.ninox.base_url).rstrip("/") == url
            assert conns.db.database_id == "d"
            assert conns.ghl.location_id == "l"
        finally:
            conns.close()


def test_real_engine_syncs_the_fake_world_end_to_end(tmp_path: Path, world: FakeWorld) -> None:
    world.seed_ghl(5)
    connect, env = world_harness(tmp_path, world)
    code, out, _ = run_real(tmp_path, connect, env, "sync", "-q")
    assert code == 0, out
    assert "contact: create_ninox 5" in out
    assert len(world.ninox_records("Contacts")) == 5
    code, out, _ = run_real(tmp_path, connect, env, "plan", "--json", "-q")
    doc = json.loads(out)
    assert code == 0
    assert doc["dry_run"] is True
    assert doc["changes"] == []


def test_sync_refuses_a_wrong_layout_before_writing(tmp_path: Path) -> None:
    defaults = default_mappings()
    world = FakeWorld(mappings=defaults.replace(defaults.entity("task").without_fields("title")))
    try:
        world.seed_ghl(3)
        connect, env = world_harness(tmp_path, world)
        code, _, err = run_real(tmp_path, connect, env, "sync", "-q")
        assert code == ExitCode.SCHEMA
        assert "Tasks.Title" in err
        assert world.ninox_records("Contacts") == []
    finally:
        world.close()


def test_build_sync_config_translates_the_policies() -> None:
    text = CONFIG.format(location="l") + (
        '[sync]\ndefault_policy = "ninox_wins"\noverlap_minutes = 2\ndeletes = "hard"\n'
        "chunk_size = 20\nmass_delete_min = 4\n"
        '[sync.policies]\n"contact.phone" = "prefer_non_empty"\ntask = "newest"\n'
        'note = { body = "manual" }\n'
    )
    sc = build_sync_config(parse_config(text, environ={}))
    assert sc.policies == {"contact": {"phone": PREFER_NON_EMPTY}, "note": {"body": MANUAL}}
    assert sc.default_policy == {"contact": GHL_WINS, "task": Newest()}
    assert sc.fallback_policy is NINOX_WINS
    assert (sc.overlap, sc.deletes, sc.chunk_size, sc.mass_delete_min) == (
        timedelta(minutes=2),
        "hard",
        20,
        4,
    )


# -- doctor ---------------------------------------------------------------------------------


def test_doctor_on_a_healthy_world_exits_0(tmp_path: Path, world: FakeWorld) -> None:
    connect, env = world_harness(tmp_path, world)
    code, out, _ = run_real(tmp_path, connect, env, "doctor")
    assert code == 0, out
    for line in (
        "✓ config",
        "✓ secrets",
        "✓ ghl token",
        "✓ ninox key",
        "✓ ninox database",
        "✓ ninox layout",
        "✓ state store",
    ):
        assert line in out
    assert "GHL_TOKEN set" in out
    [secrets_line] = [line for line in out.splitlines() if "secrets" in line]
    assert "GHL_WEBHOOK_PUBLIC_KEY" not in secrets_line  # optional: listed apart
    assert "GHL_CLIENT_ID" not in secrets_line  # not needed with a token
    optional = out.split("optional (only some commands use these):\n")[1]
    assert "GHL_WEBHOOK_PUBLIC_KEY not set" in optional
    assert "serve extras" in optional
    assert "not created yet" in out
    assert "! ghl scopes" in out  # a static token does not say its scopes: a warning
    assert "all checks passed" in out
    assert world.ghl.token not in out
    assert world.ninox_api_key not in out


def test_doctor_reports_the_store_history(tmp_path: Path, world: FakeWorld) -> None:
    connect, env = world_harness(tmp_path, world)
    with SQLiteStateStore(tmp_path / "state.sqlite3") as store:
        run = store.start_run("sync", {})
        store.finish_run(run, status="ok", counts={}, cursors_after={})
    code, out, _ = run_real(tmp_path, connect, env, "doctor")
    assert code == 0
    assert "integrity ok, 0 link(s), 0 open review(s); last runs: sync ok at" in out


def test_doctor_wrong_layout_exits_4_listing_every_problem(tmp_path: Path) -> None:
    defaults = default_mappings()
    short = defaults.replace(defaults.entity("contact").without_fields("email", "phone"))
    world = FakeWorld(mappings=short)
    try:
        connect, env = world_harness(tmp_path, world)
        code, out, _ = run_real(tmp_path, connect, env, "doctor")
    finally:
        world.close()
    assert code == 4
    assert "✗ ninox layout" in out
    assert "2 problems against the mapping" in out
    assert "Contacts.Email" in out
    assert "Contacts.Phone" in out
    assert "fix: add or fix" in out


def test_doctor_bad_token_exits_3(tmp_path: Path, world: FakeWorld) -> None:
    connect, env = world_harness(tmp_path, world, GHL_TOKEN="pit-wrong")
    code, out, _ = run_real(tmp_path, connect, env, "doctor")
    assert code == ExitCode.CREDENTIALS
    assert "✗ ghl token" in out
    assert "- ghl scopes" in out  # skipped
    assert "✓ ninox layout" in out  # the other side is still checked
    assert "pit-wrong" not in out


def test_doctor_bad_ninox_key_exits_3(tmp_path: Path, world: FakeWorld) -> None:
    connect, env = world_harness(tmp_path, world, NINOX_API_KEY="wrong")
    code, out, _ = run_real(tmp_path, connect, env, "doctor")
    assert code == ExitCode.CREDENTIALS
    assert "✗ ninox key" in out
    assert "✓ ghl token" in out


def test_doctor_read_only_scopes_warn_and_missing_read_scope_fails(
    tmp_path: Path, world: FakeWorld
) -> None:
    connect, env = world_harness(tmp_path, world)
    ro = {"contacts.readonly", "calendars/events.readonly"}
    scoped = functools.partial(_with_scopes, connect, ro)
    code, out, _ = run_real(tmp_path, scoped, env, "doctor")
    assert code == 0
    assert "! ghl scopes" in out
    assert "read-only: missing contacts.write, calendars/events.write" in out
    code, out, _ = run_real(
        tmp_path, functools.partial(_with_scopes, connect, set()), env, "doctor"
    )
    assert code == ExitCode.CREDENTIALS
    assert "✗ ghl scopes" in out


def _with_scopes(connect: Any, scopes: set[str], config: Any) -> Connections:
    conns: Connections = connect(config)

    class Scoped:
        def __init__(self, inner: Any) -> None:
            self.contacts = inner.contacts
            self.scopes = frozenset(scopes)

    conns.ghl = Scoped(conns.ghl)
    return conns


def test_doctor_unknown_team_and_database_exit_2(tmp_path: Path, world: FakeWorld) -> None:
    connect, env = world_harness(tmp_path, world)
    path = tmp_path / "ghl-ninox.toml"
    path.write_text(path.read_text().replace('database_id = "crm"', 'database_id = "nope"'))
    code, out, _ = run_real(tmp_path, connect, env, "doctor")
    assert code == ExitCode.USAGE
    assert "database 'nope' not found" in out
    assert "crm (CRM)" in out
    path.write_text(path.read_text().replace('team_id = "team1"', 'team_id = "other"'))
    code, out, _ = run_real(tmp_path, connect, env, "doctor")
    assert code == ExitCode.USAGE
    assert "team 'other' not visible" in out


def test_doctor_without_config_exits_2_and_still_shows_secrets(tmp_path: Path) -> None:
    env = {"GHL_TOKEN": "t", "NINOX_API_KEY": "k"}
    code, out, _ = run_real(tmp_path, connect_clients, env, "doctor")
    assert code == ExitCode.USAGE
    assert "✗ config" in out
    assert "GHL_TOKEN set" in out
    assert "NINOX_API_KEY set" in out
    assert "- state store" in out
    # the worst failure decides the exit code: a missing key (3) outranks the config (2)
    code, out, _ = run_real(tmp_path, connect_clients, {"GHL_TOKEN": "t"}, "doctor")
    assert code == ExitCode.CREDENTIALS
    assert "✗ secrets" in out
    [failed] = [line for line in out.splitlines() if "secrets" in line]
    assert failed.endswith("GHL_TOKEN set, NINOX_API_KEY missing")  # only required ones


def test_doctor_corrupt_store_exits_5(tmp_path: Path, world: FakeWorld) -> None:
    connect, env = world_harness(tmp_path, world)
    (tmp_path / "state.sqlite3").write_bytes(b"garbage" * 200)
    code, out, _ = run_real(tmp_path, connect, env, "doctor")
    assert code == ExitCode.STATE
    assert "✗ state store" in out


def test_doctor_warns_about_a_held_lock(tmp_path: Path, world: FakeWorld) -> None:
    connect, env = world_harness(tmp_path, world)
    with SQLiteStateStore(tmp_path / "state.sqlite3") as store:
        store.acquire_lock("running-sync", ttl=600)
        code, out, _ = run_real(tmp_path, connect, env, "doctor")
    assert code == 0
    assert "! lock" in out


def test_doctor_json_is_valid_and_matches_the_exit_code(tmp_path: Path, world: FakeWorld) -> None:
    connect, env = world_harness(tmp_path, world, GHL_TOKEN="pit-wrong")
    code, out, _ = run_real(tmp_path, connect, env, "doctor", "--json")
    doc = json.loads(out)
    assert doc["exit_code"] == code == ExitCode.CREDENTIALS
    assert doc["ok"] is False
    by_name = {c["name"]: c for c in doc["checks"]}
    assert by_name["ghl token"]["status"] == "fail"
    assert by_name["ghl token"]["exit_code"] == 3
    assert by_name["ninox layout"]["status"] == "ok"
    assert "pit-wrong" not in out


def test_doctor_falls_back_to_ascii_symbols() -> None:
    out = io.TextIOWrapper(io.BytesIO(), encoding="ascii")
    assert Out(out, io.StringIO()).symbols()["ok"].strip() == "OK"


# -- serve ----------------------------------------------------------------------------------


def test_serve_builds_the_app_with_the_engine_handler(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    import bridge.asgi

    served: list[tuple[Any, str, int]] = []
    monkeypatch.setattr(
        bridge.asgi, "serve", lambda app, host, port: served.append((app, host, port))
    )
    code, _, err = harness.run("serve", "--port", "9123")
    assert code == 0
    [(app, host, port)] = served
    assert (host, port) == ("127.0.0.1", 9123)
    assert isinstance(app, bridge.asgi.WebhookApp)
    assert "listening on http://127.0.0.1:9123/webhooks/ghl" in err


@pytest.mark.parametrize(
    ("missing", "extras"),
    [
        (["uvicorn"], "server"),
        (["cryptography"], "webhooks"),
        (["uvicorn", "cryptography"], "server,webhooks"),
    ],
)
def test_serve_checks_its_extras_before_contacting_anything(
    harness: Harness, monkeypatch: pytest.MonkeyPatch, missing: list[str], extras: str
) -> None:
    for module in missing:
        monkeypatch.setitem(sys.modules, module, None)  # find_spec: not installed
    code, out, err = harness.run("serve")
    assert code == ExitCode.USAGE
    hint = f"pip install -e '.[{extras}]' from a clone, or the wheel with [{extras}]"
    assert f"fix: {hint}" in err
    assert "this is a bug" not in err
    assert harness.connections == 0
    assert out == ""
    code, out, _ = harness.run("serve", "--json")
    assert json.loads(out)["error"]["hint"] == hint


def test_serve_without_uvicorn_at_run_time_says_what_to_install(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    import bridge.asgi

    def no_uvicorn(app: Any, host: str, port: int) -> None:
        raise ImportError("serving webhooks needs uvicorn, the 'server' extra: pip install ...")

    monkeypatch.setattr(bridge.asgi, "serve", no_uvicorn)
    code, _, err = harness.run("serve")
    assert code == ExitCode.USAGE
    assert "pip install -e '.[server]' from a clone" in err


def test_serve_without_the_asgi_module_is_a_clear_error(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "bridge.asgi", None)
    code, _, err = harness.run("serve")
    assert code == ExitCode.USAGE
    assert "bridge.asgi is missing" in err


def test_serve_refuses_an_unreadable_webhook_key_before_connecting(harness: Harness) -> None:
    harness.env["GHL_WEBHOOK_PUBLIC_KEY"] = "not a key"
    code, _, err = harness.run("serve")
    assert code == ExitCode.USAGE
    assert "GHL_WEBHOOK_PUBLIC_KEY cannot be read" in err
    assert harness.connections == 0


# -- demo -----------------------------------------------------------------------------------


def test_demo_calls_run_demo_with_progress_on_stderr(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[Any, Any, bool]] = []

    def run_demo(out: Any, *, progress: Any = None, json: bool = False) -> int:
        calls.append((out, progress, json))
        out.write("demo ran\n")
        return 0

    monkeypatch.setattr("bridge.demo.run_demo", run_demo)
    out, err = io.StringIO(), io.StringIO()
    assert main(["demo"], stdout=out, stderr=err) == 0
    assert out.getvalue() == "demo ran\n"
    progress = calls[0][1]
    assert isinstance(progress, Progress)
    assert progress.stream is err  # progress never goes to stdout, terminal or not
    assert main(["demo", "-q"], stdout=io.StringIO()) == 0
    assert calls[1][1] is None
    assert main(["demo", "--json"], stdout=io.StringIO()) == 0
    assert calls[2][2] is True


def test_demo_failure_is_passed_on(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("bridge.demo.run_demo", lambda out, progress=None, json=False: 1)
    assert main(["demo"], stdout=io.StringIO()) == 1


def test_demo_json_is_one_document_with_the_runs_and_checks() -> None:
    from bridge.demo import run_demo

    out = io.StringIO()
    assert run_demo(out, contacts=12, json=True) == 0
    doc = json.loads(out.getvalue())
    assert (doc["command"], doc["ok"], doc["exit_code"], doc["contacts"]) == ("demo", True, 0, 12)
    assert set(doc["runs"]) == {"first", "webhook", "second", "third"}
    assert doc["runs"]["first"]["counts"]["contact"]["create_ninox"] == 12
    assert doc["runs"]["third"]["changed_records"] == 0
    assert doc["checks"]
    assert all(check["ok"] for check in doc["checks"])


def test_module_entry_point_runs_the_demo() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bridge", "demo"],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Demo finished" in result.stdout
    assert "(100%)" not in result.stdout  # progress is on stderr even off a terminal
    assert "contacts: 500/500 (100%)" in result.stderr or "(100%)" in result.stderr


# -- progress -------------------------------------------------------------------------------


def test_progress_off_a_tty_writes_a_line_per_quarter() -> None:
    out = io.StringIO()
    bar = Progress(out, tty=False)
    for n in range(1, 101):
        bar(n, 100, "contacts")
    bar(0, 0, "notes")
    assert out.getvalue().splitlines() == [
        "contacts: 1/100 (1%)",
        "contacts: 25/100 (25%)",
        "contacts: 50/100 (50%)",
        "contacts: 75/100 (75%)",
        "contacts: 100/100 (100%)",
        "notes: 0",
    ]


def test_progress_on_a_tty_redraws_one_line() -> None:
    out = io.StringIO()
    bar = Progress(out, tty=True)
    bar(5, 10, "tasks")
    bar(10, 10, "tasks")
    bar(3, 7, "notes")
    bar.close()
    text = out.getvalue()
    assert text.count("\r") == 3
    assert "[###############---------------] 5/10  50%" in text
    assert text.endswith("3/7  42%\n")
    assert text.count("\n") == 2


# -- init, --version, hints -----------------------------------------------------------------


def test_init_writes_the_sample_and_refuses_to_overwrite(tmp_path: Path) -> None:
    out, err = io.StringIO(), io.StringIO()
    assert main(["init"], stdout=out, stderr=err, environ={}, cwd=tmp_path) == 0
    target = tmp_path / "ghl-ninox.toml"
    assert target.read_text(encoding="utf-8") == sample_config()
    assert f"wrote {target}" in out.getvalue()
    assert "ghl-ninox doctor" in out.getvalue()
    assert err.getvalue() == ""
    target.write_text("# mine\n")
    out, err = io.StringIO(), io.StringIO()
    code = main(["init"], stdout=out, stderr=err, environ={}, cwd=tmp_path)
    assert code == ExitCode.USAGE
    assert "already exists" in err.getvalue()
    assert "--force" in err.getvalue()
    assert target.read_text() == "# mine\n"
    out = io.StringIO()
    assert main(["init", "--force", "--json"], stdout=out, environ={}, cwd=tmp_path) == 0
    doc = json.loads(out.getvalue())
    assert doc == {
        "command": "init",
        "ok": True,
        "exit_code": 0,
        "path": str(target),
        "overwritten": True,
        "next_steps": doc["next_steps"],
    }
    assert target.read_text(encoding="utf-8") == sample_config()


def test_init_writes_where_the_other_commands_look(tmp_path: Path) -> None:
    env = {"GHL_NINOX_CONFIG": "conf/bridge.toml", "GHL_TOKEN": "t", "NINOX_API_KEY": "k"}
    (tmp_path / "conf").mkdir()
    out = io.StringIO()
    assert main(["init"], stdout=out, environ=env, cwd=tmp_path) == 0
    assert (tmp_path / "conf" / "bridge.toml").is_file()
    assert "--config" not in out.getvalue()  # found without it
    out = io.StringIO()
    assert main(["init", "other.toml"], stdout=out, environ=env, cwd=tmp_path) == 0
    assert f"ghl-ninox doctor --config {tmp_path / 'other.toml'}" in out.getvalue()
    # the sample is a valid configuration: doctor reads it and goes on to the services
    code, out_text, _ = run_real(tmp_path, _no_network, env, "doctor")
    assert "✓ config" in out_text
    assert code == ExitCode.UNAVAILABLE


def _no_network(config: Any) -> Connections:
    raise APIConnectionError("no network in tests", request=httpx.Request("GET", "https://x"))


def test_version_is_the_installed_distributions(capsys: pytest.CaptureFixture[str]) -> None:
    out = io.StringIO()
    assert main(["--version"], stdout=out) == 0
    assert out.getvalue() == f"ghl-ninox {importlib.metadata.version('ghl-ninox')}\n"
    assert capsys.readouterr().out == ""


def test_every_config_problem_is_reported_by_the_cli(harness: Harness) -> None:
    path = harness.tmp / "ghl-ninox.toml"
    path.write_text(path.read_text().replace("location_id", "locaton_id") + "[sync]\nx = 1\n")
    code, _, err = harness.run("sync")
    assert code == ExitCode.USAGE
    assert "2 problems" in err
    assert "ghl.locaton_id" in err
    assert "sync.x" in err
    code, out, _ = harness.run("sync", "--json")
    problems = json.loads(out)["error"]["problems"]
    assert [p["key"] for p in problems] == ["ghl.locaton_id", "sync.x"]


def test_hints_point_to_what_the_wheel_ships() -> None:
    root = Path(__file__).parents[2] / "src" / "bridge"
    for path in [*(root / "cli").glob("*.py"), *(root / "config").glob("*.py")]:
        assert "docs/bridge" not in path.read_text(encoding="utf-8"), path


def test_the_console_script_is_bridge_cli_main() -> None:
    [script] = [
        ep
        for ep in importlib.metadata.entry_points(group="console_scripts")
        if ep.name == "ghl-ninox"
    ]
    assert script.value == "bridge.cli:main"
    assert script.load() is main


def test_serve_accepts_a_delivery_signed_with_the_configured_test_key(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    # What docs/ghl/webhooks.md walks through: the test key's public half in
    # GHL_WEBHOOK_PUBLIC_KEY, a body signed with its private half.
    import anyio

    import bridge.asgi
    from ghlsdk.testing import WebhookSigner

    signer = WebhookSigner()
    body, headers = signer.delivery({"type": "ContactCreate", "locationId": "loc1", "id": "c1"})
    statuses: list[int] = []

    async def deliver(app: Any) -> None:
        async with app.running():
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
                for extra in ({}, {"x-ghl-signature": sign_other(body)}):
                    response = await client.post(
                        "/webhooks/ghl", content=body, headers={**headers, **extra}
                    )
                    statuses.append(response.status_code)

    # uvicorn is not started: the app is driven in process while "serve" runs
    monkeypatch.setattr(bridge.asgi, "serve", lambda app, host, port: anyio.run(deliver, app))
    harness.env["GHL_WEBHOOK_PUBLIC_KEY"] = signer.ed25519_public_pem
    assert harness.run("serve", "-q")[0] == 0
    assert statuses == [200, 401]


def sign_other(body: bytes) -> str:
    from ghlsdk.testing import WebhookSigner

    return WebhookSigner.generate().sign(body, schemes=["ed25519"])["x-ghl-signature"]
