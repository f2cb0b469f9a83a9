"""The merge commit's title and message: the PR's title and number, its body without HTML comments
(PR templates' instructions), and `Co-authored-by:` trailers for the other commit authors. Pure."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

_HTML_COMMENT = re.compile(r"<!--.*?(?:-->|\Z)", re.DOTALL)
_BLANK_RUNS = re.compile(r"\n{3,}")


@dataclass(frozen=True)
class Author:
    """A commit's author: git's name and e-mail, and the GitHub login when GitHub knows it."""

    name: str
    email: str
    login: str | None = None


def default_title(title: str, number: int) -> str:
    return f"{title} (#{number})"


def strip_html_comments(body: str | None) -> str:
    """The body without `<!-- ... -->` (an unclosed one runs to the end, as GitHub renders it)."""
    text = _HTML_COMMENT.sub("", (body or "").replace("\r\n", "\n"))
    return _BLANK_RUNS.sub("\n\n", text).strip()


def co_author_trailers(authors: Iterable[Author], pr_author: str) -> list[str]:
    """One trailer per author of the PR's commits other than the PR's author (by login), each
    e-mail once (first spelling kept), in commit order."""
    seen: set[str] = set()
    trailers = []
    for author in authors:
        key = author.email.lower()
        if not key or key in seen or (author.login or "").lower() == pr_author.lower():
            continue
        seen.add(key)
        trailers.append(f"Co-authored-by: {author.name} <{author.email}>")
    return trailers


def default_message(body: str | None, trailers: list[str]) -> str:
    parts = [strip_html_comments(body)]
    if trailers:
        parts.append("\n".join(trailers))
    return "\n\n".join(part for part in parts if part)
