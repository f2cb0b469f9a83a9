"""Git references (branches and tags) as GitHub's refs API creates, moves and deletes them,
announcing each change with the ``push``, ``create`` and ``delete`` events GitHub sends."""

from __future__ import annotations

from dataclasses import dataclass

from app.sandbox.errors import ApiError
from app.sandbox.models import Repository
from app.sandbox.state import SimulatedGitHub

ZERO_SHA = "0" * 40
MIN_SHA_PREFIX = 7
HEX_DIGITS = frozenset("0123456789abcdef")
KINDS = {"heads": "branch", "tags": "tag"}

ALREADY_EXISTS = "Reference already exists"
DOES_NOT_EXIST = "Reference does not exist"
NO_SUCH_OBJECT = "Object does not exist"
NOT_FAST_FORWARD = "Update is not a fast forward"
BAD_NAME = "Reference name must contain at least three slash-separated components."


@dataclass(frozen=True)
class RefName:
    kind: str  # heads | tags
    name: str

    @property
    def full(self) -> str:
        return f"refs/{self.kind}/{self.name}"

    @property
    def ref_type(self) -> str:
        return KINDS[self.kind]

    @classmethod
    def branch(cls, name: str) -> RefName:
        return cls("heads", name)

    @classmethod
    def tag(cls, name: str) -> RefName:
        return cls("tags", name)


def parse_ref(ref: str) -> RefName | None:
    """``heads/x``, ``refs/heads/x``, ``tags/v1``...; None for anything else."""
    kind, _, name = ref.removeprefix("refs/").partition("/")
    if kind not in KINDS or not name or name.endswith("/") or "//" in name:
        return None
    return RefName(kind, name)


def parse_full_ref(ref: str) -> RefName:
    """A name given in full (``refs/heads/x``), as creating a reference requires."""
    parsed = parse_ref(ref) if ref.startswith("refs/") else None
    if parsed is None:
        raise ApiError(422, BAD_NAME)
    return parsed


def _table(repository: Repository, ref: RefName) -> dict[str, str]:
    return repository.branches if ref.kind == "heads" else repository.tags


def read_ref(repository: Repository, ref: RefName) -> str | None:
    return _table(repository, ref).get(ref.name)


def all_refs(repository: Repository) -> list[tuple[RefName, str]]:
    """Every branch and tag, sorted by full name as git lists them."""
    refs = [(RefName.branch(name), sha) for name, sha in repository.branches.items()]
    refs += [(RefName.tag(name), sha) for name, sha in repository.tags.items()]
    return sorted(refs, key=lambda item: item[0].full)


def create_ref(
    state: SimulatedGitHub, repository: Repository, ref: RefName, sha: str, *, sender: str
) -> None:
    if read_ref(repository, ref) is not None:
        raise ApiError(422, ALREADY_EXISTS)
    _require_commit(state, sha)
    _point(state, repository, ref, sha, sender=sender, forced=False)
    state.publish("create", None, repository, sender, ref=ref.name, ref_type=ref.ref_type)


def update_ref(
    state: SimulatedGitHub,
    repository: Repository,
    ref: RefName,
    sha: str,
    *,
    force: bool,
    sender: str,
) -> None:
    current = read_ref(repository, ref)
    if current is None:
        raise ApiError(422, DOES_NOT_EXIST)
    _require_commit(state, sha)
    fast_forward = state.git.is_ancestor(current, sha)
    if not (fast_forward or force):
        raise ApiError(422, NOT_FAST_FORWARD)
    _point(state, repository, ref, sha, sender=sender, forced=not fast_forward)


def delete_ref(
    state: SimulatedGitHub, repository: Repository, ref: RefName, *, sender: str
) -> None:
    """GitHub closes the open pull requests whose head branch is deleted."""
    current = read_ref(repository, ref)
    if current is None:
        raise ApiError(422, DOES_NOT_EXIST)
    del _table(repository, ref)[ref.name]
    state.publish(
        "push",
        None,
        repository,
        sender,
        ref=ref.full,
        before=current,
        after=ZERO_SHA,
        commits=[],
        created=False,
        deleted=True,
        forced=False,
    )
    state.publish("delete", None, repository, sender, ref=ref.name, ref_type=ref.ref_type)
    if ref.kind == "heads":
        _close_pulls_from(state, repository, ref.name, sender)


def _require_commit(state: SimulatedGitHub, sha: str) -> None:
    if not state.git.has_commit(sha):
        raise ApiError(422, NO_SUCH_OBJECT)


def _point(
    state: SimulatedGitHub,
    repository: Repository,
    ref: RefName,
    sha: str,
    *,
    sender: str,
    forced: bool,
) -> None:
    before = read_ref(repository, ref)
    commits = state.git.commits_between(before, sha) if before else []
    if ref.kind == "heads":
        state.move_branch(repository, ref.name, sha, sender=sender, commits=commits, forced=forced)
        return
    repository.tags[ref.name] = sha
    state.publish(
        "push",
        None,
        repository,
        sender,
        ref=ref.full,
        before=before or ZERO_SHA,
        after=sha,
        commits=commits,
        created=before is None,
        forced=forced,
    )


def _close_pulls_from(
    state: SimulatedGitHub, repository: Repository, branch: str, sender: str
) -> None:
    for pull in state.pulls_in(repository.full_name):
        if pull.state == "open" and pull.head_ref == branch:
            state.close_pull(repository.full_name, pull.number)
            state.publish("pull_request", "closed", repository, sender, pull)


def resolve_commit(state: SimulatedGitHub, repository: Repository, ref: str) -> str | None:
    """The commit a commit-ish names: a SHA (or an unambiguous prefix of at least 7 digits), a
    branch or a tag, each optionally qualified (``heads/x``, ``refs/tags/v1``)."""
    if state.git.has_commit(ref):
        return ref
    qualified = parse_ref(ref)
    candidates = [qualified] if qualified else [RefName.branch(ref), RefName.tag(ref)]
    for candidate in candidates:
        sha = read_ref(repository, candidate)
        if sha is not None and state.git.has_commit(sha):
            return sha
    return _unique_prefix(state, ref)


def _unique_prefix(state: SimulatedGitHub, prefix: str) -> str | None:
    if len(prefix) < MIN_SHA_PREFIX or not all(char in HEX_DIGITS for char in prefix.lower()):
        return None
    matches = [sha for sha in state.git.commits if sha.startswith(prefix.lower())]
    return matches[0] if len(matches) == 1 else None
