"""Every ```python block of README.md and docs/**/*.md runs here, one test per block.

How the blocks run:

- One test per block, id ``<file>:<line of the opening fence>``. The blocks of one file run in
  order in one shared namespace (a later block may use names an earlier one defined), inside
  a fresh temporary working directory per file. Top-level ``await`` / ``async with`` work.
- A block marked with ``<!-- snippet: skip -->`` on the line before its fence is an
  illustrative fragment: it is reported as skipped, never run. Keep them few.
- The examples' services (the one fixture, described for readers in docs/index.md, "About
  the examples"): while a block runs, every HTTP request that would leave the machine is
  answered in memory instead. Requests to GHL (``services.leadconnectorhq.com``) go to a
  :class:`~ghlsdk.testing.FakeGHL` whose location ``ve9EPM428h8vShlRW1KT`` accepts the tokens
  the docs use (``pit-...``, ``...``) and holds the contact ``seD4PfOuKoVMLkEZqohJ`` (Rubika
  Deo); requests to Ninox (``api.ninox.com``, private clouds, on-premise) go to a
  :class:`~ninoxsdk.testing.FakeNinox` that accepts any API key and has one team and database
  with a ``Contacts`` table (Name, Email, Stage, Born, Full name, Attachment; records 7, 8, 9,
  42). Any other host fails. ``uvicorn.Server.run`` returns at once: no port is bound.
- Names a fragment may use without defining them (put in every file's namespace first):
  ``ghl`` / ``aghl`` (GHL clients on that fake), ``cid`` / ``contact_id`` (the contact's id),
  ``db`` (the Ninox database handle), ``contacts`` (its ``Contacts`` table), ``team_id``,
  ``database_id``, ``key`` (a Ninox API key), ``handle`` (a callable that accepts anything).
- Blocks listed in :data:`KNOWN_BROKEN` are expected to fail (``xfail(strict=True)``): the
  owner of the page removes the entry when fixing the block, and the test then has to pass.

A summary line (how many ran, were skipped, are known broken) is printed at the end of the
pytest run by ``pytest_terminal_summary`` in tests/conftest.py.
"""

from __future__ import annotations

import ast
import asyncio
import inspect
import os
import re
import textwrap
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from unittest import mock

import httpx
import pytest

from bridge.mappers import default_mappings
from ghlsdk import AsyncGHLClient, GHLClient
from ghlsdk.testing import FakeGHL
from ninoxsdk import NinoxClient
from ninoxsdk.testing import FakeNinox, FieldSpec, ScriptDatabase, ScriptError

ROOT = Path(__file__).resolve().parents[1]
SKIP_MARK = "<!-- snippet: skip -->"

#: Blocks expected to fail, ``"<file>:<line>": "why"``. Each is run and must still fail
#: (strict xfail); whoever fixes the block deletes its entry here.
KNOWN_BROKEN: dict[str, str] = {}

GHL_HOST = "services.leadconnectorhq.com"
LOCATION = "ve9EPM428h8vShlRW1KT"
CONTACT = "seD4PfOuKoVMLkEZqohJ"
#: Tokens and location ids the docs write; all accepted by the examples' FakeGHL.
DOC_TOKENS = ("pit-...", "pit-5f9a...")
OAUTH_CLIENT_ID = "66a0419a0dffa47fb5f8b22f-lx1abcde"
COMPANY = "otg8dTQqGLh3Q6iQI55w"
NINOX_KEY = "test-api-key"
TEAM, DATABASE = "T1", "db1"
BRIDGE_TEAM, BRIDGE_DATABASE = "TEAM_ID", "DATABASE_ID"  # as the bridge pages write them

_FENCE = re.compile(r"^(?P<indent>\s*)```(?P<info>[^`]*)$")


@dataclass(frozen=True)
class Snippet:
    path: Path
    line: int  # 1-based line of the opening fence
    code: str
    skip: bool

    @property
    def id(self) -> str:
        return f"{self.path.relative_to(ROOT).as_posix()}:{self.line}"


def collect(path: Path) -> list[Snippet]:
    """The ```python blocks of one markdown file, in order."""
    lines = path.read_text(encoding="utf-8").splitlines()
    out: list[Snippet] = []
    i = 0
    while i < len(lines):
        m = _FENCE.match(lines[i])
        if m is None:
            i += 1
            continue
        end = i + 1
        while end < len(lines) and lines[end].strip() != "```":
            end += 1
        if m["info"].strip() == "python":
            previous = next((s.strip() for s in reversed(lines[:i]) if s.strip()), "")
            code = textwrap.dedent("\n".join(lines[i + 1 : end]))
            out.append(Snippet(path, i + 1, code, skip=previous == SKIP_MARK))
        i = end + 1
    return out


