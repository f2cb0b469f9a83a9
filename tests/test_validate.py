"""`.paasbot.yml` validated into a layer: every problem with file:line:column and a message a
person can act on; valid files (the brief's example, both presets) come through whole."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest

from app.config import validate
from app.config.merge import merge_layers
from app.config.model import Origin
from app.config.presets import preset_file, presets
from app.config.problems import MAX_PROBLEMS, ConfigInvalid
from app.config.validate import parse_config_file
from app.config.yaml_source import MAX_BYTES, MAX_NODES
from app.engine.conditions import AllOf, AnyOf, Leaf, Not
from tests.config_examples import BRIEF_EXAMPLE, VALID_EXAMPLES

FILE = ".paasbot.yml"
ACTIONS = "check, comment, coverage, label, lint, merge, propagate, request_reviews, update_branch"


def problems_of(text: str | bytes) -> list[str]:
    with pytest.raises(ConfigInvalid) as caught:
        parse_config_file(text, FILE, presets=presets())
    return [str(problem) for problem in caught.value.problems]


def rule(*lines: str) -> str:
    """A file with one rule named `a`, followed by `lines` (indented as the rule's keys)."""
    return "rules:\n  - name: a\n" + "".join(f"    {line}\n" for line in lines)


ERRORS = [
    # YAML itself
    pytest.param(
        rule("if: [draft"),
        ".paasbot.yml:4:1: invalid YAML: while parsing a flow sequence"
        " expected ',' or ']', but got '<stream end>'",
        id="yaml syntax",
    ),
    pytest.param(
        "rules: []\n" + "#" * MAX_BYTES,
        f".paasbot.yml:1:1: the file is {MAX_BYTES + 10:,} bytes; the limit is {MAX_BYTES:,}",
        id="size cap",
    ),
    pytest.param(
        "rules: !!python/object/apply:os.system [echo]\n",
        ".paasbot.yml:1:8: rules: the tag !!python/object/apply:os.system is not allowed;"
        " use plain values, lists and mappings",
        id="forbidden tag",
    ),
    pytest.param(
        "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
        + "".join(
            f"{n}: &{n} [{', '.join([f'*{p}'] * 10)}]\n"
            for p, n in zip("abcde", "bcdef", strict=True)
        ),
        f".paasbot.yml:1:32: e[0][6][8][8][8]: more than {MAX_NODES:,} values"
        " (counting what aliases expand to)",
        id="alias bomb",
    ),
    pytest.param(
        "rules:\n  - name: a\n    name: b\n",
        ".paasbot.yml:3:5: rules[0].name: the key 'name' appears twice",
        id="duplicate key",
    ),
    pytest.param(
        "- name: a\n- name: b\n",
        ".paasbot.yml:1:1: the file must be a mapping (rules:, extends:, …)",
        id="file is a list",
    ),
    pytest.param(
        "just some text\n",
        ".paasbot.yml:1:1: the file must be a mapping (rules:, extends:, …)",
        id="file is text",
    ),
    # Unknown keys, with "did you mean"
    pytest.param(
        "rulez: []\n",
        ".paasbot.yml:1:1: rulez: unknown key 'rulez' (did you mean 'rules'?)",
        id="unknown top-level key",
    ),
    pytest.param(
        rule("iff: [draft]"),
        ".paasbot.yml:3:5: rules[0].iff: unknown key 'iff' (did you mean 'if'?)",
        id="unknown rule key",
    ),
    pytest.param(
        rule("priority: 3"),
        ".paasbot.yml:3:5: rules[0].priority: unknown key 'priority';"
        " expected one of description, do, enabled, if, name, on",
        id="unknown rule key without a close one",
    ),
    # Wrong types
    pytest.param(
        "rules:\n  - name: 3\n",
        ".paasbot.yml:2:11: rules[0].name: expected text, found the number 3",
        id="name is a number",
    ),
    pytest.param(
        "dry_run: yes\n",
        ".paasbot.yml:1:10: dry_run: expected true or false, found the text 'yes'",
        id="yes is not a boolean",
    ),
    pytest.param(
        rule("enabled: 'false'"),
        ".paasbot.yml:3:14: rules[0].enabled: expected true or false, found the text 'false'",
        id="quoted boolean",
    ),
    pytest.param(
        "rules:\n  name: a\n",
        ".paasbot.yml:2:3: rules: expected a list, found a mapping",
        id="rules is a mapping",
    ),
    pytest.param(
        "rules:\n  - draft\n",
        ".paasbot.yml:2:5: rules[0]: a rule must be a mapping (name:, if:, do:)",
        id="rule is text",
    ),
    pytest.param(
        rule("description: [a, b]"),
        ".paasbot.yml:3:18: rules[0].description: expected text, found a list",
        id="description is a list",
    ),
    pytest.param(
        rule("on: 3"),
        ".paasbot.yml:3:9: rules[0].on: expected a list, found the number 3",
        id="on is a number",
    ),
    pytest.param(
        "extends: {preset: minimal}\n",
        ".paasbot.yml:1:10: extends: expected a list, found a mapping",
        id="extends is a mapping",
    ),
    pytest.param(
        "rules:\n  - if: [draft]\n",
        ".paasbot.yml:2:5: rules[0]: missing required key 'name'",
        id="rule without a name",
    ),
    pytest.param(
        "rules:\n  - name: ''\n",
        ".paasbot.yml:2:11: rules[0].name: expected text of at least 1 character(s),"
        " found the text ''",
        id="empty name",
    ),
    pytest.param(
        rule("do: [label]"),
        ".paasbot.yml:3:9: rules[0].do: expected a mapping, found a list",
        id="do is a list",
    ),
    pytest.param(
        rule("do:", "  label: [wip]"),
        ".paasbot.yml:4:14: rules[0].do.label: expected a mapping, found a list",
        id="options are a list",
    ),
    pytest.param(
        rule("do:", "  merge: {delete_branch: 'yes'}"),
        ".paasbot.yml:4:30: rules[0].do.merge.delete_branch:"
        " expected true or false, found the text 'yes'",
        id="option of the wrong type",
    ),
    pytest.param(
        rule("do:", "  merge: {method: squish}"),
        ".paasbot.yml:4:23: rules[0].do.merge.method:"
        " expected 'merge', 'squash' or 'rebase', found the text 'squish'",
        id="option outside its choices",
    ),
    pytest.param(
        rule("do:", "  coverage: {patch_target: 180%}"),
        ".paasbot.yml:4:32: rules[0].do.coverage.patch_target:"
        " expected a number of at most 100, found the text '180%'",
        id="percent above 100",
    ),
    pytest.param(
        rule("do:", "  request_reviews: {count: 0}"),
        ".paasbot.yml:4:32: rules[0].do.request_reviews.count:"
        " expected a number of at least 1, found the number 0",
        id="count below 1",
    ),
    pytest.param(
        rule(
            "on: release.published",
            "do:",
            "  propagate: {package: p, ecosystem: pip, to: [orders]}",
        ),
        ".paasbot.yml:5:52: rules[0].do.propagate.to[0]:"
        " expected text matching ^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$, found the text 'orders'",
        id="repository without an owner",
    ),
    pytest.param(
        rule("do:", "  check: {name: paasbot}"),
        ".paasbot.yml:4:21: rules[0].do.check.name:"
        " 'paasbot' is the name of paasbot's own check; choose another",
        id="check named like the summary",
    ),
    # Unknown actions and options
    pytest.param(
        rule("do:", "  lable: {add: [x]}"),
        ".paasbot.yml:4:7: rules[0].do.lable: unknown action 'lable' (did you mean 'label'?);"
        f" actions: {ACTIONS}",
        id="unknown action",
    ),
    pytest.param(
        rule("do:", "  deploy: {}"),
        f".paasbot.yml:4:7: rules[0].do.deploy: unknown action 'deploy'; actions: {ACTIONS}",
        id="unknown action without a close one",
    ),
    pytest.param(
        "defaults:\n  mergee: {method: squash}\n",
        ".paasbot.yml:2:3: defaults.mergee: unknown action 'mergee' (did you mean 'merge'?);"
        f" actions: {ACTIONS}",
        id="unknown action in defaults",
    ),
    pytest.param(
        rule("do:", "  label: {add: [x], colour: red}"),
        ".paasbot.yml:4:25: rules[0].do.label.colour: unknown label option 'colour';"
        " expected one of add, remove, toggle",
        id="unknown option",
    ),
    pytest.param(
        "defaults:\n  merge: {methd: squash}\n",
        ".paasbot.yml:2:11: defaults.merge.methd: unknown merge option 'methd'"
        " (did you mean 'method'?)",
        id="unknown option in defaults",
    ),
    # Conditions
    pytest.param(
        rule("if:", "  - -drfat"),
        ".paasbot.yml:4:10: rules[0].if[0]: unknown attribute 'drfat' (did you mean 'draft'?)",
        id="unknown attribute",
    ),
    pytest.param(
        rule("if: [velocity>3]"),
        ".paasbot.yml:3:10: rules[0].if[0]: unknown attribute 'velocity'",
        id="unknown attribute without a close one",
    ),
    pytest.param(
        rule("if:", '  - "#files~=x"'),
        ".paasbot.yml:4:16: rules[0].if[0]:"
        " '~=' does not apply to #files (number); use =, !=, >=, <=, >, <",
        id="operator of another kind",
    ),
    pytest.param(
        rule("if: [base>=main]"),
        ".paasbot.yml:3:14: rules[0].if[0]: '>=' does not apply to base (text); use =, !=, ~=",
        id="range on text",
    ),
    pytest.param(
        rule("if: [draft=true]"),
        ".paasbot.yml:3:15: rules[0].if[0]:"
        " draft is a boolean and takes no operator; write draft or -draft",
        id="operator on a boolean",
    ),
    pytest.param(
        rule("if: [base]"),
        ".paasbot.yml:3:14: rules[0].if[0]: base needs an operator and a value, e.g. base=...",
        id="text attribute without an operator",
    ),
    pytest.param(
        rule("if: ['#draft>1']"),
        ".paasbot.yml:3:11: rules[0].if[0]:"
        " '#' takes the length of a list attribute; draft is a boolean attribute",
        id="length of a boolean",
    ),
    pytest.param(
        rule("if: ['#files>=many']"),
        ".paasbot.yml:3:19: rules[0].if[0]: expected a number, found 'many'",
        id="number expected",
    ),
    pytest.param(
        rule("if: ['created-at<soon']"),
        ".paasbot.yml:3:22: rules[0].if[0]:"
        " expected a time (ISO 8601, or 'N minutes|hours|days|weeks ago'), found 'soon'",
        id="time expected",
    ),
    pytest.param(
        rule("if: ['approved-reviews-by=@acme']"),
        ".paasbot.yml:3:31: rules[0].if[0]: a team is written @org/team-slug, found '@acme'",
        id="team without a slug",
    ),
    pytest.param(
        rule("if:", "  - title~=(unclosed"),
        ".paasbot.yml:4:16: rules[0].if[0]:"
        " invalid regular expression '(unclosed': missing ): (unclosed",
        id="invalid regex",
    ),
    pytest.param(
        rule("if:", "  - 'files~=[a-'"),
        ".paasbot.yml:4:17: rules[0].if[0]: invalid regular expression '[a-': missing ]: [a-",
        id="invalid regex, quoted",
    ),
    pytest.param(
        rule("if:", "  - any:", "      - draft", "      - not: {all: [lable=x]}"),
        ".paasbot.yml:6:25: rules[0].if[0].any[1].not.all[0]:"
        " unknown attribute 'lable' (did you mean 'label' or '#label'?)",
        id="nested condition",
    ),
    pytest.param(
        rule("if: {anyy: [draft]}"),
        ".paasbot.yml:3:9: rules[0].if: unknown key 'anyy'; expected any:, all: or not:",
        id="unknown group",
    ),
    pytest.param(
        rule("if: [{any: []}]"),
        ".paasbot.yml:3:16: rules[0].if[0].any: any: takes a non-empty list of conditions",
        id="empty any",
    ),
    pytest.param(
        rule("if: [{any: [draft], all: [draft]}]"),
        ".paasbot.yml:3:10: rules[0].if[0]:"
        " a mapping must have exactly one key, any:, all: or not: (found 'all', 'any')",
        id="two groups in one mapping",
    ),
    pytest.param(
        rule("if: [3]"),
        ".paasbot.yml:3:10: rules[0].if[0]: expected a condition, a list of conditions,"
        " or a mapping with any:, all: or not:, found int 3",
        id="number as a condition",
    ),
    pytest.param(
        rule("if: ['  ']"),
        ".paasbot.yml:3:11: rules[0].if[0]: empty condition",
        id="empty condition",
    ),
    # Release rules and pull request rules
    pytest.param(
        rule("if: [-draft, prerelease]"),
        ".paasbot.yml:3:18: rules[0].if[1]:"
        " prerelease applies to release rules only (add on: [release.published])",
        id="release attribute in a pull request rule",
    ),
    pytest.param(
        rule("on: [pull_request.opened, release.published]", "if: ['tag~=^v']"),
        ".paasbot.yml:4:10: rules[0].if[0]:"
        " tag applies to release rules only (add on: [release.published])",
        id="release attribute in a rule on both",
    ),
    pytest.param(
        rule("on: release.published", "if:", "  - not: draft"),
        ".paasbot.yml:5:14: rules[0].if[0].not:"
        " draft is a pull request attribute; this rule runs on releases (on: release…)",
        id="pull request attribute in a release rule",
    ),
    # Triggers
    pytest.param(
        rule("on: [pull_request.open]"),
        ".paasbot.yml:3:10: rules[0].on[0]:"
        " unknown action 'open' of pull_request (did you mean 'opened' or 'reopened'?)",
        id="unknown event action",
    ),
    pytest.param(
        rule("on: pul_request"),
        ".paasbot.yml:3:9: rules[0].on:"
        " unknown event 'pul_request' (did you mean 'pull_request' or 'pull_request_review'?)",
        id="unknown event",
    ),
    pytest.param(
        rule("on: [push, status.success]"),
        ".paasbot.yml:3:16: rules[0].on[1]: status events have no actions; write just 'status'",
        id="event without actions",
    ),
    pytest.param(
        rule("on: ['']"),
        ".paasbot.yml:3:10: rules[0].on[0]: expected text of at least 1 character(s),"
        " found the text ''",
        id="empty event",
    ),
    # Extends
    pytest.param(
        "extends: golden-paht\n",
        ".paasbot.yml:1:10: extends:"
        " unknown preset 'golden-paht': use a preset (golden-path, minimal) or owner/repo",
        id="unknown preset",
    ),
    pytest.param(
        "extends: [minimal, acme/base, ./local.yml]\n",
        ".paasbot.yml:1:31: extends[2]:"
        " unknown preset './local.yml': use a preset (golden-path, minimal) or owner/repo",
        id="unknown preset in a list",
    ),
    pytest.param(
        "extends: ['']\n",
        ".paasbot.yml:1:11: extends[0]: expected text of at least 1 character(s),"
        " found the text ''",
        id="empty extends",
    ),
    # Templates
    pytest.param(
        rule("do:", "  comment: {body: 'Hi {{ autor }}'}"),
        ".paasbot.yml:4:23: rules[0].do.comment.body:"
        " unknown template variable 'autor' (did you mean author?) (template line 1)",
        id="unknown template variable",
    ),
    pytest.param(
        rule("do:", "  comment:", "    body: |", "      Hello", "      {{ author "),
        ".paasbot.yml:5:15: rules[0].do.comment.body: template syntax:"
        " unexpected end of template, expected 'end of print statement'. (template line 2)",
        id="template syntax",
    ),
    pytest.param(
        rule("do:", "  check: {title: '{{ files | lenght }}'}"),
        ".paasbot.yml:4:22: rules[0].do.check.title:"
        " unknown filter 'lenght' (did you mean length?) (template line 1)",
        id="unknown template filter",
    ),
    pytest.param(
        rule("do:", "  comment: {body: \"{% include 'x' %}\"}"),
        ".paasbot.yml:4:23: rules[0].do.comment.body:"
        " {% include %} is not available in templates (template line 1)",
        id="template include",
    ),
    pytest.param(
        rule("do:", "  comment: {body: '{{ body | indent(8) }}'}"),
        ".paasbot.yml:4:23: rules[0].do.comment.body:"
        " the filter 'indent' is not available in templates (template line 1)",
        id="template padding filter",
    ),
    # Rules together
    pytest.param(
        "rules:\n  - name: Merge\n  - name: ' merge '\n",
        ".paasbot.yml:3:11: rules[1].name: a rule named ' merge ' is already defined (rules[0])",
        id="duplicate rule names",
    ),
]


@pytest.mark.parametrize(("text", "expected"), ERRORS)
def test_each_kind_of_error_is_located_and_explained(text: str, expected: str) -> None:
    assert problems_of(text) == [expected]


def test_every_problem_of_a_file_is_reported_in_file_order() -> None:
    text = (
        "rulez: []\n"
        "extends: nope\n"
        "rules:\n"
        "  - name: a\n"
        "    on: [pull_request.open]\n"
        "    if: [-drfat, base=main, 'title~=(']\n"
        "    do: {lable: {}}\n"
        "  - name: A\n"
        "    do: {label: {add: [x], colour: red}}\n"
    )
    assert problems_of(text) == [
        ".paasbot.yml:1:1: rulez: unknown key 'rulez' (did you mean 'rules'?)",
        ".paasbot.yml:2:10: extends:"
        " unknown preset 'nope': use a preset (golden-path, minimal) or owner/repo",
        ".paasbot.yml:5:10: rules[0].on[0]:"
        " unknown action 'open' of pull_request (did you mean 'opened' or 'reopened'?)",
        ".paasbot.yml:6:11: rules[0].if[0]: unknown attribute 'drfat' (did you mean 'draft'?)",
        ".paasbot.yml:6:37: rules[0].if[2]: invalid regular expression '(': missing ): (",
        ".paasbot.yml:7:10: rules[0].do.lable: unknown action 'lable' (did you mean 'label'?);"
        f" actions: {ACTIONS}",
        ".paasbot.yml:8:11: rules[1].name: a rule named 'A' is already defined (rules[0])",
        ".paasbot.yml:9:28: rules[1].do.label.colour: unknown label option 'colour';"
        " expected one of add, remove, toggle",
    ]


def test_a_key_in_error_does_not_hide_the_problems_of_the_others() -> None:
    text = rule("iff: [draft]", "enabled: 'yes'", "on: [pull_request.open]", "if: [nope]")
    assert problems_of(text) == [
        ".paasbot.yml:3:5: rules[0].iff: unknown key 'iff' (did you mean 'if'?)",
        ".paasbot.yml:4:14: rules[0].enabled: expected true or false, found the text 'yes'",
        ".paasbot.yml:5:10: rules[0].on[0]:"
        " unknown action 'open' of pull_request (did you mean 'opened' or 'reopened'?)",
        ".paasbot.yml:6:10: rules[0].if[0]: unknown attribute 'nope'",
    ]


def test_every_bad_condition_of_a_rule_is_reported() -> None:
    text = rule(
        "if:",
        "  - nope",
        "  - base=main",
        "  - any: [draft, 'files~=[', {not: -zzz}]",
        "  - {all: []}",
    )
    assert problems_of(text) == [
        ".paasbot.yml:4:9: rules[0].if[0]: unknown attribute 'nope'",
        ".paasbot.yml:6:30: rules[0].if[2].any[1]: invalid regular expression '[': missing ]: [",
        ".paasbot.yml:6:41: rules[0].if[2].any[2].not: unknown attribute 'zzz'",
        ".paasbot.yml:7:15: rules[0].if[3].all: all: takes a non-empty list of conditions",
    ]


def test_a_problem_names_the_file_it_was_given() -> None:
    with pytest.raises(ConfigInvalid) as caught:
        parse_config_file("rulez: []\n", ".github/paasbot.yml")
    assert str(caught.value) == (
        ".github/paasbot.yml:1:1: rulez: unknown key 'rulez' (did you mean 'rules'?)"
    )


def test_a_problem_in_a_multi_line_value_points_at_the_value() -> None:
    text = rule("if:", "  - >-", "    title~=(", "    x")
    assert problems_of(text) == [
        ".paasbot.yml:4:9: rules[0].if[0]: invalid regular expression '( x': missing ): ( x"
    ]


# Options judged once layers are merged


def test_missing_options_are_left_for_the_merge() -> None:
    layer = parse_config_file(rule("do:", "  comment: {}"), FILE)
    assert layer.rules[0].actions == {"comment": {}}
    with pytest.raises(ConfigInvalid) as caught:
        merge_layers([layer])
    assert [str(problem) for problem in caught.value.problems] == [
        ".paasbot.yml:4:7: rule 'a': comment: missing required option 'body' (here or in defaults:)"
    ]


def test_propagate_needs_an_ecosystem_and_somewhere_to_go() -> None:
    text = rule("on: release.published", "do:", "  propagate: {package: p}")
    with pytest.raises(ConfigInvalid) as caught:
        merge_layers([parse_config_file(text, FILE)])
    assert [str(problem) for problem in caught.value.problems] == [
        ".paasbot.yml:5:7: rule 'a': propagate: ecosystem: missing (pip, poetry, pep621, npm,"
        " gomod, maven or docker), or give package per ecosystem"
    ]
    text = rule("on: release.published", "do:", "  propagate: {package: p, ecosystem: npm}")
    with pytest.raises(ConfigInvalid) as caught:
        merge_layers([parse_config_file(text, FILE)])
    assert [str(problem) for problem in caught.value.problems] == [
        ".paasbot.yml:5:7: rule 'a': propagate: say where the dependents are: to"
        " (repositories), topics, and/or discover: true"
    ]


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        pytest.param(
            ("do:", "  propagate: {package: p, ecosystem: pip, to: [a/b]}"),
            ".paasbot.yml:4:7: rules[0].do.propagate: propagate runs on releases:"
            " add on: [release.published] to this rule",
            id="propagate on pull requests",
        ),
        pytest.param(
            ("on: release.published", "do:", "  label: {add: [released]}"),
            ".paasbot.yml:5:7: rules[0].do.label: label acts on pull requests;"
            " this rule runs on releases (on: release…)",
            id="label on releases",
        ),
    ],
)
def test_release_actions_run_in_release_rules_only(lines: tuple[str, ...], expected: str) -> None:
    assert problems_of(rule(*lines)) == [expected]


