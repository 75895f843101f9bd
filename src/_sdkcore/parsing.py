"""Pure helpers that turn a 2xx response into JSON or a typed model, with clear errors."""

from __future__ import annotations

import json
from typing import Any, TypeVar

import cattrs
import httpx

from _sdkcore.errors import APIResponseValidationError

__all__ = ["json_body", "structure"]

T = TypeVar("T")


def json_body(response: httpx.Response, *, allow_empty: bool = False) -> Any:
    """The decoded JSON body; ``APIResponseValidationError`` if it is empty or not JSON."""
    content = response.content
    # isspace() stops at the first non-blank byte; strip() would copy the whole body.
    if not content or content.isspace():
        if allow_empty:
            return None
        raise APIResponseValidationError(
            f"{response.status_code} response had an empty body where JSON was expected",
            response=response,
        )
    try:
        return json.loads(content)
    except ValueError as exc:
        snippet = content[:80].decode("utf-8", "replace")
        raise APIResponseValidationError(
            f"{response.status_code} response is not valid JSON ({exc}); "
            f"it starts with {snippet!r}",
            response=response,
            body=snippet,
        ) from exc


def structure(converter: cattrs.Converter, data: Any, cls: type[T], response: httpx.Response) -> T:
    """``data`` as ``cls``; a parse failure becomes ``APIResponseValidationError``."""
    try:
        return converter.structure(data, cls)
    except (cattrs.BaseValidationError, TypeError, ValueError, KeyError) as exc:
        detail = _explain(exc)
        raise APIResponseValidationError(
            f"could not read the response as {cls.__name__}: {detail}", response=response, body=data
        ) from exc


def _explain(exc: BaseException) -> str:
    if isinstance(exc, cattrs.BaseValidationError):
        return "; ".join(cattrs.transform_error(exc)) or str(exc)
    return f"{type(exc).__name__}: {exc}"
