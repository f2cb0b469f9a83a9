"""Merge commit titles and messages. Pure."""

from __future__ import annotations

from app.merging.messages import (
    Author,
    co_author_trailers,
    default_message,
    default_title,
    strip_html_comments,
)


def test_the_title_is_the_prs_with_its_number() -> None:
    assert default_title("Retry failed charges", 12) == "Retry failed charges (#12)"


def test_html_comments_of_pr_templates_are_stripped() -> None:
    body = "<!-- Describe your change -->\r\nFixes the retry.\r\n\r\n\r\n"
    body += "<!-- checklist\n- [ ] a\n-->\nDone."
    assert strip_html_comments(body) == "Fixes the retry.\n\nDone."
    assert strip_html_comments("Text <!-- never closed") == "Text"
    assert strip_html_comments(None) == ""


def test_other_commit_authors_become_co_authors_once() -> None:
    authors = [
        Author("Alice", "alice@example.com", "alice"),
        Author("Bob", "bob@example.com", "bob"),
        Author("Bob B.", "BOB@example.com", None),
        Author("Carol", "carol@example.com", None),
        Author("", "", None),
    ]
    assert co_author_trailers(authors, "Alice") == [
        "Co-authored-by: Bob <bob@example.com>",
        "Co-authored-by: Carol <carol@example.com>",
    ]


def test_the_message_is_the_body_then_the_trailers() -> None:
    trailers = ["Co-authored-by: Bob <bob@example.com>"]
    assert default_message("Body.<!-- x -->", trailers) == (
        "Body.\n\nCo-authored-by: Bob <bob@example.com>"
    )
    assert default_message(None, []) == ""
