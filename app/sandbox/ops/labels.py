"""A repository's labels: listed, created, and created implicitly when an issue or pull request
is given a name the repository does not know, as GitHub does."""

from __future__ import annotations

import re

from app.sandbox.errors import field_error, validation_failed
from app.sandbox.models import IMPLICIT_LABEL_COLOR, Label, Repository, label_id
from app.sandbox.state import SimulatedGitHub

RESOURCE = "Label"
HEX_COLOR = re.compile(r"[0-9a-fA-F]{6}")


def find_label(repository: Repository, name: str) -> Label | None:
    """Label names compare case-insensitively."""
    return repository.labels.get(name.lower())


def labels_of(repository: Repository) -> list[Label]:
    """Sorted by name, as GitHub lists them."""
    return sorted(repository.labels.values(), key=lambda label: label.name.lower())


def create_label(
    state: SimulatedGitHub,
    repository: Repository,
    name: str,
    color: str | None = None,
    description: str | None = None,
    *,
    sender: str,
) -> Label:
    """A new label (422 ``already_exists`` for a name taken in any case); publishes
    ``label.created``. The colour is six hex digits; a leading ``#`` is tolerated."""
    shade = IMPLICIT_LABEL_COLOR if color is None else color.removeprefix("#")
    errors = []
    if not name.strip():
        errors.append(field_error(RESOURCE, "name", "missing_field"))
    elif find_label(repository, name) is not None:
        errors.append(field_error(RESOURCE, "name", "already_exists"))
    if HEX_COLOR.fullmatch(shade) is None:
        errors.append(field_error(RESOURCE, "color", "invalid"))
    if errors:
        raise validation_failed(errors)
    label = Label(label_id(repository.full_name, name), name, shade.lower(), description)
    repository.labels[name.lower()] = label
    state.publish("label", "created", repository, sender, label)
    return label


def ensure_label(
    state: SimulatedGitHub, repository: Repository, name: str, *, sender: str
) -> Label:
    """The repository's label `name`, created (grey, no description) when it has none."""
    found = find_label(repository, name)
    return found if found is not None else create_label(state, repository, name, sender=sender)
