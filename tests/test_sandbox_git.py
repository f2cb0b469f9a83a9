import pytest

from app.sandbox import SimulatedGitHub
from app.sandbox.git import GitStore, Signature, blob_sha, diff_trees, normalise_path

ALICE = Signature("alice", "alice@example.test", 1_800_000_000.0)


def test_blob_shas_are_gits() -> None:
    # `printf 'hello\n' | git hash-object --stdin`
    assert blob_sha(b"hello\n") == "ce013625030ba8dba906f756967f9e9ca394464a"


def test_commits_keep_full_trees_and_parents() -> None:
    git = GitStore()
    root = git.commit((), {"a.txt": "1", "src/b.py": "print()"}, message="root", author=ALICE)
    child = git.commit([root.sha], {"a.txt": "2", "src/b.py": None}, message="child", author=ALICE)
    assert git.files_at(root.sha) == {"a.txt": b"1", "src/b.py": b"print()"}
    assert git.files_at(child.sha) == {"a.txt": b"2"}
    assert child.parents == (root.sha,)
    assert git.read(child.sha, "/a.txt") == b"2"


def test_the_same_history_has_the_same_shas() -> None:
    first, second = GitStore(), GitStore()
    assert (
        first.commit((), {"x": "1"}, message="m", author=ALICE).sha
        == second.commit((), {"x": "1"}, message="m", author=ALICE).sha
    )


def test_merge_base_and_ahead_behind() -> None:
    git = GitStore()
    root = git.commit((), {"a": "1"}, message="root", author=ALICE)
    main = git.commit([root.sha], {"m": "1"}, message="main", author=ALICE)
    topic1 = git.commit([root.sha], {"t": "1"}, message="t1", author=ALICE)
    topic2 = git.commit([topic1.sha], {"t": "2"}, message="t2", author=ALICE)
    assert git.merge_base(main.sha, topic2.sha) == root.sha
    assert git.ahead_behind(main.sha, topic2.sha) == (2, 1)
    assert [c.sha for c in git.commits_between(main.sha, topic2.sha)] == [topic1.sha, topic2.sha]
    assert git.is_ancestor(root.sha, topic2.sha) and not git.is_ancestor(main.sha, topic2.sha)


def test_a_file_changed_on_both_sides_is_a_conflict() -> None:
    git = GitStore()
    root = git.commit((), {"a": "1", "b": "1"}, message="root", author=ALICE)
    ours = git.commit([root.sha], {"a": "ours"}, message="ours", author=ALICE)
    theirs = git.commit([root.sha], {"a": "theirs", "b": "2"}, message="theirs", author=ALICE)
    result = git.merge(root.sha, ours.sha, theirs.sha)
    assert not result.clean and result.conflicts == ("a",)
    clean = git.commit([root.sha], {"b": "2", "c": "new"}, message="other", author=ALICE)
    merged = git.merge(root.sha, ours.sha, clean.sha)
    assert merged.clean
    assert merged.tree is not None and set(merged.tree) == {"a", "b", "c"}


def test_the_same_change_on_both_sides_merges() -> None:
    git = GitStore()
    root = git.commit((), {"a": "1"}, message="root", author=ALICE)
    one = git.commit([root.sha], {"a": "2"}, message="one", author=ALICE)
    two = git.commit([root.sha], {"a": "2"}, message="two", author=ALICE)
    assert git.merge(root.sha, one.sha, two.sha).clean


def test_diff_statuses() -> None:
    changes = diff_trees({"a": "1", "b": "1"}, {"a": "2", "c": "1"})
    assert [(c.path, c.status) for c in changes] == [
        ("a", "modified"),
        ("b", "removed"),
        ("c", "added"),
    ]


@pytest.mark.parametrize("path", ["", "/", "../etc/passwd", "a/../../b"])
def test_paths_that_escape_are_refused(path: str) -> None:
    with pytest.raises(ValueError):
        normalise_path(path)


def test_state_commits_move_branches_and_synchronise_prs() -> None:
    state = SimulatedGitHub()
    installation = state.add_installation("acme")
    state.add_repository(installation, "api")
    state.commit("acme/api", "feature", {"src/app.py": "v1"}, author="alice")
    pull = state.open_pull("acme/api", "Feature", head_ref="feature")
    assert state.mergeability(pull) == (True, "clean")
    second = state.commit("acme/api", "feature", {"src/app.py": "v2"}, author="alice")
    assert pull.head_sha == second.sha
    labels = [event.label for event in state.published]
    assert labels == ["push", "pull_request.opened", "push", "pull_request.synchronize"]
    synchronize = state.published[-1]
    assert synchronize.details["after"] == second.sha


def test_mergeability_reports_conflicts_and_behind() -> None:
    from app.sandbox.models import BranchProtection

    state = SimulatedGitHub()
    installation = state.add_installation("acme")
    repository = state.add_repository(installation, "api")
    state.commit("acme/api", "feature", {"README.md": "feature"}, author="alice")
    pull = state.open_pull("acme/api", "Feature", head_ref="feature")
    state.commit("acme/api", "main", {"other.txt": "x"}, author="bob")
    repository.protections["main"] = BranchProtection(require_up_to_date=True)
    assert state.mergeability(pull) == (True, "behind")
    state.commit("acme/api", "main", {"README.md": "main"}, author="bob")
    assert state.mergeability(pull) == (False, "dirty")
    made_up = state.open_pull("acme/api", "Fake", head_sha="f" * 40, head_ref="fake")
    assert state.mergeability(made_up) == (None, "unknown")
