"""Pagination: a page parser per endpoint, and pagers for ``for`` and ``async for``.

An endpoint supplies a pure ``parse_page(spec, response) -> Page`` that returns the items and
the request for the next page (or ``None``). Every page is fetched through the client's normal
send path, so retries, rate limits and auth refresh apply per page. A pager stops, with a
warning, when the next page's cursor repeats one already fetched, instead of looping forever.

The warning goes to the logger of the SDK that sent the request (``ghlsdk.pagination``,
``ninoxsdk.pagination``): the core has no logger name of its own.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable, Hashable, Iterator, Sequence
from typing import Generic, TypeVar

import attrs
import httpx

from _sdkcore._http import AsyncHTTP, RequestSpec, SyncHTTP
from _sdkcore.logging import get_logger

__all__ = ["AsyncPager", "Page", "SyncPager", "pagination_logger"]

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


class _Walk(Generic[T]):
    """The pure bookkeeping both pagers share: what to fetch next and when to stop."""

    def __init__(
        self, first: RequestSpec, parse_page: ParsePage[T], http: SyncHTTP | AsyncHTTP
    ) -> None:
        self.next: RequestSpec | None = first
        self.parse_page = parse_page
        self.http = http  # names the logger, looked up only when there is something to say
        self.seen: set[Hashable] = set()

    def advance(self, spec: RequestSpec, response: httpx.Response) -> Page[T]:
        page = self.parse_page(spec, response)
        self.next = page.next
        if page.next is not None:
            cursor = page.cursor if page.cursor is not None else _cursor_of(page.next)
            if cursor in self.seen:
                pagination_logger(self.http).warning(
                    "%s %s: the server returned cursor %r again; stopping to avoid a loop",
                    spec.method,
                    spec.path,
                    cursor,
                )
                self.next = None
            self.seen.add(cursor)
        return page


def _cursor_of(spec: RequestSpec) -> Hashable:
    params = spec.params or {}
    return (spec.path, tuple(sorted((k, repr(v)) for k, v in params.items())))


class SyncPager(Generic[T]):
    """Iterates every item across pages (``for item in pager``); ``iter_pages()`` gives pages."""

    def __init__(self, http: SyncHTTP, first: RequestSpec, parse_page: ParsePage[T]) -> None:
        self._http = http
        self._first = first
        self._parse_page = parse_page

    def iter_pages(self) -> Iterator[Page[T]]:
        walk = _Walk(self._first, self._parse_page, self._http)
        while walk.next is not None:
            spec = walk.next
            yield walk.advance(spec, self._http.send(spec))

    def __iter__(self) -> Iterator[T]:
        for page in self.iter_pages():
            yield from page.items

    def first_page(self) -> Page[T]:
        return next(iter(self.iter_pages()))

    def to_list(self, limit: int | None = None) -> list[T]:
        """All items (or the first ``limit``), fetching only the pages needed."""
        out: list[T] = []
        for item in self:
            if limit is not None and len(out) >= limit:
                break
            out.append(item)
        return out


class AsyncPager(Generic[T]):
    """Iterates every item across pages (``async for item in pager``)."""

    def __init__(self, http: AsyncHTTP, first: RequestSpec, parse_page: ParsePage[T]) -> None:
        self._http = http
        self._first = first
        self._parse_page = parse_page

    async def iter_pages(self) -> AsyncIterator[Page[T]]:
        walk = _Walk(self._first, self._parse_page, self._http)
        while walk.next is not None:
            spec = walk.next
            yield walk.advance(spec, await self._http.send(spec))

    async def __aiter__(self) -> AsyncIterator[T]:
        async for page in self.iter_pages():
            for item in page.items:
                yield item

    async def first_page(self) -> Page[T]:
        async for page in self.iter_pages():
            return page
        raise AssertionError("unreachable: a pager always fetches its first page")

    async def to_list(self, limit: int | None = None) -> list[T]:
        """All items (or the first ``limit``), fetching only the pages needed."""
        out: list[T] = []
        async for item in self:
            if limit is not None and len(out) >= limit:
                break
            out.append(item)
        return out
