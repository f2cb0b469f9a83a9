"""The bump PR's branch, title, body and marker. Pure."""

from __future__ import annotations

import pytest

from app.bumps.pr_text import (
    MAX_NOTES_CHARS,
    BumpMarker,
    FileChange,
    body,
    branch_name,
    find_marker,
    marker,
    title,
)


@pytest.mark.parametrize(
    ("package", "version", "branch"),
    [
        ("acme-auth", "1.4.0", "paasbot/bump-acme-auth-1.4.0"),
        ("@acme/auth", "1.4.0", "paasbot/bump-acme/auth-1.4.0"),
        ("com.acme:auth", "1.4.0", "paasbot/bump-com.acme-auth-1.4.0"),
        ("acme-auth", "1.4.0+build..7", "paasbot/bump-acme-auth-1.4.0-build.7"),
    ],
)
def test_the_branch_is_the_same_for_the_same_bump_and_a_valid_ref(
    package: str, version: str, branch: str
) -> None:
    assert branch_name(package, version) == branch


def test_title_and_marker_round_trip() -> None:
    assert title("acme-auth", "1.4.0") == "Bump acme-auth to 1.4.0"
    text = f"Some text\n\n{marker('acme-auth', '1.4.0')}\n"
    assert find_marker(text) == BumpMarker("acme-auth", "1.4.0")
    assert find_marker("no marker") is None and find_marker(None) is None


def test_the_body_lists_the_files_the_lock_files_and_quotes_the_notes() -> None:
    changes = [
        FileChange("requirements.txt", ("==1.3.0",), ("==1.4.0",)),
        FileChange("pyproject.toml", ("", "^1.3|x"), ("", "^1.4")),
    ]
    text = body(
        "acme-auth",
        "1.4.0",
        "acme/auth",
        "https://ghe.example.com/acme/auth/releases/tag/v1.4.0",
        "## Changes\n\n- faster tokens",
        changes,
        ["`poetry.lock` needs a refresh: run `poetry lock`"],
    )
    assert text.startswith(
        "This PR bumps **acme-auth** to **1.4.0**, released in "
        "[acme/auth 1.4.0](https://ghe.example.com/acme/auth/releases/tag/v1.4.0)."
    )
    assert "| `requirements.txt` | `==1.3.0` | `==1.4.0` |" in text
    assert "| `pyproject.toml` | (any), `^1.3\\|x` | (any), `^1.4` |" in text
    assert "Lock files to refresh:\n- `poetry.lock` needs a refresh: run `poetry lock`" in text
    assert "> ## Changes\n>\n> - faster tokens" in text
    assert text.endswith(marker("acme-auth", "1.4.0"))


def test_long_release_notes_are_cut_at_a_paragraph_and_link_the_rest() -> None:
    paragraph = "word " * 1000
    notes = "\n\n".join([paragraph] * 10)
    assert len(notes) > MAX_NOTES_CHARS
    text = body("a", "1", "acme/a", "https://x/r", notes, [])
    assert "… (cut; see [the whole notes](https://x/r))" in text
    quoted = text[text.index("> ") : text.index("… (cut")]
    assert len(quoted) < MAX_NOTES_CHARS + 2_000
    assert "Release notes" in text and body("a", "1", "acme/a", None, "", []).count("details") == 0
