"""Dockerfile: FROM tags and the ARG defaults they name, edited in place in the tag's style."""

from __future__ import annotations

import pytest

from app.bumps.dockerfile import bump_dockerfile, retag
from app.bumps.model import ManifestError, Outcome

DOCKERFILE = """# syntax=docker/dockerfile:1
ARG NODE_VERSION=1.3.0
ARG QUOTED="2.1"
ARG FREE
FROM --platform=$BUILDPLATFORM golang:1.3.0-alpine AS build
RUN go build \\
    ./...
FROM node:${NODE_VERSION} AS assets
FROM registry.acme.io:5000/team/image:v1.3.0 AS tools
FROM python:3.11-slim
FROM docker.io/library/python:3.11-slim AS again
FROM pinned@sha256:0123abcd
FROM tagged:1.3.0@sha256:0123abcd
FROM quoted:${QUOTED}
FROM free:${FREE}
FROM named:bookworm
FROM untagged
FROM \\
  split:1.3.0
FROM build AS final
COPY --from=build /out /out
"""

CASES = [
    # image, version, outcome, before, after, (old, new) or None
    (
        "golang",
        "1.4.0",
        Outcome.UPDATED,
        ("1.3.0-alpine",),
        ("1.4.0-alpine",),
        ("golang:1.3.0-alpine", "golang:1.4.0-alpine"),
    ),
    (
        "node",
        "1.4.0",
        Outcome.UPDATED,
        ("1.3.0",),
        ("1.4.0",),
        ("ARG NODE_VERSION=1.3.0", "ARG NODE_VERSION=1.4.0"),
    ),
    (
        "registry.acme.io:5000/team/image",
        "1.4.0",
        Outcome.UPDATED,
        ("v1.3.0",),
        ("v1.4.0",),
        ("image:v1.3.0", "image:v1.4.0"),
    ),
    (
        "python",
        "3.12.1",
        Outcome.UPDATED,
        ("3.11-slim", "3.11-slim"),
        ("3.12-slim", "3.12-slim"),
        ("python:3.11-slim", "python:3.12-slim"),
    ),
    (
        "python",
        "3.11.9",
        Outcome.ALREADY,
        ("3.11-slim", "3.11-slim"),
        ("3.11-slim", "3.11-slim"),
        None,
    ),
    ("quoted", "2.2.0", Outcome.UPDATED, ("2.1",), ("2.2",), ('QUOTED="2.1"', 'QUOTED="2.2"')),
    ("split", "1.4.0", Outcome.UPDATED, ("1.3.0",), ("1.4.0",), ("split:1.3.0", "split:1.4.0")),
    ("golang", "1.2.0", Outcome.ALREADY, ("1.3.0-alpine",), ("1.3.0-alpine",), None),
    ("pinned", "1.4.0", Outcome.REFUSED, ("",), ("",), None),
    ("tagged", "1.4.0", Outcome.REFUSED, ("1.3.0",), ("1.3.0",), None),
    ("free", "1.4.0", Outcome.REFUSED, ("${FREE}",), ("${FREE}",), None),
    ("named", "1.4.0", Outcome.REFUSED, ("bookworm",), ("bookworm",), None),
    ("untagged", "1.4.0", Outcome.ALREADY, ("",), ("",), None),
    ("build", "1.4.0", Outcome.NOT_USED, (), (), None),
    ("absent", "1.4.0", Outcome.NOT_USED, (), (), None),
    ("golang", "latest", Outcome.REFUSED, (), (), None),
]


@pytest.mark.parametrize(("image", "version", "outcome", "before", "after", "edit"), CASES)
def test_bump(image, version, outcome, before, after, edit):
    bump = bump_dockerfile(DOCKERFILE, image, version)
    expected = DOCKERFILE.replace(*edit) if edit else DOCKERFILE
    assert (bump.outcome, bump.before, bump.after) == (outcome, before, after)
    assert bump.text == expected


@pytest.mark.parametrize(
    ("tag", "version", "new"),
    [
        ("1.3.0", "1.4.0", "1.4.0"),
        ("v1.3.0", "1.4.0", "v1.4.0"),
        ("1.3", "1.4.2", "1.4"),
        ("1.4", "1.4.2", None),
        ("1.3.0", "1.4", "1.4"),
        ("3.11-bookworm", "3.12.0", "3.12-bookworm"),
        ("2", "10.0.0", "10"),
    ],
)
def test_retag(tag, version, new):
    assert retag(tag, version) == (new, "")


def test_escape_directive():
    text = "# escape=`\nFROM `\n  golang:1.3.0\n"
    bump = bump_dockerfile(text, "golang", "1.4.0")
    assert bump.text == "# escape=`\nFROM `\n  golang:1.4.0\n"


@pytest.mark.parametrize("text", ["FROM\n", "FROM a:1 b c\n", "FROM a:1 AS\n"])
def test_unreadable(text):
    with pytest.raises(ManifestError, match="line 1: malformed FROM"):
        bump_dockerfile(text, "a", "1.1.0")


def test_large_file_is_linear():
    text = "".join(f"FROM image{i}:1.0.{i} AS s{i}\nRUN true\n" for i in range(20000))
    bump = bump_dockerfile(text, "image19999", "2.0.0")
    assert bump.text == text.replace("image19999:1.0.19999", "image19999:2.0.0")


def test_a_build_argument_shared_with_another_image_is_refused():
    text = "ARG V=1.3.0\nFROM a:${V}\nFROM b:${V}-slim\n"
    bump = bump_dockerfile(text, "a", "1.4.0")
    assert (bump.outcome, bump.text) == (Outcome.REFUSED, text)
    assert bump.note == "the build argument in ${V} also tags b; edit it by hand"


def test_a_stage_named_like_its_image():
    text = "FROM python:3.11 AS python\nFROM python AS final\n"
    bump = bump_dockerfile(text, "python", "3.12.0")
    assert (bump.outcome, bump.text) == (Outcome.UPDATED, text.replace("3.11", "3.12"))
