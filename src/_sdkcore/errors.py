"""One error tree for both SDKs.

``SDKError`` is the root of every error either SDK raises on purpose (catch it to catch them
all); ``APIError`` (a request failed) and each SDK's own errors (``ninoxsdk.NinoxError``,
GHL's scope and token errors) derive from it. ``APIError`` → ``APIStatusError`` (with a class
per status family) and ``APIConnectionError`` → ``APITimeoutError``;
``APIResponseValidationError`` when a 2xx body is not what was promised.
Messages say what happened and what to do; they never contain credentials.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping

import httpx

from _sdkcore.logging import REDACTED, redact, redact_data

#: The shared tree, and nothing else: each SDK's ``errors`` module (and ``_sdkcore``) takes it
#: whole with ``from _sdkcore.errors import *`` and ``__all__ += errors.__all__``, so the list
#: is written once, here. The helpers below (``error_for_response``, ``parse_error_body``,
#: ``safe_cause``, ``scrub_error``, ``scrub_request``) are imported by name by the core.
__all__ = [
    "APIConnectionError",
    "APIError",
    "APIResponseValidationError",
    "APIStatusError",
    "APITimeoutError",
    "AuthenticationError",
    "BadRequestError",
    "ConflictError",
    "InternalServerError",
    "NotFoundError",
    "PermissionDeniedError",
    "RateLimitError",
    "SDKError",
    "UnprocessableEntityError",
]

_REQUEST_ID_HEADERS = ("x-request-id", "x-trace-id", "traceid", "x-amzn-trace-id", "cf-ray")
_MAX_TEXT = 300


class SDKError(Exception):
    """Root of every error ``ghlsdk`` and ``ninoxsdk`` raise on purpose: ``except SDKError``
    catches a failed request ([`APIError`][_sdkcore.errors.APIError]) as well as each SDK's own
    errors (a bad field value, a missing scope, a failed batch...)."""


class APIError(SDKError):
    """Base of every error the SDKs raise about a request."""

    message: str
    request: httpx.Request | None

    def __init__(self, message: str, *, request: httpx.Request | None = None) -> None:
        self.message = redact(message)
        self.request = request
        super().__init__(self.message)

    @property
    def endpoint(self) -> str:
        """``METHOD path`` of the request, without query string or host."""
        if self.request is None:
            return ""
        return f"{self.request.method} {self.request.url.path}"


class APIConnectionError(APIError):
    """The request did not get a complete HTTP response (DNS, refused, reset, dropped body)."""

    def __init__(
        self,
        message: str = "Could not reach the server; check the network and the base URL.",
        *,
        request: httpx.Request | None = None,
    ) -> None:
        super().__init__(message, request=request)


class APITimeoutError(APIConnectionError):
    """The request timed out; raise ``timeout=`` or retry later."""

    def __init__(self, message: str = "", *, request: httpx.Request | None = None) -> None:
        super().__init__(
            message or "The request timed out; pass a larger timeout= or retry later.",
            request=request,
        )


class APIResponseValidationError(APIError):
    """The server answered 2xx but the body is not what the operation promises."""

    def __init__(
        self,
        message: str,
        *,
        response: httpx.Response,
        body: object = None,
    ) -> None:
        self.response = response
        self.status_code = response.status_code
        self.body = body
        super().__init__(message, request=response.request)


class APIStatusError(APIError):
    """The server answered with a non-2xx status.

    Attributes: ``status_code``, ``message`` (the server's, joined when it sent a list),
    ``messages`` (every message), ``body`` (parsed JSON, or text), ``request_id``,
    ``headers`` and ``response``.
    """

    hint: str = "See the message and body for details."

    def __init__(
        self,
        message: str,
        *,
        response: httpx.Response,
        body: object = None,
        messages: tuple[str, ...] = (),
        request_id: str | None = None,
    ) -> None:
        self.response = response
        self.status_code = response.status_code
        self.headers = _redact_headers(response.headers)
        self.body = redact_data(body)
        self.messages = tuple(redact(m) for m in messages)
        self.request_id = request_id
        super().__init__(message, request=response.request)

    def __str__(self) -> str:
        parts = [f"{self.status_code} {self.endpoint}: {self.message}".replace("  ", " ")]
        if self.request_id:
            parts.append(f"(request id {self.request_id})")
        parts.append(f"— {self.hint}")
        return " ".join(parts)


class BadRequestError(APIStatusError):
    """400: the server rejected the request as malformed."""

    hint = "Fix the request parameters named in the message."


class AuthenticationError(APIStatusError):
    """401: the credentials are missing, invalid or expired."""

    hint = "Check the token or API key (and for GHL the Version header); refresh or re-issue it."


class PermissionDeniedError(APIStatusError):
    """403: the credentials are valid but not allowed to do this."""

    hint = "Grant the token the scope or access this call needs."


class NotFoundError(APIStatusError):
    """404: the resource does not exist (or is not visible to these credentials)."""

    hint = "Check the id and that it belongs to this location/team/database."


class ConflictError(APIStatusError):
    """409: the request conflicts with the current state of the resource."""

    hint = "Re-read the resource and retry with its current state."


class UnprocessableEntityError(APIStatusError):
    """422: the body was understood but a field is invalid or not allowed."""

    hint = "Fix or remove the fields named in the message."


class RateLimitError(APIStatusError):
    """429: too many requests. ``retry_after`` is the server's requested wait in seconds."""

    hint = "Slow down; the client retries automatically up to max_retries."

    @property
    def retry_after(self) -> float | None:
        from _sdkcore.retry import parse_retry_after

        return parse_retry_after(self.headers)


class InternalServerError(APIStatusError):
    """5xx: the server failed."""

    hint = "Retry later; if it persists, report it with the request id."


_STATUS_CLASSES: dict[int, type[APIStatusError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    422: UnprocessableEntityError,
    429: RateLimitError,
}


def status_error_class(status: int) -> type[APIStatusError]:
    """The most specific [`APIStatusError`][ghlsdk.errors.APIStatusError] subclass for
    ``status``."""
    if status >= 500:
        return InternalServerError
    return _STATUS_CLASSES.get(status, APIStatusError)


def parse_error_body(response: httpx.Response) -> tuple[object, tuple[str, ...], str | None]:
    """Read an error response leniently: ``(body, messages, request_id)``.

    Understands ``{"message": str | [str]}``, ``{"error": str | {"message": ...}}``,
    ``traceId``/``requestId`` keys and common request-id headers; falls back to the text
    (shortened, tags stripped for HTML pages).
    """
    try:
        text = response.text
    except (httpx.ResponseNotRead, UnicodeDecodeError):  # pragma: no cover - defensive
        text = ""
    body: object = text
    messages: list[str] = []
    request_id: str | None = None
    try:
        body = json.loads(text) if text else None
    except ValueError:
        body = text
    if isinstance(body, Mapping):
        messages = _messages_from(body.get("message"))
        err = body.get("error")
        if isinstance(err, Mapping):
            messages = messages or _messages_from(err.get("message"))
            request_id = _str_or_none(err.get("traceId") or err.get("requestId"))
        elif not messages:
            messages = _messages_from(err) or _messages_from(body.get("errors"))
        request_id = request_id or _str_or_none(
            body.get("traceId") or body.get("requestId") or body.get("trace_id")
        )
    elif isinstance(body, str) and body.strip():
        messages = [_shorten_text(body)]
    for header in _REQUEST_ID_HEADERS:
        if request_id:
            break
        request_id = response.headers.get(header)
    return body, tuple(messages), request_id


def _messages_from(value: object) -> list[str]:
    if isinstance(value, str) and value.strip():
        return [value.strip()]
    if isinstance(value, list):
        return [str(v).strip() for v in value if str(v).strip()]
    return []


def _str_or_none(value: object) -> str | None:
    return str(value) if value not in (None, "") else None


def _shorten_text(text: str) -> str:
    stripped = text.strip()
    if stripped.startswith("<"):
        import re

        title = re.search(r"<title[^>]*>(.*?)</title>", stripped, re.I | re.S)
        stripped = title.group(1).strip() if title else re.sub(r"<[^>]+>", " ", stripped)
        stripped = " ".join(stripped.split())
        stripped = f"HTML error page: {stripped}" if stripped else "HTML error page"
    return stripped if len(stripped) <= _MAX_TEXT else stripped[:_MAX_TEXT] + "…"


#: Hook an SDK may give to turn a response into its own error (e.g. a GHL duplicate-contact
#: 400 into ``DuplicateContactError``). Returning ``None`` falls back to the generic mapping.
ErrorFactory = Callable[
    [httpx.Response, object, tuple[str, ...], str | None], "APIStatusError | None"
]


def error_for_response(
    response: httpx.Response, *, factory: ErrorFactory | None = None, note: str = ""
) -> APIStatusError:
    """Build the typed error for a non-2xx ``response`` (its body must have been read)."""
    body, messages, request_id = parse_error_body(response)
    if factory is not None:
        custom = factory(response, body, messages, request_id)
        if custom is not None:
            return custom
    message = "; ".join(messages) or response.reason_phrase or "HTTP error"
    if note:
        message = f"{message}. {note}"
    cls = status_error_class(response.status_code)
    return cls(message, response=response, body=body, messages=messages, request_id=request_id)


# -- keeping credentials out of errors, their causes and their tracebacks -------------------

#: Request headers whose values are credentials whatever they look like.
_CREDENTIAL_HEADERS = frozenset(
    {"authorization", "proxy-authorization", "cookie", "x-api-key", "api-key", "x-auth-token"}
)
_MAX_CAUSE_DEPTH = 8


class RedactedError(Exception):
    """Stands in, in an error's ``__cause__`` chain, for an exception whose text held a
    credential: its type's name and its redacted text."""


def _redact_headers(headers: httpx.Headers) -> httpx.Headers:
    # Response headers rarely hold credentials; a server echoing one must not leak it.
    raw = list(headers.multi_items())
    cleaned = [(name, redact(value)) for name, value in raw]
    return headers if cleaned == raw else httpx.Headers(cleaned)


def scrub_request(request: httpx.Request) -> httpx.Request:
    """A copy of ``request`` safe to keep on an error: credential headers say ``[REDACTED]``,
    and secret fields and known secrets in the URL and a text body are redacted."""
    headers = [
        (name, REDACTED if name.lower() in _CREDENTIAL_HEADERS else redact(value))
        for name, value in request.headers.items()
    ]
    try:
        content = request.content
    except httpx.RequestNotRead:
        content = b""
    if content:
        try:
            text = content.decode("utf-8")
        except UnicodeDecodeError:
            pass  # binary (an upload): nothing a credential would look like
        else:
            cleaned = redact(text)
            if cleaned != text:
                content = cleaned.encode("utf-8")
    url = str(request.url)
    clean_url = redact(url)
    copy = httpx.Request(
        request.method,
        httpx.URL(clean_url) if clean_url != url else request.url,
        content=content,
        extensions=request.extensions,
    )
    copy.headers = httpx.Headers(headers)
    return copy


def scrub_error(error: BaseException) -> None:
    """Replace the request an [`APIError`][ghlsdk.errors.APIError] (and its response) keeps
    with a [`scrub_request`][_sdkcore.errors.scrub_request] copy, so
    ``err.request.headers`` never shows the raw ``Authorization`` header."""
    if not isinstance(error, APIError) or getattr(error, "_scrubbed", False):
        return
    response = getattr(error, "response", None)
    response_request = _request_of(response) if isinstance(response, httpx.Response) else None
    request = error.request
    clean = scrub_request(request) if request is not None else None
    if clean is not None:
        error.request = clean
    if response_request is not None:
        assert isinstance(response, httpx.Response)
        same = response_request is request and clean is not None
        response.request = clean if same and clean else scrub_request(response_request)
    error._scrubbed = True  # type: ignore[attr-defined]


def _request_of(source: httpx.Response | httpx.HTTPError) -> httpx.Request | None:
    try:
        return source.request
    except RuntimeError:  # httpx raises when no request is attached
        return None


def safe_cause(exc: BaseException | None, _depth: int = 0) -> BaseException | None:
    """An exception chain fit to be an error's ``__cause__``: none of its texts, nor the
    requests httpx exceptions keep, holds a credential.

    An httpx exception becomes a copy of the same type with its text redacted and a scrubbed
    request; another exception is kept when its text is clean, else replaced by a
    [`RedactedError`][_sdkcore.errors.RedactedError]. Tracebacks (frames and source lines)
    are kept; the chain below is cleaned the same way.
    """
    if exc is None or _depth > _MAX_CAUSE_DEPTH:
        return None
    text = str(exc)
    clean_text = redact(text)
    clean: BaseException
    if isinstance(exc, httpx.HTTPError):
        try:
            clean = type(exc)(clean_text)
        except TypeError:  # e.g. HTTPStatusError needs request/response
            clean = RedactedError(f"{type(exc).__module__}.{type(exc).__qualname__}: {clean_text}")
        else:
            request = _request_of(exc)
            if request is not None:
                assert isinstance(clean, httpx.HTTPError)
                clean.request = scrub_request(request)
    elif clean_text == text and all(not isinstance(a, str) or redact(a) == a for a in exc.args):
        clean = exc
    else:
        clean = RedactedError(f"{type(exc).__module__}.{type(exc).__qualname__}: {clean_text}")
    clean.__traceback__ = exc.__traceback__
    cause, context = exc.__cause__, exc.__context__
    suppress = exc.__suppress_context__
    clean.__cause__ = safe_cause(cause, _depth + 1)
    clean.__context__ = safe_cause(context, _depth + 1) if context is not exc else None
    clean.__suppress_context__ = suppress
    return clean
