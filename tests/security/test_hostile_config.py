"""A hostile `.paasbot.yml` (issue 13): anyone who can push a branch or open a pull request writes
one. Each attack gets a clear problem, located in the file, where users look (the `paasbot`
summary check, or the `paasbot/config` check of the PR that brings it); it costs bounded memory
(and bounded time by construction: size and value caps, RE2, the template budget); nothing in it
is executed; and nothing of another owner's repositories is read.

The file alone is judged by `parse_config_file`, as the loader does; the main cases are then
played end to end, through the simulator and paasbot's real HTTP both ways."""

from __future__ import annotations

import tracemalloc
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from app.config.presets import presets
from app.config.problems import MAX_MESSAGE, MAX_PROBLEMS, ConfigInvalid
from app.config.validate import parse_config_file
from app.config.yaml_source import MAX_BYTES, MAX_DEPTH, MAX_NODES
from app.engine.conditions import Leaf, StaticFacts, evaluate, parse_condition
from app.engine.templates import MAX_OUTPUT, TemplateProblem, render
from app.sandbox import SimulatedGitHub
from app.sandbox.actors_repos import add_collaborator
from app.sandbox.ops.issues import comments_on
from tests.e2e_world import check_runs_named

FILE = ".paasbot.yml"
REPO = "acme/api"
# Far above what any of these files needs, far below what an unbounded expansion takes.
MEMORY_BOUND = 64 * 1024 * 1024
NOW = datetime(2026, 11, 28, tzinfo=UTC)


def problems_of(content: str | bytes) -> list[str]:
    """The problems of `content`, read within MEMORY_BOUND bytes of allocations."""
    tracemalloc.start()
    try:
        with pytest.raises(ConfigInvalid) as caught:
            parse_config_file(content, FILE, presets=presets())
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < MEMORY_BOUND, f"{peak:,} bytes allocated"
    found = [str(problem) for problem in caught.value.problems]
    assert found and all(len(text) < 2 * MAX_MESSAGE for text in found)
    return found


def rule(*lines: str) -> str:
    return "rules:\n  - name: r\n" + "".join(f"    {line}\n" for line in lines)


