"""Where OAuth sessions keep their tokens between refreshes and restarts.

GHL refresh tokens rotate (each works once), so a store must keep the newest pair durably:
a session saves the new pair *before* it uses the new access token.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from ghlsdk.auth._tokens import TokenSet

__all__ = ["AsyncTokenStore", "FileTokenStore", "MemoryTokenStore", "TokenStore"]


@runtime_checkable
class TokenStore(Protocol):
    """Keeps one [`TokenSet`][ghlsdk.auth.TokenSet] per key (e.g. a location id or a company id).

    Implementations must make [`save`][ghlsdk.auth.TokenStore.save] durable before returning: the
    session uses the
    new access token only after it returns. Async sessions call these methods in a worker
    thread (``anyio.to_thread``) unless the store also implements
    [`AsyncTokenStore`][ghlsdk.auth.AsyncTokenStore].
    """

    def get(self, key: str) -> TokenSet | None:
        """The tokens saved under ``key``, or ``None``."""
        ...

    def save(self, key: str, tokens: TokenSet) -> None:
        """Save ``tokens`` under ``key``, replacing what was there."""
        ...

    def delete(self, key: str) -> None:
        """Forget ``key`` (no error if absent), e.g. on an ``UNINSTALL`` webhook."""
        ...


@runtime_checkable
class AsyncTokenStore(Protocol):
    """A store with native async methods (a database driver, Redis...); preferred by
    [`AsyncOAuthSession`][ghlsdk.auth.AsyncOAuthSession] over running a sync store in a thread."""

    async def aget(self, key: str) -> TokenSet | None: ...

    async def asave(self, key: str, tokens: TokenSet) -> None: ...

    async def adelete(self, key: str) -> None: ...


def _check_key(key: object) -> str:
    if not isinstance(key, str) or not key:
        raise ValueError(f"token store key must be a non-empty string, got {key!r}")
    return key


class MemoryTokenStore:
    """Tokens in a dict: for tests and single-process apps that re-authorize on restart."""

    def __init__(self, initial: Mapping[str, TokenSet] | None = None) -> None:
        self._data: dict[str, TokenSet] = dict(initial or {})
        self._lock = threading.Lock()

    def get(self, key: str) -> TokenSet | None:
        with self._lock:
            return self._data.get(_check_key(key))

    def save(self, key: str, tokens: TokenSet) -> None:
        if not isinstance(tokens, TokenSet):
            raise TypeError(f"expected a TokenSet, got {type(tokens).__name__}")
        with self._lock:
            self._data[_check_key(key)] = tokens

    def delete(self, key: str) -> None:
        with self._lock:
            self._data.pop(_check_key(key), None)

    async def aget(self, key: str) -> TokenSet | None:
        return self.get(key)

    async def asave(self, key: str, tokens: TokenSet) -> None:
        self.save(key, tokens)

    async def adelete(self, key: str) -> None:
        self.delete(key)

    def keys(self) -> list[str]:
        """The keys currently stored."""
        with self._lock:
            return sorted(self._data)

    def __repr__(self) -> str:
        return f"MemoryTokenStore(keys={self.keys()!r})"


class FileTokenStore:
    """Tokens in one JSON file (``{key: tokens}``), readable by its owner only (mode 0600).

    Every save writes a temporary file in the same directory, flushes it to disk, and
    replaces the old file with ``os.replace``: a crash leaves the old or the new content,
    never a torn file. A lock serialises writers within the process; several *processes*
    sharing one file must not refresh the same key at the same time (use a database-backed
    store with its own locking for that).
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()

    def _read(self) -> dict[str, Any]:
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return {}
        if not text.strip():
            return {}
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise ValueError(f"token file {str(self.path)!r} is not valid JSON: {exc}") from exc
        if not isinstance(data, dict):
            raise ValueError(f"token file {str(self.path)!r} must hold a JSON object")
        return data

    def _write(self, data: Mapping[str, Any]) -> None:
        directory = self.path.parent
        directory.mkdir(parents=True, exist_ok=True)
        # mkstemp creates the file with mode 0600 (owner read/write only).
        fd, tmp = tempfile.mkstemp(prefix=f".{self.path.name}.", suffix=".tmp", dir=directory)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(data, fh, indent=2, sort_keys=True)
                fh.flush()
                os.fsync(fh.fileno())
            os.chmod(tmp, 0o600)
            os.replace(tmp, self.path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
        _fsync_dir(directory)

    def get(self, key: str) -> TokenSet | None:
        key = _check_key(key)
        with self._lock:
            entry = self._read().get(key)
        return TokenSet.from_dict(entry) if isinstance(entry, Mapping) else None

    def save(self, key: str, tokens: TokenSet) -> None:
        key = _check_key(key)
        if not isinstance(tokens, TokenSet):
            raise TypeError(f"expected a TokenSet, got {type(tokens).__name__}")
        with self._lock:
            data = self._read()
            data[key] = tokens.to_dict()
            self._write(data)

    def delete(self, key: str) -> None:
        key = _check_key(key)
        with self._lock:
            data = self._read()
            if key in data:
                del data[key]
                self._write(data)

    def __repr__(self) -> str:
        return f"FileTokenStore({str(self.path)!r})"


def _fsync_dir(directory: Path) -> None:
    # Make the rename itself durable where the platform allows it (not on Windows).
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
