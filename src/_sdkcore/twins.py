"""Sync and async twins written once: each method is a pure *builder* with the method's
signature and docstring, named once in a table both twin classes inherit. The twins cannot
drift: they are the same table over a different runner. Both SDKs build their resources,
handles and clients this way.

A builder takes the object's context (``self._ctx``: the client settings, a database, a
table...) and the call's arguments, checks them (raising before anything is sent), and
returns one of:

- a ``Call`` (one request and its parser), or a *prepared* call: a program (see
  [`_sdkcore.programs`][_sdkcore.programs]) that yields the calls it needs first and
  returns the ``Call`` to send — an [`op`][_sdkcore.twins.op];
- a program returning a value — a [`program`][_sdkcore.twins.program];
- a [`Paged`][_sdkcore.twins.Paged] (first request + page parser), returned as a lazy pager
  — a [`pager`][_sdkcore.twins.pager];
- a [`Listing`][_sdkcore.twins.Listing] (a streaming program), returned as lazy items — an
  [`items`][_sdkcore.twins.items];
- the context of another twin object, returned as that object (no request) — a
  [`handle`][_sdkcore.twins.handle].

```python
class _Notes:                               # the one table
    get = op(get_note)

class Notes(_Notes, SyncTwin): ...          # ghl.notes.get(...) -> Note
class AsyncNotes(_Notes, AsyncTwin): ...    # await aghl.notes.get(...) -> Note
```

Each descriptor gives the class it is read from a real function (so ``inspect``, ``help``
and tracebacks see ``Notes.get`` with the builder's signature and docstring): a plain one on
a sync class, a coroutine function on an async one (methods returning a pager, items or a
handle stay plain). [`resource`][_sdkcore.twins.resource] names a sub-object once
(``nx.teams``: ``Teams`` on the sync client, ``AsyncTeams`` on the async one).
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Awaitable, Callable, Coroutine
from types import MethodType
from typing import Any, Concatenate, Generic, Protocol, TypeAlias, TypeVar, overload

import attrs
from typing_extensions import ParamSpec, Self

from _sdkcore._http import AsyncHTTP, Call, RequestOptions, RequestSpec, SyncHTTP
from _sdkcore.pagination import AsyncPager, ParsePage, SyncPager
from _sdkcore.programs import AsyncItems, Program, SyncItems, arun, run

__all__ = [
    "AsyncRunner",
    "AsyncTwin",
    "Listing",
    "Paged",
    "Prepared",
    "SyncRunner",
    "SyncTwin",
    "async_runner",
    "handle",
    "items",
    "op",
    "pager",
    "program",
    "resource",
    "sync_runner",
]

P = ParamSpec("P")
T = TypeVar("T")
X = TypeVar("X")
S = TypeVar("S")
A = TypeVar("A")

#: A builder whose request needs other requests first: it yields those calls, is sent their
#: results, and returns the call to send.
Prepared: TypeAlias = Program[Call[T]]
Built: TypeAlias = Call[T] | Prepared[T]


@attrs.frozen
class Paged(Generic[T]):
    """What a paged listing builder returns: the first page's request and the page parser."""

    first: RequestSpec
    parse_page: ParsePage[T]


@attrs.frozen
class Listing(Generic[T]):
    """What a multi-request listing builder returns: how to start its streaming program
    (once per iteration) and the per-call options."""

    program: Callable[[], Program[Any]]
    options: RequestOptions | None = None


# ---------------------------------------------------------------- runners


class SyncRunner(Protocol):
    """How a sync twin executes calls (parsed results, or raw responses)."""

    http: SyncHTTP

    def execute(self, call: Call[T]) -> T: ...

    def pages(self, first: RequestSpec, parse_page: ParsePage[T]) -> SyncPager[T]: ...


class AsyncRunner(Protocol):
    """How an async twin executes calls."""

    http: AsyncHTTP

    def execute(self, call: Call[T]) -> Awaitable[T]: ...

    def pages(self, first: RequestSpec, parse_page: ParsePage[T]) -> AsyncPager[T]: ...


class _Sync:
    def __init__(self, http: SyncHTTP) -> None:
        self.http = http
        self.execute = http.execute

    def pages(self, first: RequestSpec, parse_page: ParsePage[T]) -> SyncPager[T]:
        return SyncPager(self.http, first, parse_page)


class _Async:
    def __init__(self, http: AsyncHTTP) -> None:
        self.http = http
        self.execute = http.execute

    def pages(self, first: RequestSpec, parse_page: ParsePage[T]) -> AsyncPager[T]:
        return AsyncPager(self.http, first, parse_page)


