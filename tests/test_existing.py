"""What to do about the bump PRs a dependent already has."""

from __future__ import annotations

import pytest

from app.bumps.existing import Decision, DecisionKind, PullInfo, compare_versions, decide
from app.bumps.pr_text import branch_name, marker

REPO = "acme/shop"
BRANCH = "paasbot/bump-acme-auth-1.4.0"

OPEN, ALREADY_OPEN, EDITED, MERGED, CLOSED, BRANCH_TAKEN, NEWER_OPEN = (
    DecisionKind.OPEN,
    DecisionKind.ALREADY_OPEN,
    DecisionKind.EDITED,
    DecisionKind.MERGED,
    DecisionKind.CLOSED,
    DecisionKind.BRANCH_TAKEN,
    DecisionKind.NEWER_OPEN,
)


def pull(
    number: int,
    version: str | None = "1.4.0",
    *,
    state: str = "open",
    merged: bool = False,
    ours: bool = True,
    author: str = "Bot",
    head_repo: str | None = REPO,
    package: str = "acme-auth",
    head_ref: str | None = None,
) -> PullInfo:
    body = f"Bumps things.\n\n{marker(package, version)}" if version else "Bumps things."
    return PullInfo(
        number=number,
        state="closed" if merged else state,
        merged=merged,
        head_ref=head_ref or branch_name(package, version or "1.4.0"),
        head_repo=head_repo,
        base_repo=REPO,
        author_type=author,
        body=body,
        html_url=f"https://github.com/{REPO}/pull/{number}",
        head_is_ours=ours,
    )


CASES = [
    pytest.param([], OPEN, None, "opening a PR bumping acme-auth to 1.4.0", id="none"),
    pytest.param([pull(5)], ALREADY_OPEN, 5, "#5 already bumps acme-auth to 1.4.0", id="open"),
    pytest.param(
        [pull(5, ours=False)],
        EDITED,
        5,
        "#5 bumping acme-auth to 1.4.0 was edited by a person: left alone",
        id="edited",
    ),
    pytest.param(
        [pull(5, merged=True)], MERGED, 5, "#5 bumping acme-auth to 1.4.0 was merged", id="merged"
    ),
    pytest.param(
        [pull(5, state="closed")],
        CLOSED,
        5,
        "#5 bumping acme-auth to 1.4.0 was closed without merging: not reopened",
        id="closed",
    ),
    pytest.param(
        [pull(7, head_ref=BRANCH, author="User", version=None)],
        BRANCH_TAKEN,
        7,
        f"the branch {BRANCH} is used by #7",
        id="branch used by a person's PR",
    ),
    pytest.param(
        [pull(7, version=None)],
        BRANCH_TAKEN,
        7,
        f"the branch {BRANCH} is used by #7",
        id="marker removed from paasbot's PR",
    ),
    pytest.param(
        [pull(7, head_ref=BRANCH, author="User", version=None, state="closed")],
        BRANCH_TAKEN,
        7,
        f"the branch {BRANCH} was used by #7",
        id="branch used by a closed PR",
    ),
    pytest.param(
        [pull(9, "1.5.0")],
        NEWER_OPEN,
        9,
        "#9 already bumps acme-auth to 1.5.0, newer than 1.4.0",
        id="newer open",
    ),
    pytest.param(
        [pull(9, "1.10.0", ours=False)],
        NEWER_OPEN,
        9,
        "#9 already bumps acme-auth to 1.10.0, newer than 1.4.0",
        id="newer open, edited",
    ),
    # precedence: this version's PR first, by state
    pytest.param([pull(4, merged=True), pull(5)], ALREADY_OPEN, 5, None, id="open over merged"),
    pytest.param(
        [pull(5, ours=False), pull(4, state="closed")], EDITED, 5, None, id="edited over closed"
    ),
    pytest.param([pull(4, state="closed"), pull(6, merged=True)], MERGED, 6, None, id="merged"),
    pytest.param([pull(3), pull(8)], ALREADY_OPEN, 8, None, id="two open: the newest"),
    pytest.param(
        [pull(9, "1.5.0"), pull(5, state="closed")], CLOSED, 5, None, id="closed over newer"
    ),
    pytest.param(
        [pull(9, "1.5.0"), pull(7, version=None, author="User")],
        BRANCH_TAKEN,
        7,
        None,
        id="branch taken over newer",
    ),
    pytest.param(
        [pull(7, version=None, author="User", state="closed"), pull(8, version=None)],
        BRANCH_TAKEN,
        8,
        None,
        id="an open taker named first",
    ),
    pytest.param([pull(5), pull(9, "1.5.0")], ALREADY_OPEN, 5, None, id="same over newer"),
    pytest.param(
        [pull(9, "1.6.0"), pull(11, "1.5.0"), pull(12, "1.6.0", ours=False)],
        NEWER_OPEN,
        12,
        "#12 already bumps acme-auth to 1.6.0, newer than 1.4.0",
        id="the newest version named",
    ),
    # not paasbot's bump PRs of this package
    pytest.param([pull(5, author="User")], BRANCH_TAKEN, 5, None, id="a person's PR, marker"),
    pytest.param(
        [pull(5, head_repo="someone/shop")], OPEN, None, None, id="from a fork, marker copied"
    ),
    pytest.param([pull(5, head_repo=None)], OPEN, None, None, id="head repository deleted"),
    pytest.param([pull(5, package="acme-auth-extra")], OPEN, None, None, id="another package"),
    pytest.param(
        [pull(5, package="Acme_Auth", head_ref="x")], OPEN, None, None, id="name spelled otherwise"
    ),
    pytest.param([pull(9, "1.5.0", state="closed")], OPEN, None, None, id="newer but closed"),
    pytest.param([pull(9, "1.5.0", merged=True)], OPEN, None, None, id="newer but merged"),
]