def documents() -> list[Path]:
    return [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]


SNIPPETS = [s for doc in documents() for s in collect(doc)]


# -- the examples' services ------------------------------------------------------------------


def examples_ghl() -> FakeGHL:
    fake = FakeGHL(
        location_id=LOCATION,
        token=DOC_TOKENS[0],
        client_id=OAUTH_CLIENT_ID,
        client_secret="...",
        company_id=COMPANY,
    )
    fake.add_location(LOCATION, token=DOC_TOKENS[1])
    fake.add_location("...", token="...")  # GHLClient(token="...", location_id="...")
    fake.add_contact(
        id=CONTACT,
        firstName="Rubika",
        lastName="Deo",
        email="rubika@deos.com",
        phone="+18832327657",
        tags=["customer"],
    )
    return fake


def examples_ninox() -> FakeNinox:
    fake = _AnyKeyNinox(api_key=NINOX_KEY, script_handler=_count_script)
    fake.add_team(TEAM, "Acme")
    fake.add_database(TEAM, DATABASE, "CRM")
    fake.add_table(
        TEAM,
        DATABASE,
        "A",
        "Contacts",
        {
            "A": ("Name", "string"),
            "B": ("Email", "email"),
            "C": FieldSpec("Stage", "choice", choices=["Lead", "Customer"]),
            "D": ("Born", "date"),
            "E": FieldSpec("Full name", "fn", fn="A"),
            "F": ("Attachment", "file"),
        },
    )
    for rid, name in ((7, "Ada"), (8, "Grace"), (9, "Alan"), (42, "Barbara")):
        fake.add_record(TEAM, DATABASE, "A", {"Name": name, "Stage": "Lead"}, id=rid)
    # The bridge pages' database: the default mapping's tables, as FakeWorld lays them out.
    fake.add_team(BRIDGE_TEAM, "Bridge")
    fake.add_database(BRIDGE_TEAM, BRIDGE_DATABASE, "GHL mirror")
    ids: dict[str, str] = {}
    for table, fields in default_mappings().layout().items():
        specs = [
            FieldSpec(
                name,
                decl["type"],
                ref_table=ids.get(decl["ref"]) if "ref" in decl else None,
                choices=decl.get("choices", ()),
            )
            for name, decl in fields.items()
        ]
        ids[table] = fake.add_table(BRIDGE_TEAM, BRIDGE_DATABASE, name=table, fields=specs)
    return fake


def _count_script(script: str, db: ScriptDatabase) -> Any:
    """The examples' Ninox understands one script: ``count(select <Table>)``."""
    m = re.fullmatch(r"count\(select (\w+)\)", script.strip())
    if m is None:
        raise ScriptError(f"the examples' Ninox only runs count(select Table), not {script!r}")
    return len(db.records(m[1]))


class _AnyKeyNinox(FakeNinox):
    """The examples' Ninox: whatever API key a snippet writes is accepted."""

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self._accept(request)
        return super().handle_request(request)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self._accept(request)
        return await super().handle_async_request(request)

    def _accept(self, request: httpx.Request) -> None:
        auth = request.headers.get("Authorization", "")
        if auth.startswith("Bearer "):
            self.add_api_key(auth.removeprefix("Bearer "))


def _ninox_host(host: str) -> bool:
    return host in ("api.ninox.com", "ninox.example.com", "10.0.0.5") or host.endswith(
        (".ninoxdb.de", ".ninoxdb.com", ".ninox.com")
    )


@dataclass
class Services:
    ghl: FakeGHL = field(default_factory=examples_ghl)
    ninox: FakeNinox = field(default_factory=examples_ninox)

    def route(self, request: httpx.Request) -> httpx.BaseTransport:
        host = request.url.host
        if host == GHL_HOST:
            return self.ghl
        if _ninox_host(host):
            return self.ninox
        raise httpx.ConnectError(f"the examples run offline: no route to {host}", request=request)

    @contextmanager
    def installed(self) -> Iterator[None]:
        """Answer every real HTTP request from the fakes; bind no port."""
        services = self

        def handle(_transport: httpx.HTTPTransport, request: httpx.Request) -> httpx.Response:
            return services.route(request).handle_request(request)

        async def ahandle(
            _transport: httpx.AsyncHTTPTransport, request: httpx.Request
        ) -> httpx.Response:
            target = services.route(request)
            assert isinstance(target, httpx.AsyncBaseTransport)
            return await target.handle_async_request(request)

        with ExitStack() as stack:
            stack.enter_context(mock.patch.object(httpx.HTTPTransport, "handle_request", handle))
            stack.enter_context(
                mock.patch.object(httpx.AsyncHTTPTransport, "handle_async_request", ahandle)
            )
            try:
                import uvicorn
            except ImportError:  # pragma: no cover - uvicorn is in the dev extra
                pass
            else:
                stack.enter_context(mock.patch.object(uvicorn.Server, "run", return_value=None))
            yield


