"""Suite-wide pytest hooks."""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

_SNIPPETS = "tests/test_snippets.py::test_snippet["


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """One line on the documentation snippets (tests/test_snippets.py), when they ran."""
    counts: dict[str, int] = {}
    for outcome in ("passed", "failed", "skipped", "xfailed", "xpassed", "error"):
        reports = terminalreporter.stats.get(outcome, [])
        counts[outcome] = len(
            {r.nodeid for r in reports if getattr(r, "nodeid", "").startswith(_SNIPPETS)}
        )
    if not any(counts.values()):
        return
    failed = counts["failed"] + counts["error"]
    known = counts["xfailed"] + counts["xpassed"]
    ran = counts["passed"] + failed + known
    terminalreporter.write_sep(
        "-",
        f"doc snippets: {ran} ran ({counts['passed']} passed, {failed} failed, {known} known "
        f"broken), {counts['skipped']} skipped as illustrative",
    )


# ---------------------------------------------------------------------------------------------
# A throwaway PostgreSQL cluster for the PostgreSQL state tests.
#
# `postgres_url` starts one cluster per session (initdb + pg_ctl on a temporary directory and a
# free 127.0.0.1 port, fsync off, removed afterwards) when the server binaries are found: on
# PATH, or in Debian's /usr/lib/postgresql/<version>/bin. initdb refuses root, so as root the
# server runs as the `postgres` user the Debian package creates. GHL_NINOX_TEST_POSTGRES_URL
# names an existing server instead (the tests use fresh schemas in it). Without either, the
# PostgreSQL tests are skipped and the terminal summary says why in one line; with
# GHL_NINOX_REQUIRE_POSTGRES=1 (set by .ci/run) a missing server fails them instead.

#: The role with a password in the throwaway cluster (for the authentication tests).
PG_PASSWORD_ROLE = "ghl_ninox_pw"
PG_PASSWORD = "pw-" + uuid.uuid4().hex[:12]

_pg_status: dict[str, object] = {"used": False, "reason": None, "server": None}