@pytest.mark.parametrize(("pulls", "kind", "number", "reason"), CASES)
def test_decide(pulls, kind, number, reason):
    decision = decide(pulls, "acme-auth", "1.4.0")
    assert decision.kind is kind
    assert (decision.pull.number if decision.pull else None) == number
    if reason is not None:
        assert decision.reason == reason
    if kind is not OPEN:
        assert (decision.supersede, decision.keep) == ((), ())


def test_open_supersedes_untouched_older_prs_and_keeps_edited_ones():
    pulls = [
        pull(2, "1.2.0", ours=False),
        pull(3, "1.3.0"),
        pull(1, "1.3.0rc1"),
        pull(4, "1.3.1", state="closed"),
        pull(6, "1.3.2", merged=True),
        pull(8, "1.0.0", package="acme-cli"),
    ]
    decision = decide(pulls, "acme-auth", "1.4.0")
    assert decision == Decision(
        DecisionKind.OPEN,
        "opening a PR bumping acme-auth to 1.4.0; superseding #1, #3; "
        "leaving #2 (edited by a person) open",
        None,
        (pulls[2], pulls[1]),
        (pulls[0],),
    )


def test_only_this_versions_branch_is_taken():
    others = [pull(7, version=None, head_ref="paasbot/bump-acme-auth-1.3.0", author="User")]
    assert decide(others, "acme-auth", "1.4.0").kind is OPEN


def test_the_same_decision_whatever_the_order():
    pulls = [pull(3, "1.3.0"), pull(2, "1.2.0"), pull(4, "1.3.5", ours=False)]
    assert decide(pulls, "acme-auth", "1.4.0") == decide(pulls[::-1], "acme-auth", "1.4.0")


@pytest.mark.parametrize(
    ("left", "right", "order"),
    [
        ("1.4.0", "1.4.0", 0),
        ("1.3.0", "1.4.0", -1),
        ("1.10.0", "1.9.0", 1),
        ("2.0.0rc1", "2.0.0", -1),
        ("2.0.0", "2.0.0.post1", -1),
        ("v1.4.0", "1.5.0", -1),
        ("1.4", "1.4.0", -1),  # the same release spelled otherwise: ordered by text, never equal
        ("1.4.0-beta.2", "1.4.0-beta.10", -1),  # semver pre-releases that PEP 440 rejects
        ("2024.01-r3", "2024.01-r10", -1),
        ("release-7", "release-12", -1),
        ("release-12", "1.0.0", 1),
    ],
)
def test_compare_versions(left, right, order):
    assert compare_versions(left, right) == order
    assert compare_versions(right, left) == -order


def test_an_open_pr_for_the_version_still_supersedes_older_untouched_ones() -> None:
    # A crash after opening #9 and before closing #4: the next run closes #4, not #6 (edited).
    older, edited, current = pull(4, "1.3.0"), pull(6, "1.3.5", ours=False), pull(9)
    decision = decide([older, edited, current], "acme-auth", "1.4.0")
    assert decision.kind is ALREADY_OPEN
    assert [p.number for p in decision.supersede] == [4]