@pytest.mark.parametrize(
    "text",
    [
        rule("do:", "  label: {}"),
        rule("do:", "  label: {add: [x], remove: [x]}"),
        "defaults:\n  label: {}\n",
    ],
)
def test_checks_of_options_as_a_whole_are_left_for_the_merge(text: str) -> None:
    parse_config_file(text, FILE)


def test_missing_options_in_defaults_are_left_for_the_merge() -> None:
    layer = parse_config_file("defaults:\n  comment: {per: pull_request}\n", FILE)
    assert layer.defaults == {"comment": {"per": "pull_request"}}


def test_an_action_without_options_is_judged_with_its_defaults() -> None:
    layer = parse_config_file(rule("do:", "  update_branch:", "  label:"), FILE)
    assert layer.rules[0].actions == {"update_branch": {}, "label": {}}


# Valid files


@pytest.mark.parametrize("text", list(VALID_EXAMPLES.values()), ids=list(VALID_EXAMPLES))
def test_valid_examples_parse_and_merge(text: str) -> None:
    layer = parse_config_file(text, FILE, presets=presets())
    config = merge_layers([layer])
    assert len(config.rules) == len([r for r in layer.rules if r.enabled])


@pytest.mark.parametrize("name", sorted(presets()))
def test_each_preset_is_valid(name: str) -> None:
    layer = parse_config_file(presets()[name], preset_file(name), presets=presets())
    config = merge_layers([layer])
    assert config.rules
    assert all(rule.origin.file == f"preset:{name}" for rule in config.rules)


