"""The configuration of ``NinoxClient`` and ``AsyncNinoxClient``: defaults, checks, errors.

Polite by default, because Ninox limits parallel calls and documents no rate: at most one
request in flight per client (``max_concurrency=1``), at least ``min_interval`` seconds
between request starts, and backoff on 429/502/503/504 honouring ``Retry-After``. A 500 is
never retried (on a write it usually means a misspelled or formula field).
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from datetime import tzinfo
from typing import Any

import attrs
import httpx

from _sdkcore._http import HTTPConfig, RequestSpec
from _sdkcore.errors import APIStatusError, parse_error_body
from _sdkcore.logging import register_secret
from _sdkcore.ratelimit import RateLimiter, Window
from _sdkcore.retry import RetryPolicy
from _sdkcore.serde import Unset
from ninoxsdk.errors import FieldMappingError
from ninoxsdk.resources import _ops as ops
from ninoxsdk.resources import _programs as prog

__all__ = [
    "DEFAULT_MIN_INTERVAL",
    "DEFAULT_RETRY",
    "DEFAULT_TIMEOUT",
    "PUBLIC_CLOUD_URL",
    "base_url_for_team",
    "base_url_on_premise",
    "client_ctx",
    "http_config",
    "option_changes",
]

#: Public cloud, classic API.
PUBLIC_CLOUD_URL = "https://api.ninox.com/v1"
#: Large record pages are slow on Ninox; the reference advises a read timeout of >= 60 s.
DEFAULT_TIMEOUT = httpx.Timeout(60.0, connect=5.0)
#: Backoff on 429/502/503/504 only: a Ninox 500 is usually a client mistake.
DEFAULT_RETRY = RetryPolicy(max_retries=3, retry_statuses=frozenset({429, 502, 503, 504}))
DEFAULT_MIN_INTERVAL = 0.25
_ENV_KEY = "NINOX_API_KEY"
_TEAM_HOST_RE = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$")
_USER_AGENT = "ninoxsdk/0.1 (+python-httpx)"

_WRITE_ADVICE = (
    "Ninox answers 500 to a write that names an unknown or misspelled field, or a formula "
    "(computed) field; check the field names against db.schema(). Not retried."
)


def _is_record_write(method: str, path: str) -> bool:
    return method in ("POST", "PUT") and "/records" in path and "/files" not in path


def _error_factory(
    response: httpx.Response, body: object, messages: tuple[str, ...], request_id: str | None
) -> APIStatusError | None:
    request = response.request
    if response.status_code == 500 and _is_record_write(request.method, request.url.path):
        message = "; ".join(messages) or "Internal Server Error"
        return FieldMappingError(
            f"{message}. {_WRITE_ADVICE}",
            response=response,
            body=body,
            messages=messages,
            request_id=request_id,
        )
    return None


def _error_note(spec: RequestSpec, response: httpx.Response) -> str:
    status = response.status_code
    path = spec.path
    if status == 500 and path.endswith(("/query", "/exec")):
        return "Ninox could not run the script: check its syntax and the table/field names in it."
    if status == 404:
        _, messages, _ = parse_error_body(response)
        if any("end-point" in m.lower() or "endpoint" in m.lower() for m in messages):
            return "This Ninox server does not offer this endpoint."
    if status == 401:
        return "Pass a valid Ninox API key (Ninox: Settings → Integrations → Generate)."
    if status == 429:
        return "Ninox limits parallel requests; keep max_concurrency=1 and retry later."
    return ""


def base_url_for_team(team: str, domain: str) -> str:
    if not isinstance(team, str) or not _TEAM_HOST_RE.fullmatch(team):
        raise ValueError(
            f"private cloud name must be the host label of your Ninox server (letters, digits, "
            f"hyphens; e.g. 'myteam' for https://myteam.ninoxdb.de), got {team!r}"
        )
    if domain not in ("ninoxdb.de", "ninoxdb.com", "ninox.com"):
        raise ValueError(
            f"domain must be 'ninoxdb.de', 'ninoxdb.com' or 'ninox.com', got {domain!r}"
        )
    return f"https://{team}.{domain}/v1"


def base_url_on_premise(url: str) -> str:
    if not isinstance(url, str) or not url.strip():
        raise ValueError("on_premise() needs the server URL, e.g. 'https://ninox.example.com'")
    base = url.strip().rstrip("/")
    return base if base.endswith("/v1") else base + "/v1"


def http_config(
    *,
    api_key: str | None,
    base_url: str,
    timeout: float | httpx.Timeout | None,
    max_retries: int | None,
    retry: RetryPolicy | None,
    max_concurrency: int | None,
    min_interval: float,
    rate_limiter: RateLimiter | None,
    headers: Mapping[str, str] | None,
) -> tuple[str, HTTPConfig]:
    """The API key (given, or from ``NINOX_API_KEY``) and the transport configuration,
    checked before anything is sent."""
    key = api_key if api_key is not None else os.environ.get(_ENV_KEY)
    if not key or not isinstance(key, str) or not key.strip():
        raise ValueError(
            f"a Ninox API key is required: pass api_key=... or set {_ENV_KEY} "
            "(create one in Ninox: Settings → Integrations)"
        )
    key = key.strip()
    register_secret(key)
    policy = retry if retry is not None else DEFAULT_RETRY
    if max_retries is not None:
        policy = attrs.evolve(policy, max_retries=max_retries)
    if min_interval < 0:
        raise ValueError(f"min_interval must be >= 0 seconds, got {min_interval!r}")
    if max_concurrency is not None and max_concurrency < 1:
        raise ValueError(f"max_concurrency must be >= 1 or None, got {max_concurrency!r}")
    limiter = rate_limiter
    if limiter is None and min_interval > 0:
        limiter = RateLimiter([Window(1, min_interval)], count_until_response=False)
    config = HTTPConfig(
        base_url=base_url,
        headers={"Accept": "application/json", "User-Agent": _USER_AGENT, **(headers or {})},
        timeout=timeout,
        retry=policy,
        limiter=limiter,
        max_concurrency=max_concurrency,
        logger_name="ninoxsdk",
        error_factory=_error_factory,
        error_note=_error_note,
    )
    return key, config


def client_ctx(
    chunk_size: int,
    per_page: int,
    delete_many: prog.DeleteMany,
    schema_source: prog.SchemaSource,
    field_timezone: tzinfo,
) -> prog.ClientCtx:
    """The record settings, checked, in a fresh context (no schema cached yet)."""
    ops.check_int(chunk_size, "chunk_size", 1)
    ops.check_int(per_page, "per_page", 1)
    if delete_many not in ("auto", "bulk", "single"):
        raise ValueError(f"delete_many must be 'auto', 'bulk' or 'single', got {delete_many!r}")
    if schema_source not in ("auto", "schema", "tables"):
        raise ValueError(
            f"schema_source must be 'auto', 'schema' or 'tables', got {schema_source!r}"
        )
    settings = prog.RecordSettings(
        chunk_size=chunk_size,
        per_page=per_page,
        delete_many=delete_many,
        schema_source=schema_source,
        tz=field_timezone,
    )
    return prog.ClientCtx(settings)


def option_changes(
    policy: RetryPolicy, timeout: float | httpx.Timeout | Unset | None, max_retries: int | None
) -> dict[str, Any]:
    """What ``with_options`` changes in the transport configuration."""
    changes: dict[str, Any] = {}
    if not isinstance(timeout, Unset):
        changes["timeout"] = timeout
    if max_retries is not None:
        changes["retry"] = attrs.evolve(policy, max_retries=max_retries)
    return changes
