from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from bridge.config import (
    _KEYS,
    CONFIG_ENV,
    Config,
    ConfigError,
    Secrets,
    find_config,
    load_config,
    parse_config,
    sample_config,
)
from bridge.conflicts import GHL_WINS, MANUAL, NINOX_WINS, PREFER_NON_EMPTY, Newest

MINIMAL = """
[ghl]
location_id = "loc1"

[ninox]
team_id = "team1"
database_id = "crm"
"""

FULL = """
[ghl]
location_id = "loc1"
base_url = "https://ghl.example.com"
token_store = "tokens/ghl.json"

[ninox]
team_id = "team1"
database_id = "crm"
private_cloud = "acme"

[state]
path = "state/sync.sqlite3"

[sync]
default_policy = "newest"
newest_tolerance_seconds = 60
overlap_minutes = 10
deletes = "hard"
deleted_tag = "gone"
ninox_deleted_field = "Deleted"
mass_delete_min = 3
mass_delete_fraction = 0.5
scan_deletes = true
chunk_size = 50

[sync.policies]
contact = "ghl_wins"
"contact.phone" = "prefer_non_empty"
task = { default = "newest", completed = "ninox_wins" }
note = "manual"

[server]
host = "10.0.0.5"
port = 9000
path = "/hooks/ghl"
"""


def parse(text: str, **env: str) -> Config:
    return parse_config(text, path=Path("/etc/ghl-ninox.toml"), environ=env)


def error(text: str) -> ConfigError:
    with pytest.raises(ConfigError) as info:
        parse(text)
    return info.value


def test_minimal_file_takes_the_defaults() -> None:
    cfg = parse(MINIMAL)
    assert cfg.ghl.location_id == "loc1"
    assert cfg.ghl.base_url == "https://services.leadconnectorhq.com"
    assert cfg.ghl.token_store is None
    assert (cfg.ninox.team_id, cfg.ninox.database_id) == ("team1", "crm")
    assert cfg.ninox.host == "https://api.ninox.com/v1"
    assert cfg.state.path == Path("/etc/ghl-ninox-state.sqlite3")
    assert cfg.sync.deletes == "soft"
    assert cfg.sync.overlap == timedelta(minutes=5)
    assert cfg.sync.chunk_size is None
    assert cfg.sync.policies == {}
    assert cfg.sync.policy_for("contact", "email") is None
    assert (cfg.server.host, cfg.server.port, cfg.server.path) == (
        "127.0.0.1",
        8080,
        "/webhooks/ghl",
    )


def test_full_file_is_parsed_into_frozen_settings() -> None:
    cfg = parse(FULL)
    assert cfg.ghl.base_url == "https://ghl.example.com"
    assert cfg.ghl.token_store == Path("/etc/tokens/ghl.json")
    assert cfg.ninox.private_cloud == "acme"
    assert cfg.ninox.host == "private cloud acme.ninoxdb.de"
    assert cfg.state.path == Path("/etc/state/sync.sqlite3")
    s = cfg.sync
    assert s.policies == {
        "contact": "ghl_wins",
        "contact.phone": "prefer_non_empty",
        "task": "newest",
        "task.completed": "ninox_wins",
        "note": "manual",
    }
    assert (s.default_policy, s.overlap, s.deletes, s.chunk_size) == (
        "newest",
        timedelta(minutes=10),
        "hard",
        50,
    )
    assert (s.deleted_tag, s.ninox_deleted_field, s.mass_delete_min) == ("gone", "Deleted", 3)
    assert s.mass_delete_fraction == 0.5
    assert s.scan_deletes is True
    assert (cfg.server.host, cfg.server.port, cfg.server.path) == ("10.0.0.5", 9000, "/hooks/ghl")
    with pytest.raises(AttributeError):
        cfg.ghl.location_id = "other"  # type: ignore[misc]


