"""PostgreSQL state through the configuration and the command line: ``[state] url`` (never with
a password: that comes from GHL_NINOX_STATE_PASSWORD), ``sync`` and ``doctor`` on the
throwaway cluster of tests/conftest.py. The configuration checks need no server."""

from __future__ import annotations

import functools
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest

from bridge.cli import ExitCode, connect_clients, main
from bridge.config import ConfigError, parse_config
from bridge.state import POSTGRES_SCHEMA_VERSION, PostgresStateStore
from bridge.testing import FakeWorld
from tests.conftest import PG_PASSWORD, PG_PASSWORD_ROLE

BASE = """
[ghl]
location_id = "{location}"

[ninox]
team_id = "team1"
database_id = "crm"

[state]
"""


def parse(state: str) -> Any:
    return parse_config(BASE.format(location="loc1") + state, path=Path("/etc/g.toml"), environ={})


def config_error(state: str) -> ConfigError:
    with pytest.raises(ConfigError) as caught:
        parse(state)
    return caught.value


# -- the configuration (no server) ------------------------------------------------------------


def test_a_url_chooses_postgres_and_a_path_or_nothing_sqlite() -> None:
    cfg = parse('url = "postgresql://ghl@db.internal:5432/ghl_ninox?sslmode=require"\n')
    assert cfg.state.backend == "postgres"
    assert cfg.state.url == "postgresql://ghl@db.internal:5432/ghl_ninox?sslmode=require"
    assert cfg.public_dict()["state"]["url"] == cfg.state.url
    assert parse('url = "postgres://db/x"\n').state.backend == "postgres"
    sqlite = parse('path = "s.sqlite3"\n')
    assert (sqlite.state.backend, sqlite.state.url) == ("sqlite", None)
    assert sqlite.state.path == Path("/etc/s.sqlite3")
    assert parse("").state.backend == "sqlite"


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://ghl:s3cr3t-pw@db/ghl_ninox",
        "postgresql://ghl@db/ghl_ninox?password=s3cr3t-pw",
    ],
)
def test_a_password_in_the_url_is_refused_without_showing_it(url: str) -> None:
    exc = config_error(f'url = "{url}"\n')
    assert exc.key == "state.url"
    assert "must not be stored in the configuration file" in str(exc)
    assert "GHL_NINOX_STATE_PASSWORD" in str(exc)
    assert "s3cr3t-pw" not in str(exc)


@pytest.mark.parametrize(
    ("state", "key", "says"),
    [
        ('path = "postgresql://db/x"\n', "state.path", 'write it as url = "postgresql://'),
        ('url = "mysql://db/x"\n', "state.url", "must be a PostgreSQL URL"),
        ('url = "state.sqlite3"\n', "state.url", "for a SQLite file use path"),
        ('path = "a.sqlite3"\nurl = "postgresql://db/x"\n', "state.url", "only one of path"),
        ('urls = "postgresql://db/x"\n', "state.urls", "did you mean 'url'"),
    ],
)
def test_state_setting_mistakes_are_explained(state: str, key: str, says: str) -> None:
    exc = config_error(state)
    assert exc.key == key, str(exc)
    assert says in str(exc)


# -- the command line on a real server ------------------------------------------------------


@pytest.fixture
def world() -> Iterator[FakeWorld]:
    w = FakeWorld()
    yield w
    w.close()


def run(tmp_path: Path, world: FakeWorld, url: str, *argv: str, **env: str) -> tuple[int, str, str]:
    text = BASE.format(location=world.ghl.location_id) + f'url = "{url}"\n'
    (tmp_path / "ghl-ninox.toml").write_text(text)
    environ = {"GHL_TOKEN": world.ghl.token, "NINOX_API_KEY": world.ninox_api_key, **env}
    connect = functools.partial(
        connect_clients, ghl_transport=world.ghl, ninox_transport=world.ninox, min_interval=0
    )
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), stdout=out, stderr=err, environ=environ, cwd=tmp_path, connect=connect)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def role_url(postgres_schema_url: str) -> str:
    """The schema's URL as the role with a password (no password in it)."""
    return postgres_schema_url.replace("postgres@", f"{PG_PASSWORD_ROLE}@", 1)


