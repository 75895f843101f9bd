"""Token stores: memory and file (JSON, atomic replace, mode 0600)."""

from __future__ import annotations

import json
import os
import stat
import threading
from datetime import timedelta
from pathlib import Path

import pytest

from ghlsdk.auth import AsyncTokenStore, FileTokenStore, MemoryTokenStore, TokenSet, TokenStore

from .test_auth_support import T0, tokens


def sample(n: int = 1) -> TokenSet:
    return tokens(
        f"at_store_{n:06d}",
        f"rt_store_{n:06d}",
        expires_at=T0 + timedelta(hours=n),
        extra={"approvedLocations": ["a", "b"]},
    )


@pytest.mark.parametrize("make", [MemoryTokenStore, lambda: FileTokenStore("unused")])
def test_stores_satisfy_the_protocol(make: object) -> None:
    assert isinstance(make(), TokenStore)  # type: ignore[operator]


def test_memory_store_round_trip_and_async_methods() -> None:
    store = MemoryTokenStore()
    assert isinstance(store, AsyncTokenStore)
    assert store.get("loc_1") is None
    store.save("loc_1", sample())
    assert store.get("loc_1") == sample()
    store.delete("loc_1")
    store.delete("loc_1")  # absent: no error
    assert store.get("loc_1") is None


async def test_memory_store_async_twins() -> None:
    store = MemoryTokenStore()
    await store.asave("k", sample(2))
    assert await store.aget("k") == sample(2)
    await store.adelete("k")
    assert await store.aget("k") is None


@pytest.mark.parametrize("key", ["", None, 3])
def test_stores_reject_bad_keys(tmp_path: Path, key: object) -> None:
    for store in (MemoryTokenStore(), FileTokenStore(tmp_path / "t.json")):
        with pytest.raises(ValueError, match="non-empty string"):
            store.save(key, sample())  # type: ignore[arg-type]


def test_stores_reject_non_tokensets(tmp_path: Path) -> None:
    for store in (MemoryTokenStore(), FileTokenStore(tmp_path / "t.json")):
        with pytest.raises(TypeError, match="expected a TokenSet"):
            store.save("k", {"access_token": "x"})  # type: ignore[arg-type]


def test_file_store_round_trip_keeps_every_field(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "tokens.json"
    store = FileTokenStore(path)
    assert store.get("loc_1") is None  # no file yet
    store.save("loc_1", sample(1))
    store.save("comp_1", sample(2))
    again = FileTokenStore(path)  # a new process reading the same file
    assert again.get("loc_1") == sample(1)
    assert again.get("comp_1") == sample(2)
    data = json.loads(path.read_text())
    assert set(data) == {"loc_1", "comp_1"}
    assert data["loc_1"]["refresh_token"] == "rt_store_000001"
    assert data["loc_1"]["expires_at"] == "2026-11-28T13:00:00+00:00"
    again.delete("loc_1")
    assert FileTokenStore(path).get("loc_1") is None
    assert FileTokenStore(path).get("comp_1") == sample(2)


def test_file_store_file_is_private(tmp_path: Path) -> None:
    path = tmp_path / "tokens.json"
    old_umask = os.umask(0o022)
    try:
        FileTokenStore(path).save("k", sample())
    finally:
        os.umask(old_umask)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_file_store_replaces_atomically(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "tokens.json"
    store = FileTokenStore(path)
    store.save("k", sample(1))
    before = path.read_bytes()
    replaced: list[tuple[str, str]] = []
    real_replace = os.replace

    def failing_replace(src: str, dst: str) -> None:
        replaced.append((str(src), str(dst)))
        raise OSError("crash before the rename")

    monkeypatch.setattr(os, "replace", failing_replace)
    with pytest.raises(OSError, match="crash before the rename"):
        store.save("k", sample(2))
    # the write went to a temp file in the same directory, then was to be renamed over
    assert replaced
    assert replaced[0][1] == str(path)
    assert Path(replaced[0][0]).parent == tmp_path
    assert path.read_bytes() == before  # old content intact
    left = sorted(p.name for p in tmp_path.iterdir() if p.suffix != ".lock")
    assert left == ["tokens.json"]  # temp removed (the lock file may stay)
    monkeypatch.setattr(os, "replace", real_replace)
    store.save("k", sample(2))
    assert store.get("k") == sample(2)


def test_file_store_concurrent_saves_lose_nothing(tmp_path: Path) -> None:
    store = FileTokenStore(tmp_path / "tokens.json")

    def save(i: int) -> None:
        store.save(f"loc_{i}", sample(i + 1))

    threads = [threading.Thread(target=save, args=(i,)) for i in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    fresh = FileTokenStore(tmp_path / "tokens.json")
    assert all(fresh.get(f"loc_{i}") == sample(i + 1) for i in range(20))


@pytest.mark.parametrize(("content", "match"), [("{not json", "not valid JSON"), ("[]", "object")])
def test_file_store_reports_a_corrupt_file(tmp_path: Path, content: str, match: str) -> None:
    path = tmp_path / "tokens.json"
    path.write_text(content)
    with pytest.raises(ValueError, match=match):
        FileTokenStore(path).get("k")


def test_empty_file_reads_as_empty(tmp_path: Path) -> None:
    path = tmp_path / "tokens.json"
    path.write_text("")
    assert FileTokenStore(path).get("k") is None


def test_store_reprs_hold_no_tokens(tmp_path: Path) -> None:
    memory = MemoryTokenStore({"k": sample()})
    file = FileTokenStore(tmp_path / "t.json")
    file.save("k", sample())
    for text in (repr(memory), repr(file)):
        assert "at_store_000001" not in text
        assert "rt_store_000001" not in text
    assert repr(memory) == "MemoryTokenStore(keys=['k'])"