def test_policy_lookup_goes_field_then_entity_then_default() -> None:
    s = parse(FULL).sync
    assert s.policy_for("contact", "phone") is PREFER_NON_EMPTY
    assert s.policy_for("contact", "email") is GHL_WINS
    assert s.policy_for("task", "completed") is NINOX_WINS
    assert s.policy_for("note", "body") is MANUAL
    newest = s.policy_for("appointment", "start")
    assert newest == Newest(tolerance=timedelta(seconds=60))
    assert s.policy_for("task", "title") == Newest(tolerance=timedelta(seconds=60))
    assert set(s.policy_objects()) == set(s.policies)


@pytest.mark.parametrize(
    ("body", "key", "message"),
    [
        ("[ghl]\nlocation_id = \n", None, "not valid TOML"),
        ('location_id = "loc1"', "location_id", "outside any section: move it under [ghl]"),
        ("chunk = 5", "chunk", "outside any section: move it under the right [section]"),
        (MINIMAL + "[ghll]\n", "[ghll]", "unknown section (did you mean 'ghl'?)"),
        (MINIMAL.replace("location_id", "locaton_id"), "ghl.locaton_id", "did you mean"),
        ("[ninox]\nteam_id='t'\ndatabase_id='d'\n", "ghl.location_id", "is required"),
        ('[ghl]\nlocation_id="l"\n[ninox]\nteam_id="t"\n', "ninox.database_id", "is required"),
        (MINIMAL.replace('"loc1"', '""'), "ghl.location_id", "non-empty string"),
        (MINIMAL.replace('"loc1"', "12"), "ghl.location_id", "non-empty string"),
        (MINIMAL.replace('"loc1"', '" loc1"'), "ghl.location_id", "leading or trailing"),
        ("ghl = 3\n", "ghl", "must be a table"),
        (
            MINIMAL.replace('location_id = "loc1"', 'location_id = "l"\nbase_url = "http://x.io"'),
            "ghl.base_url",
            "plain http",
        ),
        (
            MINIMAL + 'base_url = "https://a.io"\non_premise = "https://b.io"\n',
            "ninox.on_premise",
            "only one of base_url, private_cloud, on_premise",
        ),
        (MINIMAL + 'private_cloud = "acme.ninoxdb.de"\n', "ninox.private_cloud", "sub-domain"),
        (MINIMAL + "[state]\npath = 3\n", "state.path", "non-empty string"),
        (MINIMAL + '[sync]\ndeletes = "purge"\n', "sync.deletes", '"soft"'),
        (MINIMAL + "[sync]\noverlap_minutes = -1\n", "sync.overlap_minutes", "from 0"),
        (MINIMAL + '[sync]\noverlap_minutes = "5"\n', "sync.overlap_minutes", "must be a number"),
        (MINIMAL + "[sync]\nchunk_size = 1.5\n", "sync.chunk_size", "whole number"),
        (MINIMAL + "[sync]\nchunk_size = 0\n", "sync.chunk_size", "from 1 to 1000"),
        (MINIMAL + "[sync]\nchunk_size = true\n", "sync.chunk_size", "whole number"),
        (MINIMAL + "[sync]\nmass_delete_fraction = 2\n", "sync.mass_delete_fraction", "to 1"),
        (MINIMAL + '[sync]\nscan_deletes = "yes"\n', "sync.scan_deletes", "true or false"),
        (MINIMAL + '[sync]\ndefault_policy = "gh_wins"\n', "sync.default_policy", "ghl_wins"),
        (MINIMAL + "[sync]\npolicies = 1\n", "sync.policies", "must be a table"),
        (
            MINIMAL + '[sync.policies]\ncontacts = "ghl_wins"\n',
            "sync.policies.contacts",
            "unknown entity 'contacts' (did you mean 'contact'?)",
        ),
        (
            MINIMAL + '[sync.policies]\n"contact.emial" = "newest"\n',
            "sync.policies.contact.emial",
            "contact has no field 'emial' (did you mean 'email'?)",
        ),
        (
            MINIMAL + '[sync.policies]\ncontact = "latest"\n',
            "sync.policies.contact",
            "unknown conflict policy 'latest'",
        ),
        (
            MINIMAL + '[sync.policies]\ntask = { titel = "newest" }\n',
            "sync.policies.task.titel",
            "did you mean 'title'",
        ),
        (
            MINIMAL + '[sync.policies]\n"task.title" = { a = "newest" }\n',
            "sync.policies.task.title",
            "must be a string",
        ),
        (MINIMAL + "[server]\nport = 70000\n", "server.port", "to 65535"),
        (MINIMAL + '[server]\npath = "hooks"\n', "server.path", 'start with "/"'),
        (MINIMAL + "[server]\nworkers = 2\n", "server.workers", "takes host, port, path"),
    ],
)
def test_every_bad_file_names_the_key_and_the_fix(body: str, key: str | None, message: str) -> None:
    exc = error(body)
    assert exc.key == key
    assert exc.path == Path("/etc/ghl-ninox.toml")
    assert message in str(exc)
    assert str(exc).startswith("/etc/ghl-ninox.toml")


