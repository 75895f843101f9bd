"""What a fake records of each request it receives (secrets masked), and path matching."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode

import httpx

__all__ = ["HTTP_METHODS", "MASK", "PathPattern", "RecordedRequest", "path_matcher", "record"]

#: What a masked secret reads as.
MASK = "***"
#: Request methods (a ``count``/``fail_next`` method outside these is refused).
HTTP_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
#: Headers whose values are credentials: recorded masked.
_SECRET_HEADERS = frozenset(
    {"authorization", "proxy-authorization", "cookie", "x-api-key", "api-key"}
)

PathPattern = str | re.Pattern[str]


@dataclass
class RecordedRequest:
    """One request a fake received, as the server saw it, in arrival order.

    ``path`` is the request path without the query string and without a trailing slash
    (FakeNinox: the part after ``/v1``); ``query`` the query parameters; ``json`` the parsed
    JSON body (``None`` when there is none, or it is not JSON); ``form`` the fields of a
    form-encoded body with secrets masked. ``headers`` have lower-case names, and credentials
    (``Authorization``, cookies, API-key headers) are masked: ``Bearer ***``.
    ``operation`` names what the fake matched (FakeGHL: the spec's operationId such as
    ``"get-contact"``; FakeNinox: the endpoint, ``"GET /teams/{team}"``), ``None`` for an
    unknown route. ``status`` is the status answered, ``None`` when an exception was raised
    instead (``error`` names it); ``injected`` tells whether a fault hit the request. ``at``
    is the fake's clock when the request arrived.
    """

    method: str
    path: str
    query: dict[str, str]
    json: Any
    headers: dict[str, str]
    operation: str | None = None
    path_params: dict[str, str] = field(default_factory=dict)
    status: int | None = None
    error: str | None = None
    injected: bool = False
    form: dict[str, str] | None = None
    url: str = ""
    content: bytes = b""
    at: float = 0.0


def _mask_header(name: str, value: str) -> str:
    if name not in _SECRET_HEADERS:
        return value
    scheme, sep, _ = value.partition(" ")
    return f"{scheme} {MASK}" if sep and scheme.lower() in ("bearer", "basic") else MASK


def record(
    request: httpx.Request,
    body: bytes,
    *,
    path: str,
    at: float,
    form_secrets: Collection[str] = (),
) -> tuple[RecordedRequest, Any, bool]:
    """The record of ``request`` (``body`` its content), the parsed body as the server reads
    it (JSON, or the form's fields unmasked; ``None`` when neither) and whether the body was
    meant as JSON but did not parse. Form fields named in ``form_secrets`` are masked in the
    record (``form`` and ``content``)."""
    headers = {k.lower(): _mask_header(k.lower(), v) for k, v in request.headers.items()}
    ctype = headers.get("content-type", "").split(";", 1)[0].strip().lower()
    parsed: Any = None
    form: dict[str, str] | None = None
    bad_json = False
    content = body
    raw: dict[str, str] | None = None
    if body and ctype == "application/x-www-form-urlencoded":
        raw = dict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
        form = {k: MASK if k in form_secrets else v for k, v in raw.items()}
        content = urlencode(form).encode()
    elif body and not ctype.startswith("multipart/"):
        try:
            parsed = json.loads(body)
        except ValueError:
            bad_json = True
    rec = RecordedRequest(
        method=request.method.upper(),
        path=path,
        query=dict(request.url.params.multi_items()),
        json=parsed,
        headers=headers,
        form=form,
        url=str(request.url),
        content=content,
        at=at,
    )
    return rec, (raw if raw is not None else parsed), bad_json


def _strip(path: str) -> str:
    return path.rstrip("/") or "/"


def path_matcher(pattern: PathPattern | None) -> Callable[[str], bool]:
    """A test on request paths. ``None`` matches any path; a compiled regex is searched; a
    string is a glob: ``*`` matches within one segment, ``**`` across segments, ``{name}`` one
    whole segment (so an endpoint template such as ``/contacts/{contactId}/tasks`` matches the
    paths it serves). A glob starting with ``/`` matches the whole path; one that does not
    matches its trailing segments (``*/records`` is any path ending in ``/records``). Trailing
    slashes are ignored."""
    if pattern is None:
        return lambda path: True
    if isinstance(pattern, re.Pattern):
        regex = pattern
        return lambda path: regex.search(path) is not None
    glob = _strip(pattern)
    parts = re.split(r"(\*\*|\*|\{[^/{}]*\})", glob)
    body = "".join(
        ".*"
        if part == "**"
        else "[^/]*"
        if part == "*"
        else "[^/]+"
        if part.startswith("{") and part.endswith("}")
        else re.escape(part)
        for part in parts
    )
    compiled = re.compile(body if glob.startswith("/") else f"(?:.*/)?{body}")
    return lambda path: compiled.fullmatch(_strip(path)) is not None