def sync_runner(http: SyncHTTP) -> SyncRunner:
    """The runner returning parsed results with a sync client."""
    return _Sync(http)


def async_runner(http: AsyncHTTP) -> AsyncRunner:
    """The runner returning parsed results with an async client."""
    return _Async(http)


class SyncTwin:
    """Base of a sync class whose methods are the descriptors below: ``_run`` sends,
    ``_ctx`` is what the builders are given."""

    _is_async = False

    def __init__(self, run: SyncRunner, ctx: Any) -> None:
        self._run = run
        self._ctx = ctx


class AsyncTwin:
    """Base of an async class whose methods are the descriptors below."""

    _is_async = True

    def __init__(self, run: AsyncRunner, ctx: Any) -> None:
        self._run = run
        self._ctx = ctx


# ---------------------------------------------------------------- methods

_WRAPPED = re.compile(r"^\w+\[(.*)\]$")
_SELF = inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD)


class _Twin:
    """What the descriptors share: one function per class they are read from."""

    #: The return annotation of the sync / async method; ``{}`` is the builder's result type.
    returns = ("{}", "{}")

    def __init__(self, build: Callable[..., Any]) -> None:
        self.build = build
        self.name = build.__name__
        self._made: dict[type, Any] = {}

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def _make(self, is_async: bool) -> Any:
        raise NotImplementedError

    def function(self, owner: type) -> Any:
        """The method as ``owner`` has it (made once per class)."""
        made = self._made.get(owner)
        if made is None:
            is_async = bool(getattr(owner, "_is_async", False))
            made = self._made[owner] = self._make(is_async)  # a function: its metadata is set
            sig = inspect.signature(self.build)
            result = _WRAPPED.match(str(sig.return_annotation))
            made.__signature__ = sig.replace(
                parameters=[_SELF, *list(sig.parameters.values())[1:]],
                return_annotation=self.returns[is_async].format(
                    result.group(1) if result else sig.return_annotation
                ),
            )
            made.__doc__ = self.build.__doc__
            made.__name__ = self.name
            made.__qualname__ = f"{owner.__qualname__}.{self.name}"
            made.__module__ = owner.__module__
        return made

    def bind(self, obj: Any, owner: type | None) -> Any:
        function = self.function(owner if owner is not None else type(obj))
        return function if obj is None else MethodType(function, obj)


class op(_Twin, Generic[P, T]):
    """A method sending the call a builder returns, or running the program it returns: the
    program's result is sent too when it is a call (a *prepared* call), else returned."""

    def __init__(self, build: Callable[Concatenate[Any, P], Built[T]]) -> None:
        super().__init__(build)

    @overload
    def __get__(self, obj: None, owner: type) -> Callable[..., Any]: ...
    @overload
    def __get__(self, obj: SyncTwin, owner: type | None = None) -> Callable[P, T]: ...
    @overload
    def __get__(
        self, obj: AsyncTwin, owner: type | None = None
    ) -> Callable[P, Coroutine[Any, Any, T]]: ...
    def __get__(self, obj: Any, owner: type | None = None) -> Any:
        return self.bind(obj, owner)

    def _make(self, is_async: bool) -> Any:
        build = self.build

        def method(self: Any, /, *args: Any, **kwargs: Any) -> Any:
            built = build(self._ctx, *args, **kwargs)
            if not isinstance(built, Call):
                built = run(self._run.http, None, built)
            return self._run.execute(built) if isinstance(built, Call) else built

        async def amethod(self: Any, /, *args: Any, **kwargs: Any) -> Any:
            built = build(self._ctx, *args, **kwargs)
            if not isinstance(built, Call):
                built = await arun(self._run.http, None, built)
            return await self._run.execute(built) if isinstance(built, Call) else built

        return amethod if is_async else method


class program(op[P, T]):
    """An [`op`][_sdkcore.twins.op] whose builder returns a program computing a value (a
    lookup, a batch write, a read that resolves a name first): the method returns it."""

    def __init__(self, build: Callable[Concatenate[Any, P], Program[T]]) -> None:
        _Twin.__init__(self, build)


class _Plain(_Twin):
    """A method that sends nothing: it wraps what the builder returns (plain ``def`` in the
    async twin too)."""

    def _wrap(self, obj: Any, built: Any, is_async: bool) -> Any:
        raise NotImplementedError

    def _make(self, is_async: bool) -> Any:
        build, wrap = self.build, self._wrap

        def method(self: Any, /, *args: Any, **kwargs: Any) -> Any:
            return wrap(self, build(self._ctx, *args, **kwargs), is_async)

        return method