@pytest.mark.parametrize(
    ("section", "key", "var"),
    [
        ("ghl", "token", "GHL_TOKEN"),
        ("ghl", "client_secret", "GHL_CLIENT_SECRET"),
        ("ninox", "api_key", "NINOX_API_KEY"),
        ("server", "webhook_public_key", "GHL_WEBHOOK_PUBLIC_KEY"),
        ("sync", "password", "environment variable"),
    ],
)
def test_a_secret_in_the_file_is_refused_without_echoing_it(
    section: str, key: str, var: str
) -> None:
    text = MINIMAL + f'\n[{section}]\n{key} = "s3cr3t-value"\n'
    if section in ("ghl", "ninox"):  # the section exists already: add the key to it
        text = MINIMAL.replace(f"[{section}]\n", f'[{section}]\n{key} = "s3cr3t-value"\n')
    exc = error(text)
    assert exc.key == f"{section}.{key}"
    assert "must not be stored in the configuration file" in str(exc)
    assert var in str(exc)
    assert "s3cr3t-value" not in str(exc)


def test_secrets_come_from_the_environment_and_never_show() -> None:
    cfg = parse(MINIMAL, GHL_TOKEN="pit-123", NINOX_API_KEY="nx-456", GHL_CLIENT_ID=" ")
    assert cfg.secrets.ghl_token == "pit-123"
    assert cfg.secrets.ninox_api_key == "nx-456"
    assert cfg.secrets.ghl_client_id is None  # blank counts as missing
    assert cfg.secrets.status() == {
        "GHL_TOKEN": "set",
        "GHL_CLIENT_ID": "missing",
        "GHL_CLIENT_SECRET": "missing",
        "NINOX_API_KEY": "set",
        "GHL_WEBHOOK_PUBLIC_KEY": "missing",
    }
    shown = repr(cfg) + repr(cfg.secrets) + str(cfg.public_dict())
    assert "pit-123" not in shown
    assert "nx-456" not in shown
    assert cfg.public_dict()["secrets"]["GHL_TOKEN"] == "set"


def test_oauth_credentials_are_recognised() -> None:
    assert Secrets(ghl_client_id="id", ghl_client_secret="sec").ghl_oauth
    assert not Secrets(ghl_client_id="id").ghl_oauth


def test_find_config_prefers_flag_then_env_then_cwd(tmp_path: Path) -> None:
    (tmp_path / "ghl-ninox.toml").write_text(MINIMAL)
    (tmp_path / "other.toml").write_text(MINIMAL)
    assert find_config(cwd=tmp_path, environ={}) == tmp_path / "ghl-ninox.toml"
    env = {CONFIG_ENV: "other.toml"}
    assert find_config(cwd=tmp_path, environ=env) == tmp_path / "other.toml"
    flag = tmp_path / "ghl-ninox.toml"
    assert find_config(flag, cwd=tmp_path, environ=env) == flag


