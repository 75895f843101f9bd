"""Each resource method is written once: a pure *builder* with the method's signature and
docstring. One line makes it a method of the sync class and one line of the async class, so
the twins cannot drift (same parameters, same docstring, by construction).

A builder takes the client's [`Context`][ghlsdk.resources._base.Context] and the call's
arguments, checks them (raising before anything is sent), and returns one of:

- a ``Call`` (one request and its parser): [`sync_method`][ghlsdk.resources._twins.sync_method]
  / [`async_method`][ghlsdk.resources._twins.async_method] send it and return the result;
- a *prepared* call: a program (see ``_sdkcore.programs``) that yields the calls it needs
  first, e.g. loading the custom field registry, and returns the ``Call`` to send;
- a [`Paged`][ghlsdk.resources._twins.Paged] (first request + page parser):
  [`sync_pager`][ghlsdk.resources._twins.sync_pager] /
  [`async_pager`][ghlsdk.resources._twins.async_pager] return a lazy pager;
- a program returning a value: [`sync_program`][ghlsdk.resources._twins.sync_program] /
  [`async_program`][ghlsdk.resources._twins.async_program] run it.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Any, Concatenate, Generic, TypeAlias, TypeVar

import attrs
from typing_extensions import ParamSpec

from _sdkcore._http import Call, RequestSpec
from _sdkcore.pagination import AsyncPager, ParsePage, SyncPager
from _sdkcore.programs import Program, arun, run

if TYPE_CHECKING:
    from ghlsdk.resources._base import AsyncResource, Context, SyncResource

__all__ = [
    "Paged",
    "Prepared",
    "async_method",
    "async_pager",
    "async_program",
    "name_methods",
    "sync_method",
    "sync_pager",
    "sync_program",
]

P = ParamSpec("P")
T = TypeVar("T")

#: A builder whose request needs other requests first: it yields those calls, is sent their
#: results, and returns the call to send.
Prepared: TypeAlias = Program[Call[T]]
Built: TypeAlias = Call[T] | Prepared[T]


@attrs.frozen
class Paged(Generic[T]):
    """What a listing builder returns: the first page's request and the page parser."""

    first: RequestSpec
    parse_page: ParsePage[T]


_WRAPPED = re.compile(r"^\w+\[(.*)\]$")


def _method_of(method: Any, build: Callable[..., Any], returns: str) -> Any:
    """``method`` with the builder's docstring and signature (``self`` for the context,
    ``returns`` for the return annotation, ``{}`` standing for the builder's result type)."""
    sig = inspect.signature(build)
    params = list(sig.parameters.values())[1:]
    result = _WRAPPED.match(str(sig.return_annotation))
    method.__doc__ = build.__doc__
    method.__signature__ = sig.replace(
        parameters=[inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD), *params],
        return_annotation=returns.format(result.group(1) if result else sig.return_annotation),
    )
    method.__builder__ = build
    return method


def name_methods(cls: type) -> None:
    """Give the methods made from builders their names in ``cls`` (for tracebacks, ``help``)."""
    for name, value in vars(cls).items():
        if inspect.isfunction(value) and hasattr(value, "__builder__"):
            value.__name__ = name
            value.__qualname__ = f"{cls.__qualname__}.{name}"
            value.__module__ = cls.__module__


def sync_method(
    build: Callable[Concatenate[Context, P], Built[T]],
) -> Callable[Concatenate[SyncResource, P], T]:
    """The sync method sending what ``build`` returns (a call, or a prepared call)."""

    def method(self: SyncResource, /, *args: P.args, **kwargs: P.kwargs) -> T:
        built = build(self._ctx, *args, **kwargs)
        call = built if isinstance(built, Call) else run(self._run.http, None, built)
        return self._run.execute(call)

    return _method_of(method, build, "{}")  # type: ignore[no-any-return]


def async_method(
    build: Callable[Concatenate[Context, P], Built[T]],
) -> Callable[Concatenate[AsyncResource, P], Coroutine[Any, Any, T]]:
    """The async twin of [`sync_method`][ghlsdk.resources._twins.sync_method]."""

    async def method(self: AsyncResource, /, *args: P.args, **kwargs: P.kwargs) -> T:
        built = build(self._ctx, *args, **kwargs)
        call = built if isinstance(built, Call) else await arun(self._run.http, None, built)
        return await self._run.execute(call)

    return _method_of(method, build, "{}")  # type: ignore[no-any-return]


def sync_pager(
    build: Callable[Concatenate[Context, P], Paged[T]],
) -> Callable[Concatenate[SyncResource, P], SyncPager[T]]:
    """The sync method returning a lazy pager over what ``build`` describes."""

    def method(self: SyncResource, /, *args: P.args, **kwargs: P.kwargs) -> SyncPager[T]:
        paged = build(self._ctx, *args, **kwargs)
        return self._run.pages(paged.first, paged.parse_page)

    return _method_of(method, build, "SyncPager[{}]")  # type: ignore[no-any-return]


def async_pager(
    build: Callable[Concatenate[Context, P], Paged[T]],
) -> Callable[Concatenate[AsyncResource, P], AsyncPager[T]]:
    """The async twin of [`sync_pager`][ghlsdk.resources._twins.sync_pager] (not awaited:
    iterate it with ``async for``)."""

    def method(self: AsyncResource, /, *args: P.args, **kwargs: P.kwargs) -> AsyncPager[T]:
        paged = build(self._ctx, *args, **kwargs)
        return self._run.pages(paged.first, paged.parse_page)

    return _method_of(method, build, "AsyncPager[{}]")  # type: ignore[no-any-return]


def sync_program(
    build: Callable[Concatenate[Context, P], Program[T]],
) -> Callable[Concatenate[SyncResource, P], T]:
    """The sync method running the program ``build`` returns, and returning its value."""

    def method(self: SyncResource, /, *args: P.args, **kwargs: P.kwargs) -> T:
        return run(self._run.http, None, build(self._ctx, *args, **kwargs))

    return _method_of(method, build, "{}")  # type: ignore[no-any-return]


def async_program(
    build: Callable[Concatenate[Context, P], Program[T]],
) -> Callable[Concatenate[AsyncResource, P], Coroutine[Any, Any, T]]:
    """The async twin of [`sync_program`][ghlsdk.resources._twins.sync_program]."""

    async def method(self: AsyncResource, /, *args: P.args, **kwargs: P.kwargs) -> T:
        return await arun(self._run.http, None, build(self._ctx, *args, **kwargs))

    return _method_of(method, build, "{}")  # type: ignore[no-any-return]
