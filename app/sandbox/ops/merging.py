"""Merging pull requests (merge commit, squash, rebase) and updating their branches (merging the
base in, or rebasing onto it), with the refusals GitHub answers when they cannot happen."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from app.sandbox.errors import ApiError, field_error, validation_failed
from app.sandbox.git import Commit, Signature, merge_trees
from app.sandbox.models import PullRequest, Repository
from app.sandbox.ops.access import ensure_actor, require_pull
from app.sandbox.ops.errors import not_mergeable
from app.sandbox.ops.protection import protection_failures
from app.sandbox.state import SimulatedGitHub

MERGE_METHODS = ("merge", "squash", "rebase")
METHOD_NOT_ALLOWED = {
    "merge": "Merge commits are not allowed on this repository.",
    "squash": "Squash merges are not allowed on this repository.",
    "rebase": "Rebase merges are not allowed on this repository.",
}
HEAD_MODIFIED = "Head branch was modified. Review and try the merge again."
NOT_MERGEABLE = "Pull Request is not mergeable"
STILL_DRAFT = "Pull Request is still a draft"
CANNOT_REBASE = "This branch can't be rebased"
MERGED = "Pull Request successfully merged"
EXPECTED_HEAD_MISMATCH = "expected head sha didn't match current head ref."
NOTHING_TO_UPDATE = "There are no new commits on the base branch."
UPDATE_CONFLICT = "merge conflict"
CLOSED_UPDATE = "Cannot update the branch of a closed pull request."


@dataclass(frozen=True)
class MergeOutcome:
    sha: str
    merged: bool
    message: str


@dataclass(frozen=True)
class MergeMessage:
    title: str | None = None
    body: str | None = None


def merge_pull(
    state: SimulatedGitHub,
    repo: str,
    number: int,
    method: str = "merge",
    sha: str | None = None,
    *,
    by: str,
    message: MergeMessage | None = None,
) -> MergeOutcome:
    """Merges the PR into its base, moving the base branch (a push) and closing the PR, or
    raises `ApiError` with GitHub's status and message."""
    repository = state.repository(repo)
    pull = require_pull(state, repo, number)
    _check_request(repository, pull, method, sha)
    _check_mergeable(state, pull)
    ensure_actor(state, by)
    base_tip = repository.branches[pull.base_ref]
    signature = state.signature(by)
    if method == "rebase":
        created = _rebase(state, pull, base_tip, signature)
    else:
        tree = _merged_tree(state, pull, base_tip)
        parents = (base_tip, pull.head_sha) if method == "merge" else (base_tip,)
        text = _merge_message(state, pull, method, base_tip, message or MergeMessage())
        created = [state.git.add_commit(tree, parents, message=text, author=signature)]
    _finish(state, repository, pull, base_tip, created, by)
    return MergeOutcome(sha=created[-1].sha, merged=True, message=MERGED)


def _check_request(repository: Repository, pull: PullRequest, method: str, sha: str | None) -> None:
    if pull.state != "open":
        raise not_mergeable(NOT_MERGEABLE)
    if method not in MERGE_METHODS:
        raise validation_failed([field_error("PullRequest", "merge_method", "invalid")])
    if sha is not None and sha != pull.head_sha:
        raise ApiError(409, HEAD_MODIFIED)
    if method not in repository.allowed_merge_methods:
        raise not_mergeable(METHOD_NOT_ALLOWED[method])


def _check_mergeable(state: SimulatedGitHub, pull: PullRequest) -> None:
    if pull.draft:
        raise not_mergeable(STILL_DRAFT)
    mergeable, _ = state.mergeability(pull)
    if not mergeable:
        raise not_mergeable(NOT_MERGEABLE)
    failures = protection_failures(state, pull)
    if failures:
        raise not_mergeable(failures[0])


def _merged_tree(state: SimulatedGitHub, pull: PullRequest, base_tip: str) -> Mapping[str, str]:
    merge_base = state.git.merge_base(base_tip, pull.head_sha) or ""
    result = state.git.merge(merge_base, base_tip, pull.head_sha)
    if result.tree is None:
        raise not_mergeable(NOT_MERGEABLE)
    return result.tree


def _merge_message(
    state: SimulatedGitHub, pull: PullRequest, method: str, base_tip: str, message: MergeMessage
) -> str:
    """GitHub's default titles and bodies for merge and squash commits."""
    if method == "merge":
        owner = state.head_repository(pull).owner
        title = message.title or f"Merge pull request #{pull.number} from {owner}/{pull.head_ref}"
        body = pull.title if message.body is None else message.body
    else:
        title = message.title or f"{pull.title} (#{pull.number})"
        commits = state.git.commits_between(base_tip, pull.head_sha)
        default = "\n\n".join(f"* {commit.message}" for commit in commits)
        body = default if message.body is None else message.body
    return f"{title}\n\n{body}" if body else title


def replay_trees(
    state: SimulatedGitHub, pull: PullRequest, base_tip: str
) -> list[tuple[Commit, dict[str, str]]] | None:
    """The tree each of the PR's commits gets when replayed onto `base_tip` (merge commits are
    dropped, as a rebase does), or None when one of them conflicts."""
    git = state.git
    tree: Mapping[str, str] = git.commits[base_tip].tree
    replayed: list[tuple[Commit, dict[str, str]]] = []
    for commit in git.commits_between(base_tip, pull.head_sha):
        if len(commit.parents) > 1:
            continue
        parent_tree = git.commits[commit.parents[0]].tree if commit.parents else {}
        result = merge_trees(parent_tree, tree, commit.tree)
        if result.tree is None:
            return None
        tree = result.tree
        replayed.append((commit, result.tree))
    return replayed