def test_the_brief_example_in_detail() -> None:
    layer = parse_config_file(BRIEF_EXAMPLE, FILE, presets=presets())
    assert layer.file == FILE
    assert layer.extends == ("golden-path",)
    assert layer.dry_run is False
    assert layer.defaults == {"merge": {"method": "squash"}}
    assert layer.content_digest == hashlib.sha256(BRIEF_EXAMPLE.encode()).hexdigest()
    owners, *_, bump = layer.rules
    assert owners.name == "Ask the owners"
    assert owners.triggers == {"pull_request.opened", "pull_request.ready_for_review"}
    assert owners.origin == Origin(FILE, 7, 5)
    assert owners.action_origins == {"request_reviews": Origin(FILE, 16, 7)}
    assert owners.actions == {
        "request_reviews": {
            "codeowners": True,
            "teams": ["backend"],
            "count": 2,
            "strategy": "load_balance",
        }
    }
    tree = owners.conditions
    assert isinstance(tree, AllOf) and len(tree.children) == 3
    draft, base, either = tree.children
    assert isinstance(draft, Leaf) and draft.condition.negated
    assert isinstance(base, Leaf) and base.condition.value == "main"
    assert isinstance(either, AnyOf) and either.path == "if[2]"
    assert bump.triggers == {"release.published"}
    assert [rule.name for rule in layer.rules if rule.conditions is None] == ["Coverage", "Lint"]