def _accept_anything(*_args: Any, **_kwargs: Any) -> None:
    return None


async def _aaccept_anything(*_args: Any, **_kwargs: Any) -> None:
    return None


def preset_namespace(services: Services) -> dict[str, Any]:
    """Names a fragment may use without defining them (see the module docstring)."""

    def approve(url: str, *, user_type: str = "Location") -> tuple[str, str]:
        """The admin's browser on GHL's choose-location page: the ``code`` and ``state``
        GHL sends to the redirect URL after the app is approved."""
        query = httpx.URL(url).params
        scopes = query.get("scope", "").split()
        code = services.ghl.authorize(user_type=user_type, scopes=scopes)
        return code, query.get("state", "")

    db = NinoxClient(api_key=NINOX_KEY, min_interval=0).database(TEAM, DATABASE)
    return {
        "__name__": "__snippet__",
        "ghl": GHLClient(token=DOC_TOKENS[0], location_id=LOCATION),
        "aghl": AsyncGHLClient(token=DOC_TOKENS[0], location_id=LOCATION),
        "cid": CONTACT,
        "contact_id": CONTACT,
        "db": db,
        "contacts": db.table("Contacts"),
        "team_id": TEAM,
        "database_id": DATABASE,
        "key": NINOX_KEY,
        "handle": _accept_anything,
        "ahandle": _aaccept_anything,
        "approve": approve,
    }


# -- running ---------------------------------------------------------------------------------


@dataclass
class FileRun:
    """The shared state of one markdown file's blocks."""

    services: Services
    workdir: Path
    namespace: dict[str, Any]
    done: int = 0  # blocks of the file run so far


_RUNS: dict[Path, FileRun] = {}


def _file_run(path: Path, tmp: pytest.TempPathFactory) -> FileRun:
    if path not in _RUNS:
        workdir = tmp.mktemp(re.sub(r"\W", "_", path.relative_to(ROOT).as_posix()))
        services = Services()
        with services.installed():
            namespace = preset_namespace(services)
        _RUNS[path] = FileRun(services, workdir, namespace)
    return _RUNS[path]


def execute(snippet: Snippet, run: FileRun) -> None:
    code = compile(
        snippet.code,
        f"{snippet.id}",
        "exec",
        flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT,
        dont_inherit=True,
    )
    previous = Path.cwd()
    os.chdir(run.workdir)
    try:
        with run.services.installed():
            result = eval(code, run.namespace)  # noqa: S307 - the docs' own code
            if inspect.iscoroutine(result):
                asyncio.run(result)
    finally:
        os.chdir(previous)


def _catch_up(snippet: Snippet, run: FileRun, blocks: list[Snippet]) -> None:
    """Run the file's earlier blocks first when this one was selected alone (``-k``)."""
    index = blocks.index(snippet)
    for earlier in blocks[run.done : index]:
        if not earlier.skip:
            try:
                execute(earlier, run)
            except Exception:  # noqa: S112 - its own test reports it
                continue
    run.done = max(run.done, index)


def _params() -> list[Any]:
    out = []
    for s in SNIPPETS:
        marks: list[Any] = []
        if s.id in KNOWN_BROKEN:
            marks.append(pytest.mark.xfail(reason=KNOWN_BROKEN[s.id], strict=True))
        out.append(pytest.param(s, id=s.id, marks=marks))
    return out


@pytest.mark.parametrize("snippet", _params())
def test_snippet(snippet: Snippet, tmp_path_factory: pytest.TempPathFactory) -> None:
    blocks = [s for s in SNIPPETS if s.path == snippet.path]
    run = _file_run(snippet.path, tmp_path_factory)
    _catch_up(snippet, run, blocks)
    run.done = blocks.index(snippet) + 1
    if snippet.skip:
        pytest.skip(f"illustrative fragment ({SKIP_MARK})")
    execute(snippet, run)


def test_every_document_is_scanned() -> None:
    scanned = {s.path for s in SNIPPETS}
    assert ROOT / "README.md" in scanned
    assert len(SNIPPETS) >= 50
    assert all(not s.code.startswith(" ") for s in SNIPPETS)  # dedented


def test_known_broken_entries_exist() -> None:
    ids = {s.id for s in SNIPPETS}
    assert set(KNOWN_BROKEN) <= ids, "remove KNOWN_BROKEN entries whose block moved or went"
