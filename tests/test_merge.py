"""Layers (organisation defaults, extended files, the repository's own) merged into the
configuration in force."""

from __future__ import annotations

from typing import Any

import pytest

from app.actions.label import LabelOptions
from app.actions.merge import MergeOptions
from app.actions.propagate import PropagateOptions
from app.actions.request_reviews import RequestReviewsOptions
from app.config.merge import deep_merge, merge_layers
from app.config.model import Config, ConfigLayer, Origin
from app.config.presets import preset_file, presets
from app.config.problems import ConfigInvalid
from app.config.validate import parse_config_file


def layer(text: str, file: str = ".paasbot.yml") -> ConfigLayer:
    return parse_config_file(text, file, presets=presets())


ORG = layer(
    """\
defaults:
  merge: {method: squash, delete_branch: true}
  request_reviews: {teams: [platform], count: 2, exclude: [bot]}
rules:
  - name: Label drafts
    if: [draft]
    do:
      label: {toggle: [wip]}
  - name: Merge when approved
    if: ["#approved-reviews-by>=1"]
    do:
      merge: {}
  - name: Reviews
    do:
      request_reviews: {}
""",
    "acme/.github:.paasbot.yml",
)


def rules_of(config: Config) -> list[tuple[str, str]]:
    return [(rule.name, rule.origin.file) for rule in config.rules]


def options(config: Config, rule: str, action: str) -> Any:
    (found,) = [r for r in config.rules if r.name == rule]
    (spec,) = [a for a in found.actions if a.name == action]
    return spec.options


def test_one_layer() -> None:
    config = merge_layers([ORG])
    assert rules_of(config) == [
        ("Label drafts", "acme/.github:.paasbot.yml"),
        ("Merge when approved", "acme/.github:.paasbot.yml"),
        ("Reviews", "acme/.github:.paasbot.yml"),
    ]
    assert options(config, "Merge when approved", "merge") == MergeOptions(
        method="squash", delete_branch=True
    )
    assert options(config, "Label drafts", "label") == LabelOptions(toggle=["wip"])
    assert config.sources == ("acme/.github:.paasbot.yml",)
    assert config.dry_run is False


def test_no_layers() -> None:
    config = merge_layers([])
    assert config.rules == () and config.sources == () and not config.dry_run


def test_a_later_rule_of_the_same_name_replaces_the_earlier_one_where_it_stood() -> None:
    own = layer(
        "rules:\n"
        "  - name: Mine\n"
        "  - name: ' merge WHEN approved '\n"
        "    if: ['#approved-reviews-by>=2']\n"
        "    do: {merge: {method: rebase}}\n"
    )
    config = merge_layers([ORG, own])
    assert rules_of(config) == [
        ("Label drafts", "acme/.github:.paasbot.yml"),
        (" merge WHEN approved ", ".paasbot.yml"),
        ("Reviews", "acme/.github:.paasbot.yml"),
        ("Mine", ".paasbot.yml"),
    ]
    replaced = config.rules[1]
    assert replaced.origin == Origin(".paasbot.yml", 3, 5)
    assert options(config, " merge WHEN approved ", "merge") == MergeOptions(
        method="rebase", delete_branch=True
    )


def test_enabled_false_drops_a_rule_of_an_earlier_layer() -> None:
    own = layer("rules:\n  - name: Label drafts\n    enabled: false\n")
    assert [name for name, _ in rules_of(merge_layers([ORG, own]))] == [
        "Merge when approved",
        "Reviews",
    ]


def test_a_disabled_rule_may_be_enabled_again_by_a_later_layer() -> None:
    off = layer("rules:\n  - name: Label drafts\n    enabled: false\n", "middle.yml")
    on = layer("rules:\n  - name: Label drafts\n    do: {label: {add: [draft]}}\n")
    config = merge_layers([ORG, off, on])
    assert options(config, "Label drafts", "label") == LabelOptions(add=["draft"])


def test_a_rule_off_in_a_preset_is_turned_on_by_name_as_written_there() -> None:
    preset = layer(
        "rules:\n  - name: Label drafts\n    enabled: false\n    if: [draft]\n"
        "    do: {label: {add: [draft]}}\n",
        "preset:p",
    )
    assert merge_layers([preset]).rules == ()
    own = layer("rules:\n  - name: label DRAFTS\n    enabled: true\n")
    config = merge_layers([preset, own])
    assert options(config, "Label drafts", "label") == LabelOptions(add=["draft"])
    assert config.rules[0].conditions is not None
    # A name alone that matches nothing earlier is a rule that does nothing, as before.
    assert [rule.actions for rule in merge_layers([own]).rules] == [()]


def test_a_disabled_rule_is_not_judged() -> None:
    # Its options would be incomplete; no one will run it.
    own = layer("rules:\n  - name: Off\n    enabled: false\n    do: {comment: {}}\n")
    assert merge_layers([own]).rules == ()


def test_defaults_merge_option_by_option_across_layers() -> None:
    own = layer("defaults:\n  merge: {method: rebase}\n  request_reviews: {count: 1}\n")
    config = merge_layers([ORG, own])
    assert options(config, "Merge when approved", "merge") == MergeOptions(
        method="rebase", delete_branch=True
    )
    assert options(config, "Reviews", "request_reviews") == RequestReviewsOptions(
        teams=["platform"], count=1, exclude=["bot"]
    )


def test_a_rules_own_options_override_the_defaults() -> None:
    own = layer(
        "rules:\n  - name: Reviews\n    do: {request_reviews: {teams: [api], exclude: []}}\n"
    )
    config = merge_layers([ORG, own])
    assert options(config, "Reviews", "request_reviews") == RequestReviewsOptions(
        teams=["api"], count=2, exclude=[]
    )