def test_triggers_written_as_one_text() -> None:
    layer = parse_config_file(rule("on: pull_request"), FILE)
    assert layer.rules[0].triggers == {"pull_request"}


def test_a_disabled_rule_is_kept_in_its_layer() -> None:
    layer = parse_config_file(rule("enabled: false"), FILE)
    assert [(r.name, r.enabled) for r in layer.rules] == [("a", False)]


def test_not_is_parsed() -> None:
    layer = parse_config_file(rule("if: {not: draft}"), FILE)
    assert isinstance(layer.rules[0].conditions, Not)


def test_repository_applies_to_release_and_pull_request_rules() -> None:
    text = (
        "rules:\n"
        "  - {name: a, on: release, if: [repository=acme/api]}\n"
        "  - {name: b, if: [repository=acme/api]}\n"
    )
    assert len(parse_config_file(text, FILE).rules) == 2


def test_extends_a_repository_or_a_preset() -> None:
    layer = parse_config_file(
        "extends: [golden-path, acme/.github, a-b/c.d_e]\n", FILE, presets=["golden-path"]
    )
    assert layer.extends == ("golden-path", "acme/.github", "a-b/c.d_e")


def test_bytes_and_text_give_the_same_layer() -> None:
    text = rule("if: [draft]")
    assert parse_config_file(text, FILE) == parse_config_file(text.encode(), FILE)


def test_rules_are_judged_only_until_more_problems_than_are_listed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    judged: list[str] = []
    original = validate._rule

    def counted(document: Any, spec: Any, path: Any) -> Any:
        judged.append(spec.name)
        return original(document, spec, path)

    monkeypatch.setattr(validate, "_rule", counted)
    text = "rules:\n" + "".join(f"  - {{name: r{i}, if: [lable=1]}}\n" for i in range(500))
    with pytest.raises(ConfigInvalid) as caught:
        parse_config_file(text, ".paasbot.yml")
    assert len(caught.value.problems) == MAX_PROBLEMS + 1
    assert caught.value.problems[-1].message == (
        f"more problems follow (only the first {MAX_PROBLEMS} are listed)"
    )
    assert len(judged) == MAX_PROBLEMS + 1
