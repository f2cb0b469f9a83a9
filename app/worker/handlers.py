"""Which handler evaluates which kind of subject."""

from __future__ import annotations

from app.routing.subjects import SubjectKind
from app.worker.context import Handler
from app.worker.installation import sync_installation
from app.worker.pull_request import evaluate_pull_request
from app.worker.release import propagate_release
from app.worker.repository_index import list_open_pulls

HANDLERS: dict[SubjectKind, Handler] = {
    SubjectKind.PULL_REQUEST: evaluate_pull_request,
    SubjectKind.REPOSITORY_INDEX: list_open_pulls,
    SubjectKind.INSTALLATION: sync_installation,
    SubjectKind.RELEASE: propagate_release,
}
