"""Sync twins generated from their async source, the way httpcore keeps its two APIs.

A resource or client is written once, async (``AsyncTableHandle``, ``await arun(...)``); the
sync module is this source with its async words rewritten (`RULES`), token by token, and a
header saying so. Nothing is written twice by hand, so the twins cannot drift: a test (and
``make test``) runs ``check()`` and fails when a generated file differs from what its source
gives. After editing a source::

    python -m _sdkcore._unasync          # rewrite every generated file
    python -m _sdkcore._unasync --check  # exit 1 when one is stale

Write the source so that it reads right both ways: names that differ are exactly the ones
in `RULES`, docstrings say "called" rather than "awaited", and each import line keeps its
names sorted once rewritten. The rewrite is then formatted by ``ruff format`` (a dev
dependency), with the project's settings.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

__all__ = ["PAIRS", "RULES", "check", "generate", "unasync", "write"]

#: Ordered rewrites, applied to whole words only: async spelling → sync spelling.
RULES: tuple[tuple[str, str], ...] = (
    (r"\basync def\b", "def"),
    (r"\basync for\b", "for"),
    (r"\basync with\b", "with"),
    (r"\bawait ", ""),
    (r"\b__aiter__\b", "__iter__"),
    (r"\b__aenter__\b", "__enter__"),
    (r"\b__aexit__\b", "__exit__"),
    (r"\baclose\b", "close"),
    (r"\barun\b", "run"),
    (r"\bastream\b", "stream"),
    (r"\bAsyncIterator\b", "Iterator"),
    (r"\bAsyncHTTP\b", "SyncHTTP"),
    (r"\bAsyncItems\b", "SyncItems"),
    (r"\bhttpx\.AsyncClient\b", "httpx.Client"),
    (r"\bAsync([A-Z]\w*)", r"\1"),  # AsyncTableHandle → TableHandle
    (r"\b_async(_\w+)?\b", r"_sync\1"),  # module names: _async, _async_client
)
_COMPILED = tuple((re.compile(pattern), replacement) for pattern, replacement in RULES)

_ROOT = Path(__file__).resolve().parents[1]

#: (async source, generated sync module), relative to ``src/``.
PAIRS: tuple[tuple[str, str], ...] = (
    ("ninoxsdk/resources/_async.py", "ninoxsdk/resources/_sync.py"),
    ("ninoxsdk/_async_client.py", "ninoxsdk/_sync_client.py"),
)

_HEADER = (
    "# GENERATED from {source} by _sdkcore._unasync: do not edit.\n"
    "# Edit the async source, then run `python -m _sdkcore._unasync`.\n"
)


def unasync(text: str) -> str:
    """``text`` with every async spelling of `RULES` replaced by its sync one."""
    for pattern, replacement in _COMPILED:
        text = pattern.sub(replacement, text)
    return text


def generate(source: str, root: Path = _ROOT) -> str:
    """The sync module for the async ``source`` (a path relative to ``root``), formatted by
    ``ruff format`` with the project's settings (lines shortened by the rewrite re-flow)."""
    text = (root / source).read_text(encoding="utf-8")
    return _format(_HEADER.format(source=source) + unasync(text), root / source)


def _format(text: str, path: Path) -> str:
    done = subprocess.run(  # noqa: S603 - a fixed command on our own source text
        [sys.executable, "-m", "ruff", "format", "--stdin-filename", str(path), "-"],
        input=text,
        capture_output=True,
        text=True,
        cwd=path.parent,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"ruff format failed on the rewrite of {path}: {done.stderr.strip()}")
    return done.stdout


def check(pairs: Sequence[tuple[str, str]] = PAIRS, root: Path = _ROOT) -> list[str]:
    """The generated files that differ from what their sources give (empty: all current)."""
    return [
        target
        for source, target in pairs
        if not (root / target).is_file()
        or (root / target).read_text(encoding="utf-8") != generate(source, root)
    ]


def write(pairs: Sequence[tuple[str, str]] = PAIRS, root: Path = _ROOT) -> list[str]:
    """Regenerate the stale files; returns their paths."""
    stale = check(pairs, root)
    for source, target in pairs:
        if target in stale:
            (root / target).write_text(generate(source, root), encoding="utf-8")
    return stale


def main(argv: Sequence[str]) -> int:
    if "--check" in argv:
        stale = check()
        for target in stale:
            print(f"{target} is stale: run python -m _sdkcore._unasync", file=sys.stderr)
        return 1 if stale else 0
    for target in write():
        print(f"wrote {target}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