def _pg_binaries() -> tuple[Path, Path] | None:
    found = [shutil.which("initdb"), shutil.which("pg_ctl")]
    if all(found):
        return Path(str(found[0])), Path(str(found[1]))
    for bindir in sorted(
        glob.glob("/usr/lib/postgresql/*/bin"),
        key=lambda d: [int(p) if p.isdigit() else 0 for p in Path(d).parent.name.split(".")],
        reverse=True,
    ):
        initdb, pg_ctl = Path(bindir, "initdb"), Path(bindir, "pg_ctl")
        if initdb.exists() and pg_ctl.exists():
            return initdb, pg_ctl
    return None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class _Cluster:
    """initdb + pg_ctl on a temporary directory, as a non-root user when run as root."""

    def __init__(self, initdb: Path, pg_ctl: Path) -> None:
        self.initdb, self.pg_ctl = initdb, pg_ctl
        self.prefix: list[str] = []
        self.dir = Path(tempfile.mkdtemp(prefix="ghl-ninox-pg-"))
        if os.geteuid() == 0:
            import pwd

            try:
                user = pwd.getpwnam("postgres")
            except KeyError:
                shutil.rmtree(self.dir)
                raise RuntimeError(
                    "running as root, and there is no 'postgres' user to run the server as"
                ) from None
            os.chown(self.dir, user.pw_uid, user.pw_gid)
            self.prefix = ["runuser", "-u", "postgres", "--"]
        self.data = self.dir / "data"
        self.port = 0

    def run(self, *argv: str | Path) -> None:
        result = subprocess.run(
            [*self.prefix, *map(str, argv)],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
            cwd=self.dir,
        )
        if result.returncode != 0:
            raise RuntimeError(f"{Path(argv[0]).name} failed: {result.stderr or result.stdout}")

    def start(self) -> str:
        self.run(self.initdb, "-D", self.data, "-U", "postgres", "-E", "UTF8", "--no-sync")
        (self.data / "pg_hba.conf").write_text(
            "local all all trust\n"
            f"host all {PG_PASSWORD_ROLE} 127.0.0.1/32 scram-sha-256\n"
            "host all all 127.0.0.1/32 trust\n"
        )
        for _attempt in range(3):  # a free port can be taken between the check and the start
            self.port = _free_port()
            options = (
                f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off"
                " -c synchronous_commit=off -c full_page_writes=off -c max_connections=60"
            )
            log = self.dir / "server.log"
            try:
                self.run(self.pg_ctl, "-D", self.data, "-l", log, "-o", options, "-w", "start")
                break
            except RuntimeError:
                if _attempt == 2:
                    raise
        import psycopg

        url = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(f"CREATE ROLE {PG_PASSWORD_ROLE} LOGIN PASSWORD '{PG_PASSWORD}'")
            conn.execute(f"GRANT ALL ON SCHEMA public TO {PG_PASSWORD_ROLE}")
            version = conn.execute("SHOW server_version").fetchone()
        _pg_status["server"] = f"PostgreSQL {version[0] if version else '?'}"
        return url

    def stop(self) -> None:
        with contextlib.suppress(Exception):
            self.run(self.pg_ctl, "-D", self.data, "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.dir, ignore_errors=True)


def _pg_unavailable(reason: str) -> None:
    _pg_status["reason"] = reason
    if os.environ.get("GHL_NINOX_REQUIRE_POSTGRES") == "1":
        pytest.fail(f"PostgreSQL is required here (GHL_NINOX_REQUIRE_POSTGRES=1): {reason}")
    pytest.skip(f"no PostgreSQL: {reason}")


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A superuser URL of a PostgreSQL server for the tests (see the notes above)."""
    _pg_status["used"] = True
    given = os.environ.get("GHL_NINOX_TEST_POSTGRES_URL", "").strip()
    if given:
        _pg_status["server"] = "the server of GHL_NINOX_TEST_POSTGRES_URL"
        yield given
        return
    missing = _pg_missing()
    binaries = _pg_binaries()
    if missing is not None or binaries is None:
        _pg_unavailable(missing or "no initdb/pg_ctl")
        return
    try:
        cluster = _Cluster(*binaries)
    except RuntimeError as exc:
        _pg_unavailable(str(exc))
        return
    try:
        try:
            url = cluster.start()
        except Exception as exc:
            _pg_unavailable(f"the throwaway cluster did not start: {exc}")
        yield url
    finally:
        cluster.stop()


@pytest.fixture
def postgres_schema_url(postgres_url: str) -> Iterator[str]:
    """A URL whose tables go to a fresh, empty schema (dropped after the test)."""
    import psycopg

    schema = f"t_{uuid.uuid4().hex[:16]}"
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
        conn.execute(f"GRANT ALL ON SCHEMA {schema} TO PUBLIC")
    sep = "&" if "?" in postgres_url else "?"
    yield f"{postgres_url}{sep}options=-csearch_path%3D{schema}"
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA {schema} CASCADE")


def _pg_missing() -> str | None:
    """Why the PostgreSQL tests cannot run here (``None``: they can)."""
    if os.environ.get("GHL_NINOX_TEST_POSTGRES_URL", "").strip():
        return None
    try:
        import psycopg  # noqa: F401
    except ImportError:
        return "psycopg is not installed (the 'postgres' extra)"
    if _pg_binaries() is None:
        return (
            "initdb/pg_ctl not found on PATH or in /usr/lib/postgresql/*/bin "
            "(apt-get install postgresql)"
        )
    return None


class _PostgresPlugin:
    """Leaves out the PostgreSQL tests (marked ``postgres``, or using ``postgres_url``) when
    no server can be had, and says so in one line of the terminal summary."""

    def __init__(self) -> None:
        self.wanted = 0

    @pytest.hookimpl(trylast=True)
    def pytest_collection_modifyitems(
        self, config: pytest.Config, items: list[pytest.Item]
    ) -> None:
        needs = [
            item
            for item in items
            if item.get_closest_marker("postgres") is not None
            or "postgres_url" in getattr(item, "fixturenames", ())
        ]
        self.wanted = len(needs)
        reason = _pg_missing() if needs else None
        if reason is None or os.environ.get("GHL_NINOX_REQUIRE_POSTGRES") == "1":
            return  # they run (or fail, when required and missing)
        _pg_status["reason"] = reason
        _pg_status["deselected"] = True
        left_out = {id(item) for item in needs}
        config.hook.pytest_deselected(items=needs)
        items[:] = [item for item in items if id(item) not in left_out]

    @pytest.hookimpl(trylast=True)
    def pytest_terminal_summary(self, terminalreporter: pytest.TerminalReporter) -> None:
        """One line on the PostgreSQL tests, when any were collected."""
        if _pg_status["reason"] is not None:
            terminalreporter.write_sep(
                "-",
                f"postgresql: {self.wanted} tests not run"
                + (" (deselected)" if _pg_status.get("deselected") else "")
                + f": {_pg_status['reason']}",
            )
        elif _pg_status["used"] and _pg_status["server"] is not None:
            terminalreporter.write_sep(
                "-", f"postgresql: {self.wanted} tests ran against {_pg_status['server']}"
            )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "postgres: needs the PostgreSQL server of postgres_url")
    config.pluginmanager.register(_PostgresPlugin(), "ghl-ninox-postgres")


# ---------------------------------------------------------------------------------------------
# Headless Chromium for the browser tests (tests/bridge/test_health_page.py).
#
# `chromium` finds the distribution's chromium and chromedriver on PATH (Debian: apt-get install
# chromium chromium-driver; .ci/run installs them when missing). Without them the browser tests
# are skipped and the terminal summary says so in one line; with GHL_NINOX_REQUIRE_BROWSER=1
# (set by .ci/run) a missing browser fails them instead.

_browser_status: dict[str, str | None] = {"reason": None, "browser": None}


@pytest.fixture(scope="session")
def chromium() -> tuple[str, str]:
    """``(chromium, chromedriver)`` paths, or the test is skipped (see above)."""
    from tests.bridge.webdriver import find_browser

    found = find_browser()
    if found is None:
        reason = "no chromium/chromedriver on PATH (apt-get install chromium chromium-driver)"
        _browser_status["reason"] = reason
        if os.environ.get("GHL_NINOX_REQUIRE_BROWSER") == "1":
            pytest.fail(f"a browser is required here (GHL_NINOX_REQUIRE_BROWSER=1): {reason}")
        pytest.skip(reason)
    _browser_status["browser"] = found[0]
    return found


class _BrowserPlugin:
    """One line of the terminal summary on the tests that use ``chromium``."""

    def __init__(self) -> None:
        self.nodeids: set[str] = set()

    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        self.nodeids = {
            item.nodeid for item in items if "chromium" in getattr(item, "fixturenames", ())
        }

    @pytest.hookimpl(trylast=True)
    def pytest_terminal_summary(self, terminalreporter: pytest.TerminalReporter) -> None:
        if not self.nodeids:
            return
        if _browser_status["reason"] is not None:
            line = f"browser: {len(self.nodeids)} tests not run: {_browser_status['reason']}"
        elif _browser_status["browser"] is not None:
            line = (
                f"browser: {len(self.nodeids)} tests ran in headless {_browser_status['browser']}"
            )
        else:
            return
        terminalreporter.write_sep("-", line)


def pytest_sessionstart(session: pytest.Session) -> None:
    session.config.pluginmanager.register(_BrowserPlugin(), "ghl-ninox-browser")
