"""Every action `.paasbot.yml` may name: those paasbot carries out on pull requests, and those
of release rules (`propagate`), which the release handler carries out."""

from __future__ import annotations

from app.actions.base import Action
from app.actions.check import CheckAction
from app.actions.comment import CommentAction
from app.actions.coverage import CoverageAction
from app.actions.label import LabelAction
from app.actions.lint import LintAction
from app.actions.merge import MergeAction
from app.actions.options import ActionOptions
from app.actions.propagate import RELEASE_OPTIONS
from app.actions.request_reviews import RequestReviewsAction
from app.actions.update_branch import UpdateBranchAction

ACTIONS: dict[str, Action] = {
    action.name: action
    for action in (
        LabelAction(),
        CommentAction(),
        CheckAction(),
        RequestReviewsAction(),
        CoverageAction(),
        LintAction(),
        MergeAction(),
        UpdateBranchAction(),
    )
}

OPTIONS: dict[str, type[ActionOptions]] = {
    **RELEASE_OPTIONS,
    **{name: action.options for name, action in ACTIONS.items()},
}