def test_defaults_apply_to_rules_of_earlier_layers_too() -> None:
    own = layer("defaults:\n  label: {add: [triaged]}\n")
    config = merge_layers([ORG, own])
    assert options(config, "Label drafts", "label") == LabelOptions(add=["triaged"], toggle=["wip"])


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([None], False),
        ([True], True),
        ([True, None], True),
        ([True, False], False),
        ([None, False, True], True),
    ],
)
def test_the_last_layer_that_sets_dry_run_wins(values: list[bool | None], expected: bool) -> None:
    layers = [
        layer("" if value is None else f"dry_run: {str(value).lower()}\n", f"{i}.yml")
        for i, value in enumerate(values)
    ]
    assert merge_layers(layers).dry_run is expected


@pytest.mark.parametrize(
    ("base", "override", "expected"),
    [
        ({}, {}, {}),
        ({"a": 1}, {"b": 2}, {"a": 1, "b": 2}),
        ({"a": 1}, {"a": 2}, {"a": 2}),
        ({"a": {"x": 1, "y": 1}}, {"a": {"y": 2}}, {"a": {"x": 1, "y": 2}}),
        ({"a": [1, 2]}, {"a": [3]}, {"a": [3]}),  # lists are replaced, not appended
        ({"a": {"x": 1}}, {"a": 3}, {"a": 3}),
        ({"a": 3}, {"a": {"x": 1}}, {"a": {"x": 1}}),
        ({"a": {"b": {"c": 1, "d": 1}}}, {"a": {"b": {"d": 2}}}, {"a": {"b": {"c": 1, "d": 2}}}),
    ],
)
def test_deep_merge(base: dict[str, Any], override: dict[str, Any], expected: Any) -> None:
    before = repr(base)
    assert deep_merge(base, override) == expected
    assert repr(base) == before  # the inputs are left alone


# Options complete only once the layers are merged


PROPAGATE = """\
rules:
  - name: Bump
    on: release.published
    do:
      propagate: {package: acme-auth}
"""


def test_required_options_may_come_from_another_layers_defaults() -> None:
    org = layer("defaults:\n  propagate: {ecosystem: pip, to: [acme/orders]}\n", "org.yml")
    config = merge_layers([org, layer(PROPAGATE)])
    assert options(config, "Bump", "propagate") == PropagateOptions(
        package="acme-auth", ecosystem="pip", to=["acme/orders"]
    )


def test_missing_required_options_are_reported_at_the_action_after_the_merge() -> None:
    org = layer("defaults:\n  merge: {method: squash}\n", "org.yml")
    own = layer("rules:\n  - name: Bump\n    on: release\n    do:\n      propagate: {}\n")
    with pytest.raises(ConfigInvalid) as caught:
        merge_layers([org, own])
    assert [str(problem) for problem in caught.value.problems] == [
        ".paasbot.yml:5:7: rule 'Bump': propagate: missing required option 'package'"
        " (here or in defaults:)"
    ]


def test_options_made_invalid_by_the_merge_are_reported() -> None:
    own = layer(
        "defaults:\n  label: {add: [ready]}\n"
        "rules:\n  - name: Not ready\n    do:\n      label: {remove: [Ready]}\n"
    )
    with pytest.raises(ConfigInvalid) as caught:
        merge_layers([own])
    assert [str(problem) for problem in caught.value.problems] == [
        ".paasbot.yml:6:7: rule 'Not ready': label: labels both added and removed: ready"
    ]


def test_options_checked_as_a_whole_once_merged() -> None:
    org = layer("defaults:\n  label: {add: [triaged]}\n", "org.yml")
    own = layer("rules:\n  - name: a\n    do: {label: {}}\n")
    assert options(merge_layers([org, own]), "a", "label") == LabelOptions(add=["triaged"])


def test_every_incomplete_rule_is_reported() -> None:
    own = layer("rules:\n  - name: a\n    do: {label: {}}\n  - name: b\n    do: {comment: {}}\n")
    with pytest.raises(ConfigInvalid) as caught:
        merge_layers([own])
    assert [str(problem) for problem in caught.value.problems] == [
        ".paasbot.yml:3:10: rule 'a': label: name at least one label in add, remove or toggle",
        ".paasbot.yml:5:10: rule 'b': comment: missing required option 'body'"
        " (here or in defaults:)",
    ]


# Where the configuration came from


def test_sources_list_every_layer_in_order() -> None:
    preset = layer(presets()["minimal"], preset_file("minimal"))
    own = layer("extends: minimal\n")
    assert merge_layers([preset, own]).sources == ("preset:minimal", ".paasbot.yml")


def test_the_digest_changes_with_any_layers_content() -> None:
    first = layer("rules:\n  - name: a\n")
    same = layer("rules:\n  - name: a\n")
    other = layer("rules:\n  - name: b\n")
    digest = merge_layers([ORG, first]).digest
    assert len(digest) == 16
    assert merge_layers([ORG, same]).digest == digest
    assert merge_layers([ORG, other]).digest != digest
    assert merge_layers([first]).digest != digest


def test_merged_rules_keep_triggers_and_conditions() -> None:
    own = layer("rules:\n  - name: a\n    on: [pull_request.opened]\n    if: [draft]\n")
    (merged,) = merge_layers([own]).rules
    (written,) = own.rules
    assert merged.triggers == written.triggers == {"pull_request.opened"}
    assert merged.conditions == written.conditions