class pager(_Plain, Generic[P, T]):
    """A method returning a lazy pager over what a builder describes (iterate it with
    ``async for`` in the async twin)."""

    returns = ("SyncPager[{}]", "AsyncPager[{}]")

    def __init__(self, build: Callable[Concatenate[Any, P], Paged[T]]) -> None:
        super().__init__(build)

    @overload
    def __get__(self, obj: None, owner: type) -> Callable[..., Any]: ...
    @overload
    def __get__(self, obj: SyncTwin, owner: type | None = None) -> Callable[P, SyncPager[T]]: ...
    @overload
    def __get__(self, obj: AsyncTwin, owner: type | None = None) -> Callable[P, AsyncPager[T]]: ...
    def __get__(self, obj: Any, owner: type | None = None) -> Any:
        return self.bind(obj, owner)

    def _wrap(self, obj: Any, built: Any, is_async: bool) -> Any:
        return obj._run.pages(built.first, built.parse_page)


class items(_Plain, Generic[P, T]):
    """A method returning every item of a multi-request listing, lazily:
    [`SyncItems`][_sdkcore.programs.SyncItems] or
    [`AsyncItems`][_sdkcore.programs.AsyncItems] over the builder's
    [`Listing`][_sdkcore.twins.Listing]."""

    returns = ("SyncItems[{}]", "AsyncItems[{}]")

    def __init__(self, build: Callable[Concatenate[Any, P], Listing[T]]) -> None:
        super().__init__(build)

    @overload
    def __get__(self, obj: None, owner: type) -> Callable[..., Any]: ...
    @overload
    def __get__(self, obj: SyncTwin, owner: type | None = None) -> Callable[P, SyncItems[T]]: ...
    @overload
    def __get__(self, obj: AsyncTwin, owner: type | None = None) -> Callable[P, AsyncItems[T]]: ...
    def __get__(self, obj: Any, owner: type | None = None) -> Any:
        return self.bind(obj, owner)

    def _wrap(self, obj: Any, built: Any, is_async: bool) -> Any:
        cls = AsyncItems if is_async else SyncItems
        return cls(obj._run.http, built.program, built.options)


class handle(_Plain, Generic[P, S, A]):
    """A method returning another twin object, made from this one's runner and the context
    the builder returns: ``sync_cls`` on a sync class, ``async_cls`` on an async one."""

    def __init__(
        self,
        build: Callable[Concatenate[Any, P], X],
        sync_cls: Callable[[SyncRunner, X], S],
        async_cls: Callable[[AsyncRunner, X], A],
    ) -> None:
        super().__init__(build)
        self.classes = (sync_cls, async_cls)
        self.returns = (_name(sync_cls), _name(async_cls))

    @overload
    def __get__(self, obj: None, owner: type) -> Callable[..., Any]: ...
    @overload
    def __get__(self, obj: SyncTwin, owner: type | None = None) -> Callable[P, S]: ...
    @overload
    def __get__(self, obj: AsyncTwin, owner: type | None = None) -> Callable[P, A]: ...
    def __get__(self, obj: Any, owner: type | None = None) -> Any:
        return self.bind(obj, owner)

    def _wrap(self, obj: Any, built: Any, is_async: bool) -> Any:
        return self.classes[is_async](obj._run, built)


def _name(cls: object) -> str:
    return str(getattr(cls, "__name__", cls))


class resource(Generic[S, A]):
    """A sub-object named once (``nx.teams``, ``db.tables``): ``sync_cls`` on a sync twin,
    ``async_cls`` on an async one, made from the owner's runner and context on first use and
    then kept in the instance (a non-data descriptor: later reads skip it)."""

    def __init__(
        self, sync_cls: Callable[[SyncRunner, Any], S], async_cls: Callable[[AsyncRunner, Any], A]
    ) -> None:
        self.classes = (sync_cls, async_cls)
        self.name = ""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    @overload
    def __get__(self, obj: None, owner: type) -> Self: ...
    @overload
    def __get__(self, obj: SyncTwin, owner: type | None = None) -> S: ...
    @overload
    def __get__(self, obj: AsyncTwin, owner: type | None = None) -> A: ...
    def __get__(self, obj: Any, owner: type | None = None) -> Any:
        if obj is None:
            return self
        made = obj.__dict__[self.name] = self.classes[obj._is_async](obj._run, obj._ctx)
        return made
