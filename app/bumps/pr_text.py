"""The bump PR's branch, title and body: the release notes (cut at a paragraph when long), the
files changed with their constraints before and after, the lock files to refresh, and a hidden
marker naming package and version, so paasbot finds its own bump PRs again. Pure."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

MAX_NOTES_CHARS = 20_000  # of the release notes quoted; GitHub takes 65,536 for the whole body
_MARKER = re.compile(r"<!-- paasbot:bump package=(\S+) version=(\S+) -->")
_UNSAFE_IN_BRANCH = re.compile(r"[^A-Za-z0-9._/-]+")


@dataclass(frozen=True)
class FileChange:
    path: str
    before: tuple[str, ...]
    after: tuple[str, ...]


@dataclass(frozen=True)
class BumpMarker:
    package: str
    version: str


def branch_name(package: str, version: str) -> str:
    """`paasbot/bump-{package}-{version}`, the same for the same bump (so a repeated release
    finds its branch), with characters git refuses in a ref replaced."""
    return f"paasbot/bump-{_ref_part(package)}-{_ref_part(version)}"


def _ref_part(text: str) -> str:
    return _UNSAFE_IN_BRANCH.sub("-", re.sub(r"\.{2,}", ".", text)).strip("./-")


def title(package: str, version: str) -> str:
    return f"Bump {package} to {version}"


def marker(package: str, version: str) -> str:
    return f"<!-- paasbot:bump package={package} version={version} -->"


def find_marker(body: str | None) -> BumpMarker | None:
    match = _MARKER.search(body or "")
    return BumpMarker(match.group(1), match.group(2)) if match else None


def body(
    package: str,
    version: str,
    source: str,
    release_url: str | None,
    notes: str | None,
    changes: Sequence[FileChange],
    lockfile_notes: Sequence[str] = (),
    left_alone: Sequence[str] = (),
) -> str:
    release = f"[{source} {version}]({release_url})" if release_url else f"{source} {version}"
    parts = [f"This PR bumps **{package}** to **{version}**, released in {release}."]
    parts.append(_files_table(changes))
    if lockfile_notes:
        parts.append("Lock files to refresh:\n" + "\n".join(f"- {note}" for note in lockfile_notes))
    if left_alone:
        parts.append("Not changed:\n" + "\n".join(f"- {note}" for note in left_alone))
    parts.append(_release_notes(notes, release_url))
    parts.append(marker(package, version))
    return "\n\n".join(part for part in parts if part)


def _files_table(changes: Sequence[FileChange]) -> str:
    rows = ["| file | before | after |", "|---|---|---|"]
    for change in changes:
        rows.append(
            f"| `{change.path}` | {_constraints(change.before)} | {_constraints(change.after)} |"
        )
    return "\n".join(rows)


def _constraints(values: Sequence[str]) -> str:
    shown = [f"`{value}`" if value else "(any)" for value in values]
    return ", ".join(shown).replace("|", "\\|") or "(none)"


def _release_notes(notes: str | None, release_url: str | None) -> str:
    text = (notes or "").strip()
    if not text:
        return ""
    if len(text) > MAX_NOTES_CHARS:
        cut = text.rfind("\n\n", 0, MAX_NOTES_CHARS)
        text = text[: cut if cut > 0 else MAX_NOTES_CHARS].rstrip()
        more = f"[the whole notes]({release_url})" if release_url else "the release's page"
        text += f"\n\n… (cut; see {more})"
    quoted = "\n".join(f"> {line}" if line else ">" for line in text.splitlines())
    return f"<details>\n<summary>Release notes</summary>\n\n{quoted}\n\n</details>"
