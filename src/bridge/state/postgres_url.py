"""PostgreSQL connection URLs for the state store: recognising them, reading their parts
with libpq's own parser, and printing them without their password."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from bridge.state.models import StateStoreError

__all__ = ["STATE_PASSWORD_ENV", "has_password", "is_postgres_url", "redact_url"]

#: The environment variable the PostgreSQL password is read from (libpq's own ``PGPASSWORD``
#: and ``~/.pgpass`` work too).
STATE_PASSWORD_ENV = "GHL_NINOX_STATE_PASSWORD"  # noqa: S105 - a variable's name

_SCHEMES = ("postgresql://", "postgres://")
_INSTALL = (
    "the PostgreSQL state store needs psycopg, the 'postgres' extra: pip install -e "
    "'.[postgres]' from a clone, or the wheel with [postgres]"
)


def is_postgres_url(value: object) -> bool:
    """True for a ``postgresql://`` or ``postgres://`` URL (any case)."""
    return isinstance(value, str) and value.strip().lower().startswith(_SCHEMES)


def _parts(url: str) -> dict[str, str]:
    """The URL's connection parameters (libpq's parser; no network)."""
    from psycopg.conninfo import conninfo_to_dict

    try:
        parsed = conninfo_to_dict(url)
    except Exception as exc:  # psycopg.ProgrammingError: the message may quote the URL
        raise StateStoreError(f"not a valid PostgreSQL URL: {redact_url(url)}") from exc
    return {k: str(v) for k, v in parsed.items() if v is not None}


def has_password(url: str) -> bool:
    """True when the URL carries a password (``user:secret@`` or ``?password=``)."""
    parts = urlsplit(url.strip())
    userinfo, at, _hosts = parts.netloc.rpartition("@")
    return bool(at and ":" in userinfo) or any(
        p.lower().startswith("password=") for p in parts.query.split("&")
    )


def redact_url(url: str) -> str:
    """``url`` without its password (for messages and reprs): ``postgresql://user@host:port/db``
    and the query parameters but ``password``."""
    parts = urlsplit(url.strip())
    netloc = parts.netloc
    userinfo, at, hosts = netloc.rpartition("@")
    if at:
        netloc = userinfo.partition(":")[0] + "@" + hosts
    query = "&".join(
        p for p in parts.query.split("&") if p and not p.lower().startswith("password=")
    )
    return f"{parts.scheme}://{netloc}{parts.path}" + (f"?{query}" if query else "")


def _psycopg() -> Any:
    try:
        import psycopg
    except ImportError as exc:
        raise StateStoreError(_INSTALL) from exc
    return psycopg
