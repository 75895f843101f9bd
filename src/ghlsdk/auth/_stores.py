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
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from filelock import FileLock

from _sdkcore.errors import SDKError
from _sdkcore.logging import redact
from ghlsdk.auth._tokens import TokenSet

__all__ = [
    "AsyncTokenStore",
    "FileTokenStore",
    "MemoryTokenStore",
    "TokenStore",
    "TokenStoreError",
]

#: Fields an entry of a token file must have.
_REQUIRED = ("access_token", "expires_at")


class TokenStoreError(SDKError, ValueError):
    """A token file, or one entry of it, cannot be read. The message names the file (and the
    key) and what is wrong, never a token; nothing is skipped or overwritten silently.

    ``path`` is the file, ``key`` the entry's key (``None`` when the whole file is bad).
    """

    def __init__(self, message: str, *, path: Path, key: str | None = None) -> None:
        self.path = path
        self.key = key
        super().__init__(message)


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

    Safe across threads and processes: every save or delete reads, changes and writes the
    file while holding an OS file lock (``<file>.lock`` beside it, mode 0600, via the
    ``filelock`` package) and a thread lock, so concurrent saves of different keys never undo
    each other. The new content goes to a temporary file in the same directory (mode 0600),
    flushed to disk, then replaces the old file with ``os.replace``: a crash leaves the old or
    the new content, never a torn file, and readers need no lock.

    A file that is not a JSON object, and an entry that is not an object or lacks
    ``access_token`` / ``expires_at``, raise [`TokenStoreError`][ghlsdk.auth.TokenStoreError]
    naming the file and the key; a corrupt file is never overwritten. ``lock_timeout`` is how
    many seconds a save waits for another process's lock (``filelock.Timeout`` after that).
    """

    def __init__(self, path: str | os.PathLike[str], *, lock_timeout: float = 30.0) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        self._file_lock = FileLock(
            str(self.path.with_name(self.path.name + ".lock")), timeout=lock_timeout, mode=0o600
        )

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._lock, self._file_lock:
            yield

    def _read(self) -> dict[str, Any]:
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return {}
        except UnicodeDecodeError:
            raise TokenStoreError(
                f"token file {str(self.path)!r} is not UTF-8 text; restore it from a backup or "
                "delete it and authorise again",
                path=self.path,
            ) from None
        if not text.strip():
            return {}
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise TokenStoreError(
                f"token file {str(self.path)!r} is not valid JSON ({exc.msg} at line "
                f"{exc.lineno}, column {exc.colno}); fix it or restore it from a backup. "
                "Nothing was read from it or written to it",
                path=self.path,
            ) from None
        if not isinstance(data, dict):
            raise TokenStoreError(
                f"token file {str(self.path)!r} must hold a JSON object of key -> tokens, "
                f"not a JSON {type(data).__name__}",
                path=self.path,
            )
        return data

    def _entry(self, key: str, entry: object) -> TokenSet:
        where = f"token file {str(self.path)!r}, key {key!r}"
        if not isinstance(entry, Mapping):
            raise TokenStoreError(
                f"{where}: the entry is a JSON {type(entry).__name__}, not an object with "
                "access_token and expires_at; fix or delete this entry",
                path=self.path,
                key=key,
            )
        missing = [name for name in _REQUIRED if entry.get(name) in (None, "")]
        if missing:
            raise TokenStoreError(
                f"{where}: the entry has no {' and no '.join(missing)}; save complete tokens "
                "under this key (or delete it and authorise again)",
                path=self.path,
                key=key,
            )
        try:
            return TokenSet.from_dict(entry)
        except (ValueError, TypeError) as exc:
            raise TokenStoreError(
                f"{where}: the entry is not a valid token set ({redact(str(exc))})",
                path=self.path,
                key=key,
            ) from None

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
        data = self._read()  # the file is replaced whole: no lock needed to read it
        if key not in data:
            return None
        return self._entry(key, data[key])

    def save(self, key: str, tokens: TokenSet) -> None:
        key = _check_key(key)
        if not isinstance(tokens, TokenSet):
            raise TypeError(f"expected a TokenSet, got {type(tokens).__name__}")
        with self._locked():
            data = self._read()
            data[key] = tokens.to_dict()
            self._write(data)

    def delete(self, key: str) -> None:
        key = _check_key(key)
        with self._locked():
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
