"""Pagination: a page parser per endpoint, and pagers for ``for`` and ``async for``.

An endpoint supplies a pure ``parse_page(spec, response) -> Page`` that returns the items and
the request for the next page (or ``None``). The walk from page to page is one program
(see [`_sdkcore.programs`][_sdkcore.programs]) run by the sync or the async driver; every page
is fetched through the client's normal send path, so retries, rate limits and auth refresh
apply per page. A pager stops, with a
warning, when the next page's cursor repeats one already fetched, instead of looping forever.

The warning goes to the logger of the SDK that sent the request (``ghlsdk.pagination``,
``ninoxsdk.pagination``): the core has no logger name of its own.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable, Hashable, Iterator, Sequence
from functools import partial
from typing import Generic, TypeVar

import attrs
import httpx

from _sdkcore._http import AsyncHTTP, Call, RequestSpec, SyncHTTP
from _sdkcore.logging import get_logger
from _sdkcore.programs import AsyncItems, Emit, Program, SyncItems, astream, stream

__all__ = ["AsyncPager", "Page", "SyncPager", "pagination_logger", "walk"]

T = TypeVar("T")


def pagination_logger(http: SyncHTTP | AsyncHTTP) -> logging.Logger:
    """The logger pagination warnings go to: ``<the client's logger name>.pagination``."""
    return get_logger(f"{http.core.config.logger_name}.pagination")


@attrs.frozen
class Page(Generic[T]):
    """One page: its ``items``, the ``next`` request (``None`` on the last page), and the raw
    ``response``. ``cursor`` identifies the next page for the repeat guard; it defaults to the
    next request's query parameters."""

    items: Sequence[T]
    next: RequestSpec | None
    response: httpx.Response | None = attrs.field(default=None, repr=False, eq=False)
    cursor: Hashable = None


ParsePage = Callable[[RequestSpec, httpx.Response], Page[T]]


def walk(
    first: RequestSpec, parse_page: ParsePage[T], http: SyncHTTP | AsyncHTTP, *, items: bool
) -> Program[None]:
    """The program both pagers run: fetch page after page, emitting each page (or, with
    ``items``, its items), until a page has no ``next`` or its cursor repeats."""
    seen: set[Hashable] = set()
    spec: RequestSpec | None = first
    while spec is not None:
        current = spec
        page: Page[T] = yield Call(current, partial(parse_page, current))
        spec = page.next
        if spec is not None:
            cursor = page.cursor if page.cursor is not None else _cursor_of(spec)
            if cursor in seen:
                pagination_logger(http).warning(
                    "%s %s: the server returned cursor %r again; stopping to avoid a loop",
                    current.method,
                    current.path,
                    cursor,
                )
                spec = None
            seen.add(cursor)
        yield Emit(page.items if items else [page])


def _cursor_of(spec: RequestSpec) -> Hashable:
    params = spec.params or {}
    return (spec.path, tuple(sorted((k, repr(v)) for k, v in params.items())))


class SyncPager(SyncItems[T]):
    """Iterates every item across pages (``for item in pager``); ``iter_pages()`` gives pages."""

    def __init__(self, http: SyncHTTP, first: RequestSpec, parse_page: ParsePage[T]) -> None:
        super().__init__(http, lambda: walk(first, parse_page, http, items=True))
        self._first = first
        self._parse_page = parse_page

    def iter_pages(self) -> Iterator[Page[T]]:
        """Every page, fetched lazily."""
        return stream(
            self._http, None, walk(self._first, self._parse_page, self._http, items=False)
        )

    def first_page(self) -> Page[T]:
        """The first page only (one request)."""
        return next(iter(self.iter_pages()))


class AsyncPager(AsyncItems[T]):
    """Iterates every item across pages (``async for item in pager``); ``iter_pages()``
    gives pages."""

    def __init__(self, http: AsyncHTTP, first: RequestSpec, parse_page: ParsePage[T]) -> None:
        super().__init__(http, lambda: walk(first, parse_page, http, items=True))
        self._first = first
        self._parse_page = parse_page

    def iter_pages(self) -> AsyncIterator[Page[T]]:
        """Every page, fetched lazily."""
        return astream(
            self._http, None, walk(self._first, self._parse_page, self._http, items=False)
        )

    async def first_page(self) -> Page[T]:
        """The first page only (one request)."""
        async for page in self.iter_pages():
            return page
        raise AssertionError("unreachable: a pager always fetches its first page")