def rebaseable(state: SimulatedGitHub, pull: PullRequest) -> bool | None:
    mergeable, _ = state.mergeability(pull)
    if mergeable is None:
        return None
    base_tip = state.repository(pull.repo_full_name).branches[pull.base_ref]
    return mergeable and replay_trees(state, pull, base_tip) is not None


def _rebase(
    state: SimulatedGitHub, pull: PullRequest, base_tip: str, committer: Signature
) -> list[Commit]:
    """Replays the commits with their authors and messages; the merger commits them."""
    replayed = replay_trees(state, pull, base_tip)
    if replayed is None:
        raise not_mergeable(CANNOT_REBASE)
    created: list[Commit] = []
    parent = base_tip
    for original, tree in replayed:
        commit = state.git.add_commit(
            tree, (parent,), message=original.message, author=original.author, committer=committer
        )
        created.append(commit)
        parent = commit.sha
    if not created:
        raise not_mergeable(CANNOT_REBASE)
    return created


def _finish(
    state: SimulatedGitHub,
    repository: Repository,
    pull: PullRequest,
    base_tip: str,
    created: list[Commit],
    by: str,
) -> None:
    """Moves the base branch (publishing the push, which lists every commit new to the base: a
    merge commit brings the PR's commits along), then closes the PR as merged."""
    pushed = state.git.commits_between(base_tip, created[-1].sha)
    state.move_branch(repository, pull.base_ref, created[-1].sha, sender=by, commits=pushed)
    now = state.now()
    pull.base_sha = base_tip
    pull.state, pull.merged = "closed", True
    pull.closed_at = pull.merged_at = pull.updated_at = now
    pull.merged_by, pull.merge_commit_sha = by, created[-1].sha
    state.publish("pull_request", "closed", repository, by, pull)


def update_branch(
    state: SimulatedGitHub,
    repo: str,
    number: int,
    expected_head_sha: str | None = None,
    *,
    sender: str | None = None,
) -> Commit:
    """Merges the base branch into the head branch (a push and a ``synchronize``), by `sender`,
    the PR's author unless told otherwise."""
    pull = require_pull(state, repo, number)
    base_tip = _updatable(state, pull, expected_head_sha)
    tree = _update_tree(state, pull, base_tip)
    actor = sender or pull.author
    ensure_actor(state, actor)
    commit = state.git.add_commit(
        tree,
        (pull.head_sha, base_tip),
        message=f"Merge branch '{pull.base_ref}' into {pull.head_ref}",
        author=state.signature(actor),
    )
    pull.base_sha = base_tip
    head_repository = state.head_repository(pull)
    state.move_branch(head_repository, pull.head_ref, commit.sha, sender=actor, commits=[commit])
    return commit


def rebase_update(
    state: SimulatedGitHub,
    repo: str,
    number: int,
    expected_head_sha: str | None = None,
    *,
    sender: str | None = None,
) -> Commit:
    """Replays the head's commits onto the base branch's tip (merge commits dropped, authors and
    messages kept, committed by `sender`) and force-moves the head branch: a forced push and a
    ``synchronize``. Returns the new head commit."""
    pull = require_pull(state, repo, number)
    base_tip = _updatable(state, pull, expected_head_sha)
    if not (state.git.has_commit(base_tip) and state.git.has_commit(pull.head_sha)):
        raise ApiError(422, CANNOT_REBASE)
    if replay_trees(state, pull, base_tip) is None:
        raise ApiError(422, CANNOT_REBASE)
    actor = sender or pull.author
    ensure_actor(state, actor)
    created = _rebase(state, pull, base_tip, state.signature(actor))
    pull.base_sha = base_tip
    state.move_branch(
        state.head_repository(pull),
        pull.head_ref,
        created[-1].sha,
        sender=actor,
        commits=created,
        forced=True,
    )
    return created[-1]


def _updatable(state: SimulatedGitHub, pull: PullRequest, expected_head_sha: str | None) -> str:
    """The base branch's tip the head can be brought up to, or GitHub's 422 refusals."""
    if pull.state != "open":
        raise ApiError(422, CLOSED_UPDATE)
    if expected_head_sha is not None and expected_head_sha != pull.head_sha:
        raise ApiError(422, EXPECTED_HEAD_MISMATCH)
    base_tip = state.repository(pull.repo_full_name).branches[pull.base_ref]
    if state.git.is_ancestor(base_tip, pull.head_sha):
        raise ApiError(422, NOTHING_TO_UPDATE)
    return base_tip


def _update_tree(state: SimulatedGitHub, pull: PullRequest, base_tip: str) -> Mapping[str, str]:
    git = state.git
    if not (git.has_commit(base_tip) and git.has_commit(pull.head_sha)):
        raise ApiError(422, UPDATE_CONFLICT)
    merge_base = git.merge_base(base_tip, pull.head_sha) or ""
    result = git.merge(merge_base, pull.head_sha, base_tip)
    if result.tree is None:
        raise ApiError(422, UPDATE_CONFLICT)
    return result.tree
