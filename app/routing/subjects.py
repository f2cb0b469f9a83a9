"""Subjects: the units of work. A burst of events about one subject makes one evaluation."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class SubjectKind(StrEnum):
    PULL_REQUEST = "pull_request"
    RELEASE = "release"
    INSTALLATION = "installation"
    # A repository whose open-PR index must be (re)listed from the API before statuses and pushes
    # can be mapped to its PRs.
    REPOSITORY_INDEX = "repository_index"


@dataclass(frozen=True)
class SubjectRef:
    kind: SubjectKind
    installation_id: int | None
    repository: str | None = None
    number: int | None = None
    name: str | None = None

    @property
    def key(self) -> str:
        match self.kind:
            case SubjectKind.PULL_REQUEST:
                return f"{self.repository}#{self.number}"
            case SubjectKind.RELEASE:
                return f"{self.repository}@{self.name}"
            case SubjectKind.INSTALLATION:
                return f"installation/{self.installation_id}"
            case SubjectKind.REPOSITORY_INDEX:
                return f"{self.repository}/open-pulls"
        raise ValueError(f"unknown subject kind {self.kind}")


def pull_request(installation_id: int | None, repository: str, number: int) -> SubjectRef:
    return SubjectRef(SubjectKind.PULL_REQUEST, installation_id, repository, number)
