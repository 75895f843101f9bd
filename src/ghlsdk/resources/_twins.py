"""Each resource method is written once: a pure *builder* with the method's signature and
docstring, named once in a table shared by the sync and the async class. The twins cannot
drift: they are the same table over a different runner.

A builder takes the client's [`Context`][ghlsdk.resources._base.Context] and the call's
arguments, checks them (raising before anything is sent), and returns one of:

- a ``Call`` (one request and its parser), or a *prepared* call: a program (see
  ``_sdkcore.programs``) that yields the calls it needs first, e.g. loading the custom field
  registry, and returns the ``Call`` to send — an [`op`][ghlsdk.resources._twins.op];
- a [`Paged`][ghlsdk.resources._twins.Paged] (first request + page parser), returned as a
  lazy pager — a [`pager`][ghlsdk.resources._twins.pager];
- a program returning a value (the custom field registry's lookups) — a
  [`program`][ghlsdk.resources._twins.program].

```python
class _Notes:                               # the one table
    get = op(get_note)

class Notes(_Notes, SyncResource): ...      # ghl.notes.get(...) -> Note
class AsyncNotes(_Notes, AsyncResource): ...  # await aghl.notes.get(...) -> Note
```

Each descriptor gives the class it is read from a real function (so ``inspect``, ``help``
and tracebacks see ``Notes.get`` with the builder's signature and docstring): a plain one on
a sync resource, a coroutine function on an async one (a pager method stays plain).
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable, Coroutine
from types import MethodType
from typing import TYPE_CHECKING, Any, Concatenate, Generic, TypeAlias, TypeVar, overload

import attrs
from typing_extensions import ParamSpec

from _sdkcore._http import Call, RequestSpec
from _sdkcore.pagination import AsyncPager, ParsePage, SyncPager
from _sdkcore.programs import Program, arun, run

if TYPE_CHECKING:
    from ghlsdk.resources._base import AsyncResource, Context, SyncResource

__all__ = ["Paged", "Prepared", "op", "pager", "program"]

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
_SELF = inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD)


class _Twin:
    """What the three descriptors share: one function per class they are read from."""

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

    def __init__(self, build: Callable[Concatenate[Context, P], Built[T]]) -> None:
        super().__init__(build)

    @overload
    def __get__(self, obj: None, owner: type) -> Callable[..., Any]: ...
    @overload
    def __get__(self, obj: SyncResource, owner: type | None = None) -> Callable[P, T]: ...
    @overload
    def __get__(
        self, obj: AsyncResource, owner: type | None = None
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
    """An [`op`][ghlsdk.resources._twins.op] whose builder returns a program computing a
    value (the custom field registry's lookups): the method returns that value."""

    def __init__(self, build: Callable[Concatenate[Context, P], Program[T]]) -> None:
        _Twin.__init__(self, build)


class pager(_Twin, Generic[P, T]):
    """A method returning a lazy pager over what a builder describes (plain ``def`` in the
    async twin too: iterate it with ``async for``)."""

    returns = ("SyncPager[{}]", "AsyncPager[{}]")

    def __init__(self, build: Callable[Concatenate[Context, P], Paged[T]]) -> None:
        super().__init__(build)

    @overload
    def __get__(self, obj: None, owner: type) -> Callable[..., Any]: ...
    @overload
    def __get__(
        self, obj: SyncResource, owner: type | None = None
    ) -> Callable[P, SyncPager[T]]: ...
    @overload
    def __get__(
        self, obj: AsyncResource, owner: type | None = None
    ) -> Callable[P, AsyncPager[T]]: ...
    def __get__(self, obj: Any, owner: type | None = None) -> Any:
        return self.bind(obj, owner)

    def _make(self, is_async: bool) -> Any:
        build = self.build

        def method(self: Any, /, *args: Any, **kwargs: Any) -> Any:
            paged = build(self._ctx, *args, **kwargs)
            return self._run.pages(paged.first, paged.parse_page)

        return method
