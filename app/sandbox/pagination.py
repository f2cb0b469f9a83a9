"""``page``/``per_page`` handling and the ``Link`` header GitHub sends with paginated lists."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TypeVar

from yarl import URL

T = TypeVar("T")

DEFAULT_PER_PAGE = 30
MAX_PER_PAGE = 100


def _positive_int(raw: str | None, default: int) -> int:
    try:
        value = int(raw) if raw is not None else default
    except ValueError:
        return default
    return value if value > 0 else default


@dataclass(frozen=True)
class PageRequest:
    page: int = 1
    per_page: int = DEFAULT_PER_PAGE

    @classmethod
    def from_query(cls, query: Mapping[str, str]) -> PageRequest:
        per_page = min(_positive_int(query.get("per_page"), DEFAULT_PER_PAGE), MAX_PER_PAGE)
        return cls(page=_positive_int(query.get("page"), 1), per_page=per_page)

    def slice(self, items: Sequence[T]) -> list[T]:
        start = (self.page - 1) * self.per_page
        return list(items[start : start + self.per_page])

    def last_page(self, total: int) -> int:
        return max(1, math.ceil(total / self.per_page))

    def link_header(self, url: URL, total: int) -> str | None:
        """GitHub orders the relations prev, next, last, first and omits the header when a
        single page holds everything."""
        last = self.last_page(total)
        relations: list[tuple[int, str]] = []
        if self.page > 1:
            relations.append((self.page - 1, "prev"))
        if self.page < last:
            relations += [(self.page + 1, "next"), (last, "last")]
        if self.page > 1:
            relations.append((1, "first"))
        links = [f'<{url.update_query(page=page)}>; rel="{rel}"' for page, rel in relations]
        return ", ".join(links) or None


def paginate(
    items: Sequence[T], query: Mapping[str, str], url: URL
) -> tuple[list[T], dict[str, str]]:
    page = PageRequest.from_query(query)
    link = page.link_header(url, len(items))
    return page.slice(items), ({"Link": link} if link else {})
