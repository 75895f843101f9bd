"""FileTokenStore across processes (an OS file lock around read-modify-write), and clear
errors for a corrupt file or entry, never a silent skip."""

from __future__ import annotations

import json
import multiprocessing
import os
import stat
from datetime import timedelta
from pathlib import Path

import pytest

from ghlsdk.auth import FileTokenStore, TokenSet, TokenStoreError

from .test_auth_support import T0, tokens

PROCESSES = 2
SAVES = 300  # per process, each of a different key: 600 saves in all


def sample(n: int) -> TokenSet:
    return tokens(f"at_proc_{n:06d}", f"rt_proc_{n:06d}", expires_at=T0 + timedelta(hours=1))


def _saver(path: str, worker: int, saves: int, start: object) -> None:
    # Runs in a child process (spawned: imports this module afresh). Durability is not what
    # this test is about: skipping fsync makes the race window *smaller*, not larger.
    os.fsync = lambda fd: None
    store = FileTokenStore(path)
    start.wait()  # type: ignore[attr-defined]
    for i in range(saves):
        n = worker * saves + i
        store.save(f"loc_{worker}_{i}", sample(n))


def test_processes_saving_different_keys_revert_nothing(tmp_path: Path) -> None:
    path = tmp_path / "tokens.json"
    ctx = multiprocessing.get_context("spawn")
    start = ctx.Event()
    procs = [
        ctx.Process(target=_saver, args=(str(path), w, SAVES, start)) for w in range(PROCESSES)
    ]
    for p in procs:
        p.start()
    start.set()
    for p in procs:
        p.join(timeout=120)
        assert p.exitcode == 0
    data = json.loads(path.read_text())
    expected = {f"loc_{w}_{i}" for w in range(PROCESSES) for i in range(SAVES)}
    reverted = expected - set(data)
    assert not reverted, f"{len(reverted)} of {len(expected)} saves reverted"
    store = FileTokenStore(path)
    assert store.get(f"loc_{PROCESSES - 1}_{SAVES - 1}") == sample(PROCESSES * SAVES - 1)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600


def test_lock_file_is_private_and_saves_keep_0600(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "tokens.json"
    store = FileTokenStore(path)
    store.save("k", sample(1))
    store.save("k2", sample(2))
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    lock = path.with_name("tokens.json.lock")
    if lock.exists():  # filelock may remove it on release
        assert stat.S_IMODE(os.stat(lock).st_mode) & 0o077 == 0


@pytest.mark.parametrize(
    ("entry", "match"),
    [
        (
            {"refresh_token": "rt_partial_0001", "expires_at": "2026-11-28T12:00:00+00:00"},
            "no access_token",
        ),
        ({"access_token": "at_partial_0001"}, "no expires_at"),
        ({}, "no access_token and no expires_at"),
        ("at_a_bare_string_01", "is a JSON str, not an object"),
        (["x"], "is a JSON list, not an object"),
        (None, "is a JSON NoneType, not an object"),
        ({"access_token": "at_baddate_0001", "expires_at": "soon"}, "not a valid token set"),
    ],
)
def test_a_bad_entry_is_one_clear_error_naming_the_file_and_key(
    tmp_path: Path, entry: object, match: str
) -> None:
    path = tmp_path / "tokens.json"
    good = sample(1).to_dict()
    path.write_text(json.dumps({"loc_ok": good, "loc_bad": entry}))
    store = FileTokenStore(path)
    assert store.get("loc_ok") == sample(1)  # other entries still read
    with pytest.raises(TokenStoreError, match=match) as info:
        store.get("loc_bad")
    err = info.value
    assert isinstance(err, ValueError)
    assert str(path) in str(err)
    assert "'loc_bad'" in str(err)
    assert err.key == "loc_bad"
    assert err.path == path
    for secret in ("rt_partial_0001", "at_partial_0001", "at_a_bare_string_01", "at_baddate_0001"):
        assert secret not in str(err)
    assert err.__cause__ is None
    # saving another key keeps the bad entry as it was (nothing is dropped silently)
    store.save("loc_new", sample(2))
    assert json.loads(path.read_text())["loc_bad"] == entry


@pytest.mark.parametrize(
    ("content", "match"),
    [
        ('{"loc_1": {"access_token": "at_trunc', "not valid JSON"),
        ("[1, 2]", "must hold a JSON object"),
        ('"just a string"', "must hold a JSON object"),
    ],
)
def test_a_corrupt_file_is_reported_and_never_overwritten(
    tmp_path: Path, content: str, match: str
) -> None:
    path = tmp_path / "tokens.json"
    path.write_text(content)
    store = FileTokenStore(path)
    for action in (lambda: store.get("k"), lambda: store.save("k", sample(1))):
        with pytest.raises(TokenStoreError, match=match) as info:
            action()
        assert str(path) in str(info.value)
        assert "at_trunc" not in str(info.value)
    with pytest.raises(TokenStoreError):
        store.delete("k")
    assert path.read_text() == content


def test_non_utf8_file_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "tokens.json"
    path.write_bytes(b"\xff\xfe{}")
    with pytest.raises(TokenStoreError, match="not UTF-8"):
        FileTokenStore(path).get("k")
