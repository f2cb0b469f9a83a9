"""bench/final_state.py's snapshot without what the order of paasbot's evaluations legitimately
changes, so that a run with faults can be compared with a run without: two fault-free runs of the
kill benchmark's trace (whole processes, as bench/scale.py runs them) already differ in it.

Which PR of a merge queue goes first depends on which of two PRs made ready in the same tick is
evaluated first. The one that goes second is updated once more (`branch_updates`) and its checks
run on other commits (check runs are keyed by the commit's tree), with other titles on the way
("5 of 5 rules match · 4 actions waiting" against "4 of 5 · 3").

The trace ends with PRs still queued (CI does not run on the update of the next one), and the
title of a check on a queued PR's last head counts the rules that matched at its last evaluation:
whether `main` had moved by then (another merge) is timing too.

Kept: per PR all final_state keeps (its state, who merged it, labels, how many users and which
teams were asked to review, comments, review comments, reactions) but the branch updates; per
PR, paasbot's check runs on its last head (the ones a user sees on the PR at the end: status,
conclusion, annotations); the statuses paasbot posted on last heads.
What was done twice is not lost by this: bench/scale.py's `duplicated_writes` and final_state's
`duplicates` count it separately.
"""

from __future__ import annotations

from dataclasses import replace

from app.sandbox import SimulatedGitHub
from bench.final_state import CheckOutcome, FinalState, PullOutcome, StatusOutcome, capture


def order_free(state: SimulatedGitHub) -> FinalState:
    snapshot = capture(state)
    last_heads = {
        (repo, pull.head_sha): _pull_key(repo, pull.number, pull.head_ref, pull.author, state)
        for repo in state.pulls
        for pull in state.pulls_in(repo)
    }
    return FinalState(
        pulls=tuple(_without_updates(p) for p in snapshot.pulls),
        checks=_on_last_heads(state, last_heads),
        statuses=_statuses_on_last_heads(state, last_heads),
    )


def _pull_key(repo: str, number: int, head_ref: str, author: str, state: SimulatedGitHub) -> str:
    # As final_state keys PRs: paasbot's own bump PRs by branch (their numbers depend on timing).
    return f"{repo}:{head_ref}" if author == state.bot_login else f"{repo}#{number}"


def _without_updates(pull: PullOutcome) -> PullOutcome:
    return replace(pull, branch_updates=0)


def _on_last_heads(
    state: SimulatedGitHub, last_heads: dict[tuple[str, str], str]
) -> tuple[CheckOutcome, ...]:
    latest = {}
    for run in sorted(state.check_runs.values(), key=lambda r: r.id):
        pull = last_heads.get((run.repo_full_name, run.head_sha))
        if run.app_id == state.app_id and pull is not None:
            latest[f"{pull} {run.name}"] = run
    return tuple(
        CheckOutcome(
            key=key,
            status=run.status,
            conclusion=run.conclusion,
            title=None,
            annotations=tuple(
                sorted(
                    (str(a.get("path")), int(a.get("start_line") or 0), str(a.get("message")))
                    for a in run.annotations
                )
            ),
        )
        for key, run in sorted(latest.items())
    )


def _statuses_on_last_heads(
    state: SimulatedGitHub, last_heads: dict[tuple[str, str], str]
) -> tuple[StatusOutcome, ...]:
    latest: dict[str, str] = {}
    for status in state.statuses:
        pull = last_heads.get((status.repo_full_name, status.sha))
        if status.creator == state.bot_login and pull is not None:
            latest[f"{pull} {status.context}"] = status.state
    return tuple(StatusOutcome(key, value) for key, value in sorted(latest.items()))