def laughs(levels: int = 9) -> str:
    """Billion laughs: each anchor is nine aliases of the one before (9**levels values)."""
    lines = ['l0: &l0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for i in range(1, levels):
        lines.append(f"l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 9)}]")
    return "\n".join(lines) + "\n"


def merge_bomb(levels: int = 30) -> str:
    """Merge keys of merge keys: each mapping merges the one before fifty times."""
    lines = ["m0: &m0 {a: 1, b: 2}"]
    for i in range(1, levels):
        lines.append(f"m{i}: &m{i}\n  <<: [{', '.join([f'*m{i - 1}'] * 50)}]\n  k{i}: 1")
    return "\n".join(lines) + "\n"


def padded(size: int) -> str:
    """A valid file of exactly `size` bytes (a comment fills it up)."""
    head = "rules: []\n#"
    return head + "x" * (size - len(head) - 1) + "\n"


TOO_MANY = f"more than {MAX_NODES:,} values"
TOO_DEEP = f"nested more than {MAX_DEPTH} levels deep"
TAG = "is not allowed; use plain values"

# (name, file, a part of the one problem expected)
HOSTILE_FILES: list[tuple[str, str | bytes, str]] = [
    ("billion laughs", laughs(), f"{TOO_MANY} (counting what aliases expand to)"),
    ("billion laughs as rules", laughs() + "rules: *l8\n", TOO_MANY),
    ("merge key bomb", merge_bomb(), f"{TOO_MANY} (counting what aliases expand to)"),
    ("alias in itself", "rules: &r [*r]\n", "an alias refers to a value that contains it"),
    ("mapping merged into itself", "a: &a\n  x: 1\n  <<: *a\n", "merges a mapping into itself"),
    ("merge key of a list", "a: &a [1]\nb:\n  <<: *a\n", "`<<` merges mappings only"),
    ("merge key of text", "b:\n  <<: text\n", "`<<` merges mappings only"),
    ("one byte over the cap", padded(MAX_BYTES + 1), f"the limit is {MAX_BYTES:,}"),
    ("ten megabytes", "rules: []\n" + "#" * 10_000_000, f"the limit is {MAX_BYTES:,}"),
    ("lists 10,000 deep", "rules: " + "[" * 10_000 + "]" * 10_000, TOO_DEEP),
    ("mappings 10,000 deep", "rules: " + "{a: " * 10_000 + "1" + "}" * 10_000, TOO_DEEP),
    ("block mappings 70 deep", "".join("  " * i + f"k{i}:\n" for i in range(70)), TOO_DEEP),
    (
        "10,000 rules",
        "rules:\n" + "".join(f"  - {{name: r{i}}}\n" for i in range(10_000)),
        TOO_MANY,
    ),
    (
        "a name of 250,000 characters",
        rule("name2: x").replace("r\n", "a" * 250_000 + "\n"),
        "at most 200 characters",
    ),
    ("a key of 1,000 characters", rule("k" * 1_000 + ": 1"), "unknown key 'kkkk"),
    ("a key of 100,000 characters", '? "' + "k" * 100_000 + '"\n: 1\n', "unknown key 'kkkk"),
    (
        "a simple key of 100,000 characters",
        "k" * 100_000 + ": 1\n",
        "invalid YAML: mapping values are not allowed here",
    ),
    (
        "an attribute of 100,000 characters",
        rule(f"if: ['{'a' * 100_000}=1']"),
        "unknown attribute 'aaaa",
    ),
    ("a number of 100,000 digits", "dry_run: " + "9" * 100_000 + "\n", "dry_run: cannot read '999"),
    (
        "python/object/apply",
        "rules: !!python/object/apply:os.system ['true']\n",
        "!!python/object/apply:os.system " + TAG,
    ),
    (
        "python/object/new",
        "x: !!python/object/new:subprocess.Popen [[true]]\n",
        "!!python/object/new:subprocess.Popen " + TAG,
    ),
    ("python/name", "x: !!python/name:os.system\n", "!!python/name:os.system " + TAG),
    ("python/module", "x: !!python/module:os\n", "!!python/module:os " + TAG),
    ("a tagged key", "!!python/object:os.system k: 1\n", "a key must be plain text"),
    ("binary", "x: !!binary aGVsbG8=\n", "!!binary " + TAG),
    ("set", "x: !!set {a}\n", "!!set " + TAG),
    ("a local tag", "rules: !<tag:evil.example,2026:x> {}\n", "tag:evil.example,2026:x " + TAG),
    (
        "duplicate keys",
        "rules: []\nrules: [{name: a, do: {merge: {}}}]\n",
        "the key 'rules' appears twice",
    ),
    (
        "duplicate nested keys",
        rule("do: {label: {add: [a]}}", "do: {merge: {}}"),
        "the key 'do' appears twice",
    ),
    ("Latin-1", "rules: [{name: caf\xe9}]\n".encode("latin-1"), "the file is not UTF-8 text"),
    ("UTF-16 with a BOM", "rules: []\n".encode("utf-16"), "the file is not UTF-8 text"),
    ("a NUL byte", "rules: []\x00\n", "invalid YAML: unacceptable character #x0000"),
    (
        "a lone surrogate",
        'rules:\n  - name: "\\ud800"\n',
        "unable to parse raw data as a unicode string",
    ),
    ("a back-reference", rule(r"if: ['title~=(a)\1']"), r"invalid regular expression '(a)\1'"),
    ("a lookahead", rule("if: ['title~=(?=a)a']"), "invalid regular expression '(?=a)a'"),
    ("a huge repetition", rule("if: ['title~=(a{1000}){1000}']"), "invalid repetition size"),
    ("a pattern too large", rule(r"if: ['title~=\pL{1000}']"), "pattern too large"),
    (
        "a template reaching globals",
        rule("do: {comment: {body: '{{ cycler.__init__.__globals__ }}'}}"),
        "unknown template variable 'cycler'",
    ),
    (
        "a template looping 10**9 times",
        rule("do: {comment: {body: '{% for i in range(10**9) %}x{% endfor %}'}}"),
        "unknown template variable 'range'",
    ),
    (
        "a recursive macro",
        rule("do: {comment: {body: '{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}'}}"),
        "{% macro %} is not available",
    ),
    (
        "a template including a file",
        rule("do: {comment: {body: \"{% include '/etc/passwd' %}\"}}"),
        "{% include %} is not available",
    ),
    (
        "a template importing",
        rule("do: {comment: {body: \"{% import 'os' as os %}\"}}"),
        "{% import %} is not available",
    ),
    (
        "a recursive loop",
        rule(
            "do: {comment: {body: '{% for f in files recursive %}{{ loop(files) }}{% endfor %}'}}"
        ),
        "recursive loops are not available",
    ),
    (
        "a padding filter",
        rule('do: {comment: {body: "{{ title | center(1000000000) }}"}}'),
        "the filter 'center' is not available",
    ),
    (
        "a template failing as it compiles",
        rule("do: {comment: {body: \"{{ [1].split ~ '' }}\"}}"),
        "the template cannot work: 'list object' has no attribute 'split'",
    ),
    (
        "a template of 30,000 characters",
        rule(f"do: {{comment: {{body: '{'x' * 30_000}'}}}}"),
        "the limit is 20,000",
    ),
    (
        "extends a URL",
        "extends: https://evil.example/paasbot.yml\n",
        "unknown preset 'https://evil.example/paasbot.yml'",
    ),
    ("extends a path", "extends: ../../etc/passwd\n", "unknown preset '../../etc/passwd'"),
    ("extends a dot repository", "extends: acme/..\n", "unknown preset 'acme/..'"),
    (
        "propagates to ../..",
        rule(
            "on: [release.published]",
            "do: {propagate: {package: x, ecosystem: pip, to: ['../..']}}",
        ),
        "'../..' is not a repository name",
    ),
    (
        "CODEOWNERS of another repository",
        rule("do: {request_reviews: {codeowners: evil/repo:CODEOWNERS}}"),
        "codeowners: expected true or false",
    ),
]


@pytest.mark.parametrize(
    ("content", "expected"), [c[1:] for c in HOSTILE_FILES], ids=[c[0] for c in HOSTILE_FILES]
)
def test_a_hostile_file_gets_one_clear_problem(content: str | bytes, expected: str) -> None:
    found = problems_of(content)
    assert any(expected in text for text in found), found


def test_a_file_at_the_size_cap_is_read() -> None:
    content = padded(MAX_BYTES)
    assert len(content.encode()) == MAX_BYTES
    assert parse_config_file(content, FILE).rules == ()


def test_a_file_of_thousands_of_bad_rules_lists_a_bounded_number_of_problems() -> None:
    content = "rules:\n" + "".join(f"  - {{name: r{i}, if: [lable=1]}}\n" for i in range(3_000))
    found = problems_of(content)
    assert len(found) == MAX_PROBLEMS + 1
    assert found[-1].endswith(f"more problems follow (only the first {MAX_PROBLEMS} are listed)")


def test_a_merge_key_overriding_is_not_a_duplicate_and_costs_what_it_merges() -> None:
    text = "a: &a {x: 1}\nrules: [{<<: *a, x: 2}]\n"
    assert any("rules[0]: a rule must" in p or "unknown key 'x'" in p for p in problems_of(text))


@pytest.fixture
def canary(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A file a constructed object would create; os.system and subprocess refuse to run."""
    calls: list[Any] = []

    def refuse(*args: Any, **kwargs: Any) -> Any:
        calls.append(args)
        raise AssertionError("the configuration ran a command")

    monkeypatch.setattr("os.system", refuse)
    monkeypatch.setattr("subprocess.Popen", refuse)
    yield tmp_path / "pwned"
    assert not calls
    assert not (tmp_path / "pwned").exists()


EXECUTING = [
    "rules: !!python/object/apply:os.system ['touch {canary}']\n",
    "rules: !!python/object/apply:subprocess.check_call [['touch', '{canary}']]\n",
    "rules: !!python/object/new:subprocess.Popen [['touch', '{canary}']]\n",
    "x: !!python/object/apply:builtins.exec [\"open('{canary}', 'w')\"]\n",
    "x: !!python/object/apply:builtins.eval [\"open('{canary}', 'w')\"]\n",
    "x: &a !!python/object/apply:os.system ['touch {canary}']\nrules: [*a]\n",
    "<<: !!python/object/apply:os.system ['touch {canary}']\n",
]


@pytest.mark.parametrize("template", EXECUTING)
def test_nothing_in_a_file_is_executed(template: str, canary: Path) -> None:
    found = problems_of(template.replace("{canary}", str(canary)))
    assert any("is not allowed" in text or "merges mappings only" in text for text in found)


# Regular expressions: RE2, linear in the text whatever the pattern.

CATASTROPHIC = [
    "^(a+)+$",
    "^(a|a)*$",
    "^(a*)*b$",
    "^(a|aa)+$",
    "^(([a-z])+.)+[A-Z]([a-z])+$",
    "^(.*a){20}$",
]


@pytest.mark.parametrize("pattern", CATASTROPHIC)
def test_a_catastrophic_pattern_is_matched_by_re2_against_a_long_text(pattern: str) -> None:
    condition = parse_condition(f"body~={pattern}")
    # A backtracking engine (Python's `re`) takes exponential time on these: RE2 is the bound.
    assert type(condition.value.compiled).__module__.startswith("re2")  # type: ignore[union-attr]
    body = "a" * 65_536 + "!"  # GitHub's longest PR description
    outcome = evaluate(Leaf(condition, "if[0]"), StaticFacts({"body": body}), NOW)
    assert outcome.holds is False
    assert parse_config_file(rule(f"if: ['body~={pattern}']"), FILE).rules


# Templates: what validation cannot see is stopped while rendering, with a reason.

RENDER_HOSTILE = [
    ("{{ ''.__class__.__mro__[1].__subclasses__() }}", "access to attribute '__class__'"),
    ("{{ title | attr('__class__') }}", "access to attribute '__class__'"),
    ("{{ self.__init__.__globals__ }}", "access to attribute '__init__'"),
    ("{{ title.split }}", "'split' is a function or method"),
    ("{{ label | map('upper') | string }}", None),
    ("{{ 'a' * 1000000000 }}", "repetition beyond"),
    ("{{ 'a' * 10**9 }}", "'**' is not available"),
    (
        "{% for a in files %}{% for b in files %}{% for c in files %}"
        "{% endfor %}{% endfor %}{% endfor %}",
        "loops ran more than",
    ),
    (
        "{% set x = body * 2 %}{{ " + " ~ ".join(["x"] * 41) + " }}",
        "a value of more than",
    ),
    ("{{ label.append('x') }}", "access to attribute 'append'"),
    ("{{ '%999999999s' % title }}", "widths of at most 3 digits"),
    ("{{ title.ljust(1000000000) }}", "the method 'ljust' is not available"),
    ("{{ body | replace('a', body) }}", "replace would build more than"),
]
PR_FACTS: dict[str, Any] = {
    "title": "Retry charges",
    "body": "a" * 5_000,
    "label": ["bug", "api"],
    "files": [f"src/f{i}.py" for i in range(100)],
}


@pytest.mark.parametrize(("source", "reason"), RENDER_HOSTILE)
def test_a_hostile_template_is_stopped_while_rendering(source: str, reason: str | None) -> None:
    try:
        text = render(source, PR_FACTS, "r")
    except TemplateProblem as problem:
        assert reason is not None and reason in problem.message, problem.message
        return
    assert reason is None and " at 0x" not in text and len(text) <= MAX_OUTPUT


# End to end: what users see.

RULES = """\
rules:
  - name: Reviewed
    if: ["#approved-reviews-by>=1"]
    do:
      label: {add: [reviewed]}
"""


def world(config: str | bytes | None) -> SimulatedGitHub:
    state = SimulatedGitHub(app_id=4242, app_slug="paasbot")
    installation = state.add_installation("acme")
    files: dict[str, Any] = {"src/app.py": "print('v0')\n"}
    if config is not None:
        files[FILE] = config
    state.add_repository(installation, "api", files=files)
    add_collaborator(state, REPO, "alice", "write")
    return state


def open_pull(state: SimulatedGitHub, files: dict[str, Any] | None = None, **kwargs: Any) -> Any:
    state.commit(REPO, "feature", files or {"src/app.py": "print('v1')\n"}, author="alice")
    return state.open_pull(REPO, "Retry charges", head_ref="feature", **kwargs)


def summary(state: SimulatedGitHub, sha: str) -> dict[str, Any]:
    (run,) = check_runs_named(state, REPO, sha, "paasbot")
    return {"conclusion": run.conclusion, **run.output}


E2E_FILES = {
    "billion laughs": (laughs() + "rules: *l8\n", f"{TOO_MANY} (counting what aliases expand to)"),
    "python object": (
        "rules: !!python/object/apply:os.system ['touch {canary}']\n",
        "the tag !!python/object/apply:os.system is not allowed",
    ),
    "over the size cap": (padded(MAX_BYTES + 1), f"the limit is {MAX_BYTES:,}"),
    "deep nesting": ("rules: " + "[" * 10_000 + "]" * 10_000, TOO_DEEP),
    "not UTF-8": (b"rules: [{name: caf\xe9}]\n", "the file is not UTF-8 text"),
}


@pytest.mark.parametrize("case", sorted(E2E_FILES))
async def test_a_hostile_default_branch_file_fails_the_summary_and_runs_nothing(
    stage_for: Callable[..., Any], canary: Path, case: str
) -> None:
    content, expected = E2E_FILES[case]
    if isinstance(content, str):
        content = content.replace("{canary}", str(canary))
    state = world(content)
    async with stage_for(state) as stage:
        pull = open_pull(stage.state)
        await stage.settle()
        shown = summary(stage.state, pull.head_sha)
        assert shown["conclusion"] == "failure"
        assert shown["title"] == "The configuration is invalid: 1 problem"
        assert expected in shown["summary"]
        assert len(shown["summary"]) < 4_000
        assert stage.state.pull(REPO, pull.number).labels == []


async def test_a_pull_request_cannot_loosen_its_own_rules(stage_for: Callable[..., Any]) -> None:
    """The rules are read from the default branch: the PR's own version is validated only."""
    loosened = """\
rules:
  - name: Reviewed
    do:
      label: {add: [reviewed, pwned]}
      comment: {body: "merging myself"}
      merge: {}
"""
    async with stage_for(world(RULES)) as stage:
        state = stage.state
        pull = open_pull(state, {FILE: loosened})
        await stage.settle()
        (config_check,) = check_runs_named(state, REPO, pull.head_sha, "paasbot/config")
        assert config_check.conclusion == "success"
        assert summary(state, pull.head_sha)["title"] == "0 of 1 rules match"
        after = state.pull(REPO, pull.number)
        assert after.labels == [] and not after.merged
        assert comments_on(state, REPO, pull.number) == []


async def test_a_hostile_pull_request_file_is_refused_in_its_config_check_on_its_lines(
    stage_for: Callable[..., Any],
) -> None:
    hostile = """\
extends: [minimal]
rules:
  - name: Catastrophic
    if: ['title~=(a)\\1']
  - name: Globals
    do:
      comment: {body: "{{ cycler.__init__.__globals__ }}"}
  - name: Away
    on: [release.published]
    do:
      propagate: {package: x, ecosystem: pip, to: ['../..']}
"""
    async with stage_for(world(RULES)) as stage:
        state = stage.state
        pull = open_pull(state, {FILE: hostile})
        await stage.settle()
        (check,) = check_runs_named(state, REPO, pull.head_sha, "paasbot/config")
        assert check.conclusion == "failure"
        assert check.output["title"] == "Invalid: 3 problems"
        lines = hostile.splitlines()
        annotated = {(a["start_line"], a["message"]) for a in check.annotations}
        assert annotated == {
            (
                lines.index("    if: ['title~=(a)\\1']") + 1,
                "invalid regular expression '(a)\\1': invalid escape sequence: \\1",
            ),
            (
                lines.index('      comment: {body: "{{ cycler.__init__.__globals__ }}"}') + 1,
                "unknown template variable 'cycler' (template line 1)",
            ),
            (
                lines.index("      propagate: {package: x, ecosystem: pip, to: ['../..']}") + 1,
                "'../..' is not a repository name (owner/repo)",
            ),
        }
        assert summary(state, pull.head_sha)["title"] == "0 of 1 rules match"


async def test_another_owners_repository_is_never_extended(
    stage_for: Callable[..., Any],
) -> None:
    state = world("extends: evil/policies\n" + RULES)
    evil = state.add_installation("evil")
    grab = "rules:\n  - name: Grab\n    do:\n      label: {add: [pwned]}\n"
    state.add_repository(evil, "policies", private=False, files={FILE: grab})
    async with stage_for(state) as stage:
        pull = open_pull(stage.state)
        await stage.settle()
        shown = summary(stage.state, pull.head_sha)
        assert shown["conclusion"] == "failure"
        assert (
            "extends 'evil/policies': only repositories of acme can be extended"
            in (shown["summary"])
        )
        assert not stage.state.requests_matching(path_prefix="/repos/evil/")
        assert stage.state.pull(REPO, pull.number).labels == []


async def test_a_pull_request_learns_nothing_of_a_private_repository_it_extends(
    stage_for: Callable[..., Any],
) -> None:
    # paasbot may read every repository of the installation; the PR's author may not. A PR's
    # file reads only what the default branch's file already extends (`acme/shared`).
    state = world("extends: acme/shared\n" + RULES)
    (installation,) = state.installations.values()
    shared = "rules:\n  - name: Shared\n    do:\n      label: {add: [shared]}\n"
    state.add_repository(installation, "shared", private=True, files={FILE: shared})
    secret = "rules:\n  - name: Payroll export\n    if: [bogus]\n"
    state.add_repository(installation, "payroll", private=True, files={FILE: secret})
    probing = "extends: [acme/shared, acme/payroll, acme/nothing-here]\n" + RULES
    async with stage_for(state) as stage:
        pull = open_pull(stage.state, {FILE: probing})
        await stage.settle()
        (check,) = check_runs_named(stage.state, REPO, pull.head_sha, "paasbot/config")
        assert check.conclusion == "neutral"
        assert check.output["title"] == "Checked in part: 2 rules, 2 extended repositories not read"
        told = check.output["summary"] + "".join(a["message"] for a in check.annotations)
        assert "Payroll" not in told and "bogus" not in told
        assert [(a["annotation_level"], a["start_line"]) for a in check.annotations] == [
            ("notice", 1),
            ("notice", 1),
        ]
        assert "extends 'acme/payroll': not read" in check.annotations[0]["message"]
        for probed in ("payroll", "nothing-here"):
            assert not stage.state.requests_matching(path_prefix=f"/repos/acme/{probed}/")


async def test_a_template_reaching_internals_fails_its_action_with_the_reason(
    stage_for: Callable[..., Any],
) -> None:
    config = """\
rules:
  - name: Leak
    do:
      comment: {body: "{{ title.__class__.__mro__[1].__subclasses__() }}"}
      label: {add: [seen]}
"""
    async with stage_for(world(config)) as stage:
        pull = open_pull(stage.state)
        await stage.settle()
        shown = summary(stage.state, pull.head_sha)
        assert "`comment`: **failed**" in shown["summary"]
        assert "access to attribute '__class__' of 'str' object is unsafe" in shown["summary"]
        assert comments_on(stage.state, REPO, pull.number) == []
        assert stage.state.pull(REPO, pull.number).labels == ["seen"]


async def test_a_catastrophic_regular_expression_is_evaluated_on_a_long_body(
    stage_for: Callable[..., Any],
) -> None:
    config = """\
rules:
  - name: Backtracking
    if: ["body~=(a+)+$"]
    do:
      label: {add: [matched]}
  - name: Evaluated
    do:
      label: {add: [evaluated]}
"""
    async with stage_for(world(config)) as stage:
        pull = open_pull(stage.state, body="a" * 65_000 + "!")
        await stage.settle()
        shown = summary(stage.state, pull.head_sha)
        assert shown["title"] == "1 of 2 rules match"
        assert "✗ `body~=(a+)+$`" in shown["summary"]
        assert stage.state.pull(REPO, pull.number).labels == ["evaluated"]