@pytest.mark.parametrize(
    ("given", "env", "how"),
    [
        ("missing.toml", {}, "given with --config"),
        (None, {CONFIG_ENV: "nope.toml"}, f"named by ${CONFIG_ENV}"),
        (None, {}, "the default"),
    ],
)
def test_a_missing_file_says_how_it_was_chosen(
    tmp_path: Path, given: str | None, env: dict[str, str], how: str
) -> None:
    with pytest.raises(ConfigError) as info:
        find_config(given, cwd=tmp_path, environ=env)
    assert how in str(info.value)
    assert "--config PATH" in str(info.value)


def test_load_config_reads_the_file_and_anchors_paths(tmp_path: Path) -> None:
    (tmp_path / "ghl-ninox.toml").write_text(MINIMAL + '[state]\npath = "s.db"\n')
    cfg = load_config(cwd=tmp_path, environ={"NINOX_API_KEY": "k"})
    assert cfg.source == tmp_path / "ghl-ninox.toml"
    assert cfg.state.path == tmp_path / "s.db"
    assert cfg.secrets.ninox_api_key == "k"


def test_an_unreadable_file_is_a_config_error(tmp_path: Path) -> None:
    (tmp_path / "ghl-ninox.toml").write_bytes(b"\xff\xfe not utf-8")
    with pytest.raises(ConfigError, match="cannot read the file"):
        load_config(cwd=tmp_path, environ={})


def test_custom_mapping_fields_are_accepted() -> None:
    text = MINIMAL + '[sync.policies]\n"contact.vip" = "ninox_wins"\n'
    cfg = parse_config(text, environ={}, fields={"contact": ["vip"]})
    assert cfg.sync.policies == {"contact.vip": "ninox_wins"}


def test_every_problem_is_reported_at_once() -> None:
    text = (
        MINIMAL.replace("location_id", "locaton_id").replace("team_id", "teem_id")
        + '[sync]\ndeletes = "purge"\noverlap_minutes = -1\n'
        + '[sync.policies]\n"contact.emial" = "latest"\n'
    )
    exc = error(text)
    keys = [e.key for e in exc.errors]
    assert keys == [
        "ghl.locaton_id",
        "ninox.teem_id",
        "sync.deletes",
        "sync.policies.contact.emial",
        "sync.policies.contact.emial",
        "sync.overlap_minutes",
    ]
    assert exc.key == "ghl.locaton_id"
    message = str(exc)
    assert message.startswith("/etc/ghl-ninox.toml: 6 problems:\n")
    assert "  - ghl.locaton_id: unknown key (did you mean 'location_id'?)" in message
    assert "  - ninox.teem_id: unknown key (did you mean 'team_id'?)" in message
    assert "has no field 'emial'" in message
    assert "unknown conflict policy 'latest'" in message
    assert "is required" not in message  # the misspelt keys explain the missing ones


def test_a_broken_section_does_not_also_report_its_required_keys() -> None:
    exc = error('ghl = 3\nteam_id = "t"\n[ninox]\ndatabase_id = "d"\n')
    assert [e.key for e in exc.errors] == ["team_id", "ghl"]
    assert "is required" not in str(exc)


def test_a_single_problem_is_reported_as_itself() -> None:
    exc = error(MINIMAL.replace("location_id", "locaton_id"))
    assert exc.errors == (exc,)
    assert str(exc).startswith("/etc/ghl-ninox.toml: ghl.locaton_id: unknown key")


def test_the_shipped_sample_parses_and_names_every_setting() -> None:
    text = sample_config()
    cfg = parse_config(text, path=Path("/etc/ghl-ninox.toml"), environ={})
    assert cfg.ghl.location_id == "your-ghl-location-id"
    assert cfg.sync.policies == {"contact": "ghl_wins"}
    for keys in _KEYS.values():
        for key in keys:
            assert key in text, key
    assert "token =" not in text


def test_the_cli_docs_show_the_shipped_sample() -> None:
    docs = Path(__file__).parents[2] / "docs" / "bridge" / "cli.md"
    text = docs.read_text(encoding="utf-8")
    block = text.split("`ghl-ninox init` writes this file")[1].split("```toml\n")[1].split("```")[0]
    assert block == sample_config()
