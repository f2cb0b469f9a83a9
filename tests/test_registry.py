"""The actions `.paasbot.yml` may name: those paasbot carries out (`app/actions/registry.py`) and
those whose options are validated ahead of the release that runs them (`app/actions/planned.py`),
with the strict options every action shares (`app/actions/options.py`). Pure."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from app.actions.check import CheckOptions
from app.actions.comment import CommentOptions
from app.actions.coverage import CoverageOptions
from app.actions.label import LabelOptions
from app.actions.lint import LintOptions
from app.actions.merge import MergeOptions
from app.actions.options import ActionOptions
from app.actions.propagate import RELEASE_OPTIONS, PropagateOptions
from app.actions.registry import ACTIONS, OPTIONS
from app.actions.request_reviews import RequestReviewsOptions
from app.actions.update_branch import UpdateBranchOptions


def test_the_actions_carried_out_today() -> None:
    assert {name: action.options for name, action in ACTIONS.items()} == {
        "label": LabelOptions,
        "comment": CommentOptions,
        "check": CheckOptions,
        "request_reviews": RequestReviewsOptions,
        "coverage": CoverageOptions,
        "lint": LintOptions,
        "merge": MergeOptions,
        "update_branch": UpdateBranchOptions,
    }
    for name, action in ACTIONS.items():
        assert action.name == name
    # Coverage, lint and branch updates act only while their rule matches; the others undo,
    # report or settle.
    unmatched = {name for name, action in ACTIONS.items() if action.plans_when_unmatched}
    assert unmatched == {"label", "comment", "check", "request_reviews", "merge"}


def test_every_action_named_has_options_and_none_is_both_planned_and_carried_out() -> None:
    assert set(OPTIONS) == set(ACTIONS) | set(RELEASE_OPTIONS)
    assert not set(ACTIONS) & set(RELEASE_OPTIONS)
    assert set(RELEASE_OPTIONS) == {"propagate"}
    for options in OPTIONS.values():
        assert issubclass(options, ActionOptions)


@pytest.mark.parametrize("options", list(OPTIONS.values()), ids=list(OPTIONS))
def test_every_option_model_forbids_unknown_keys_and_is_frozen(
    options: type[ActionOptions],
) -> None:
    config = options.model_config
    assert (config.get("extra"), config.get("strict"), config.get("frozen")) == (
        "forbid",
        True,
        True,
    )


@pytest.mark.parametrize(
    ("options", "raw"),
    [
        pytest.param(RequestReviewsOptions, {}, id="request_reviews, defaults"),
        pytest.param(
            RequestReviewsOptions,
            {"users": ["bob"], "teams": ["backend"], "count": 2, "strategy": "random"},
            id="request_reviews",
        ),
        pytest.param(CoverageOptions, {"patch_target": "80%", "project_target": 75}, id="cov"),
        pytest.param(CoverageOptions, {"project_threshold": " 0.5 % "}, id="cov, spaced"),
        pytest.param(LintOptions, {"filter": "file", "max_annotations": 0}, id="lint"),
        pytest.param(UpdateBranchOptions, {"method": "rebase", "when": "queued"}, id="update"),
        pytest.param(UpdateBranchOptions, {"comment": True}, id="update, comment"),
        pytest.param(MergeOptions, {"method": "squash", "delete_branch": True}, id="merge"),
        pytest.param(
            PropagateOptions,
            {"package": "widgets", "ecosystem": "pip", "to": ["acme/api", "acme/web.site"]},
            id="propagate",
        ),
    ],
)
def test_valid_planned_options(options: type[ActionOptions], raw: dict[str, Any]) -> None:
    options.model_validate(raw)


@pytest.mark.parametrize(
    ("options", "raw", "message"),
    [
        pytest.param(RequestReviewsOptions, {"count": 0}, "greater than or equal to 1", id="0"),
        pytest.param(RequestReviewsOptions, {"count": 16}, "less than or equal to 15", id="16"),
        pytest.param(RequestReviewsOptions, {"count": "2"}, "valid integer", id="count as text"),
        pytest.param(RequestReviewsOptions, {"strategy": "fair"}, "round_robin", id="strategy"),
        pytest.param(RequestReviewsOptions, {"users": [""]}, "at least 1 character", id="login"),
        pytest.param(CoverageOptions, {"patch_target": "101%"}, "less than or equal", id="101%"),
        pytest.param(CoverageOptions, {"patch_target": "-1"}, "valid number", id="negative"),
        pytest.param(CoverageOptions, {"patch_target": True}, "valid number", id="a boolean"),
        pytest.param(CoverageOptions, {"patch_target": "80"}, "valid number", id="text, no %"),
        pytest.param(CoverageOptions, {"wait_for": 0}, "greater than or equal to 1", id="wait"),
        pytest.param(LintOptions, {"fail_on": "fatal"}, "'error'", id="fail_on"),
        pytest.param(MergeOptions, {"method": "fast-forward"}, "'merge'", id="merge method"),
        pytest.param(MergeOptions, {"delete_branch": "yes"}, "valid boolean", id="strict bool"),
        pytest.param(PropagateOptions, {"ecosystem": "pip", "to": ["a/b"]}, "package", id="pkg"),
        pytest.param(
            PropagateOptions,
            {"package": "w", "ecosystem": "pip", "to": []},
            "say where the dependents are",
            id="nowhere",
        ),
        pytest.param(
            PropagateOptions,
            {"package": "w", "ecosystem": "pip", "to": ["api"]},
            "should match pattern",
            id="not owner/name",
        ),
        pytest.param(UpdateBranchOptions, {"strategy": "merge"}, "Extra inputs", id="unknown"),
        pytest.param(UpdateBranchOptions, {"method": "squash"}, "'merge' or 'rebase'", id="squash"),
        pytest.param(UpdateBranchOptions, {"when": "never"}, "'always' or 'queued'", id="when"),
        pytest.param(UpdateBranchOptions, {"comment": "yes"}, "valid boolean", id="comment"),
    ],
)
def test_invalid_planned_options(
    options: type[ActionOptions], raw: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValidationError, match=message):
        options.model_validate(raw)


@pytest.mark.parametrize(
    ("raw", "value"),
    [("80%", 80.0), (80, 80.0), (80.5, 80.5), ("99.9 %", 99.9), (0, 0.0), ("100%", 100.0)],
)
def test_a_percentage_is_a_number(raw: object, value: float) -> None:
    assert CoverageOptions.model_validate({"patch_target": raw}).patch_target == value


def test_a_propagate_tag_pattern_must_capture_the_version() -> None:
    base = {"package": "acme-auth", "ecosystem": "pip", "to": ["acme/api"]}
    assert PropagateOptions.model_validate({**base, "tag_pattern": r"auth-(?P<version>.+)"})
    with pytest.raises(ValidationError, match="must capture the version"):
        PropagateOptions.model_validate({**base, "tag_pattern": r"auth-(.+)"})