@pytest.mark.postgres
def test_sync_and_doctor_use_the_postgres_state(
    tmp_path: Path, world: FakeWorld, role_url: str
) -> None:
    world.seed_ghl(3)
    code, out, err = run(
        tmp_path, world, role_url, "sync", "-q", GHL_NINOX_STATE_PASSWORD=PG_PASSWORD
    )
    assert code == 0, out + err
    assert "contact: create_ninox 3" in out
    assert not list(tmp_path.glob("*.sqlite3"))  # nothing went to a SQLite file
    with PostgresStateStore(role_url, password=PG_PASSWORD) as store:
        assert len(store.links("contact")) == 3
        assert store.runs()[0].status == "ok"
    code, out, err = run(tmp_path, world, role_url, "doctor", GHL_NINOX_STATE_PASSWORD=PG_PASSWORD)
    assert code == 0, out + err
    [line] = [line for line in out.splitlines() if "state store" in line]
    assert "PostgreSQL database 'postgres' on 127.0.0.1" in line
    assert f"connected, schema version {POSTGRES_SCHEMA_VERSION}, " in line
    assert PG_PASSWORD not in out + err


@pytest.mark.postgres
def test_a_wrong_password_fails_clearly_and_never_shows_it(
    tmp_path: Path, world: FakeWorld, role_url: str
) -> None:
    wrong = "wrong-" + PG_PASSWORD
    code, out, err = run(tmp_path, world, role_url, "sync", GHL_NINOX_STATE_PASSWORD=wrong)
    assert code == ExitCode.STATE, out + err
    assert "password authentication failed" in err
    assert "'postgres' on 127.0.0.1" in err
    assert wrong not in out + err
    code, out, err = run(tmp_path, world, role_url, "doctor", GHL_NINOX_STATE_PASSWORD=wrong)
    assert code == ExitCode.STATE
    assert "GHL_NINOX_STATE_PASSWORD" in out
    assert wrong not in out + err


@pytest.mark.postgres
def test_a_lock_held_by_another_process_stops_a_sync(
    tmp_path: Path, world: FakeWorld, postgres_schema_url: str
) -> None:
    with PostgresStateStore(postgres_schema_url) as other:
        assert other.acquire_lock("a worker elsewhere", ttl=60)
        code, _out, err = run(tmp_path, world, postgres_schema_url, "sync")
    assert code == ExitCode.LOCKED
    assert "sync lock of PostgreSQL database 'postgres' on 127.0.0.1" in err
    with psycopg.connect(postgres_schema_url) as conn:
        assert conn.execute("SELECT count(*) FROM runs").fetchone() == (0,)


def test_serve_takes_a_postgres_state_and_says_when_it_cannot_reach_it(
    tmp_path: Path, world: FakeWorld
) -> None:
    pytest.importorskip("uvicorn")
    pytest.importorskip("cryptography")
    code, _out, err = run(tmp_path, world, "postgresql://nobody@127.0.0.1:1/none", "serve")
    assert code == ExitCode.STATE
    assert "127.0.0.1" in err


@pytest.mark.postgres
def test_the_webhook_app_keeps_its_inbox_in_postgres(postgres_schema_url: str) -> None:
    from bridge.asgi import create_app
    from bridge.state import Event

    with PostgresStateStore(postgres_schema_url) as store:
        app = create_app(handler=lambda event: None, store=store)
        assert app is not None
        event = Event(
            event_key="k1", entity="contact", ghl_id="c1", type="ContactUpdate", raw_body="{}"
        )
        assert store.add_event(event) is True
        assert store.add_event(event) is False
