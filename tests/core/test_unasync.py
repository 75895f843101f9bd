"""The sync twins generated from their async source (``_sdkcore._unasync``): the rewrite, and
the drift check that ``make test`` relies on."""

from __future__ import annotations

from pathlib import Path

import pytest

from _sdkcore._unasync import check, generate, main, unasync, write

SOURCE = '''"""A resource."""

from _sdkcore._http import AsyncHTTP
from _sdkcore.programs import AsyncItems, arun


class AsyncThings:
    """Things: ``async for thing in things`` (no request until then)."""

    def __init__(self, http: AsyncHTTP) -> None:
        self._http = http

    async def get(self, thing_id: str) -> str:
        """One thing."""
        return await arun(self._http, None, thing_id)

    async def aclose(self) -> None:
        async with self._http:
            pass
'''


@pytest.mark.parametrize(
    ("async_text", "sync_text"),
    [
        ("async def f(): await g()", "def f(): g()"),
        ("async for x in y: pass", "for x in y: pass"),
        ("async with c as d: pass", "with c as d: pass"),
        ("def __aiter__(self) -> AsyncIterator[int]", "def __iter__(self) -> Iterator[int]"),
        ("await self._http.aclose()", "self._http.close()"),
        ("AsyncTableHandle(AsyncHTTP)", "TableHandle(SyncHTTP)"),
        ("AsyncItems[Record]", "SyncItems[Record]"),
        ("http_client: httpx.AsyncClient", "http_client: httpx.Client"),
        ("from ninoxsdk.resources._async import X", "from ninoxsdk.resources._sync import X"),
        ("from ninoxsdk._async_client import X", "from ninoxsdk._sync_client import X"),
        # whole words only: nothing else changes
        ("asynchronous, arunning, Asyncio, awaited, my_async_thing", None),
    ],
)
def test_the_rewrite(async_text: str, sync_text: str | None) -> None:
    assert unasync(async_text) == (async_text if sync_text is None else sync_text)


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "_async.py").write_text(SOURCE, encoding="utf-8")
    return tmp_path


PAIR = [("pkg/_async.py", "pkg/_sync.py")]


def test_generate_writes_the_sync_twin_with_a_header(tree: Path) -> None:
    assert check(PAIR, tree) == ["pkg/_sync.py"]  # missing counts as stale
    assert write(PAIR, tree) == ["pkg/_sync.py"]
    text = (tree / "pkg" / "_sync.py").read_text(encoding="utf-8")
    assert text.startswith("# GENERATED from pkg/_async.py by _sdkcore._unasync: do not edit.")
    assert "class Things:" in text
    assert "def get(self, thing_id: str) -> str:" in text
    assert "return run(self._http, None, thing_id)" in text
    assert '"""Things: ``for thing in things`` (no request until then)."""' in text
    assert "def close(self) -> None:\n        with self._http:" in text
    body = text.split("\n", 2)[2]  # below the header, which names the async source
    assert "async" not in body
    assert "await" not in body
    compile(text, "pkg/_sync.py", "exec")
    assert check(PAIR, tree) == []
    assert write(PAIR, tree) == []  # nothing stale: nothing rewritten


def test_the_drift_check_catches_an_edit_on_either_side(tree: Path) -> None:
    write(PAIR, tree)
    target = tree / "pkg" / "_sync.py"
    generated = target.read_text(encoding="utf-8")
    target.write_text(generated.replace("One thing.", "One thing, edited by hand."), "utf-8")
    assert check(PAIR, tree) == ["pkg/_sync.py"]
    write(PAIR, tree)
    source = tree / "pkg" / "_async.py"
    source.write_text(SOURCE.replace("One thing.", "One thing, changed."), encoding="utf-8")
    assert check(PAIR, tree) == ["pkg/_sync.py"]
    assert "One thing, changed." in generate("pkg/_async.py", tree)


def test_the_repository_is_current_and_the_command_says_so(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert check() == []
    assert main(["--check"]) == 0
    assert capsys.readouterr().err == ""
