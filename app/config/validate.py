"""One `.paasbot.yml` file validated into a ConfigLayer, every error with file:line:column."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Iterator, Mapping
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from app.actions.propagate import RELEASE_OPTIONS
from app.actions.registry import OPTIONS
from app.config.errors_text import pydantic_problem
from app.config.model import ConfigLayer, Origin, RuleLayer
from app.config.problems import MAX_PROBLEMS, ConfigInvalid, Problem
from app.config.schema import FileSpec, RuleSpec
from app.config.triggers import is_release_only, trigger_problem
from app.config.yaml_source import Path, YamlDocument, load_yaml
from app.engine.attributes import ConditionError, Scope
from app.engine.conditions import ConditionTree, Leaf, Not, parse_tree

ModelT = TypeVar("ModelT", bound=BaseModel)

# GitHub's owner names are letters, digits and inner hyphens; a repository is not `.` or `..`.
_REPOSITORY = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?/(?!\.\.?$)[A-Za-z0-9_.-]+")
_PATH_PART = re.compile(r"\.?([^.\[\]]+)|\[(\d+)\]")


def parse_config_file(
    content: str | bytes, file: str, *, presets: Iterable[str] = ()
) -> ConfigLayer:
    """The layer `content` describes; ConfigInvalid listing every problem found."""
    document = load_yaml(content, file)
    data = document.data
    if not isinstance(data, dict):
        raise ConfigInvalid(
            [document.problem((), "the file must be a mapping (rules:, extends:, …)")]
        )
    problems, settings = _settings(document)
    if settings is not None:
        problems += _extends_problems(document, settings, set(presets))
    rules, rule_problems = _rules(document)
    problems += rule_problems
    if problems or settings is None:
        raise ConfigInvalid(problems)
    raw = content.encode() if isinstance(content, str) else content
    return ConfigLayer(
        file=file,
        content_digest=hashlib.sha256(raw).hexdigest(),
        extends=tuple(settings.extends or ()),
        dry_run=settings.dry_run,
        onboarding=settings.onboarding,
        defaults=_raw_defaults(data),
        rules=tuple(rules),
        extends_origins=_extends_origins(document, settings),
    )


def _extends_origins(document: YamlDocument, spec: FileSpec) -> dict[str, Origin]:
    origins = {}
    for i, name in enumerate(spec.extends or ()):
        position = document.position(_extends_path(document, i))
        origins.setdefault(name, Origin(document.file, position.line, position.column))
    return origins


def _extends_path(document: YamlDocument, index: int) -> Path:
    return ("extends", index) if isinstance(document.data.get("extends"), list) else ("extends",)


def _settings(document: YamlDocument) -> tuple[list[Problem], FileSpec | None]:
    """Everything but the rules, which are validated one by one."""
    data = {key: value for key, value in document.data.items() if key != "rules"}
    rules = document.data.get("rules")
    if rules is not None and not isinstance(rules, list):
        data["rules"] = rules
    return _validated(document, FileSpec, data, ())


def _validated(
    document: YamlDocument, model: type[ModelT], data: Any, prefix: Path
) -> tuple[list[Problem], ModelT | None]:
    try:
        return [], model.model_validate(data)
    except ValidationError as error:
        issues = [
            {**issue, "loc": (*prefix, *issue["loc"])} for issue in error.errors(include_url=False)
        ]
        problems = [pydantic_problem(document, issue) for issue in issues if not _deferred(issue)]
        wrong = {issue["loc"][0] for issue in error.errors() if issue["loc"]}
    # Without its options and the keys in error, the rest can still be checked (and, when the
    # only problems are missing options that another layer's defaults may supply, used).
    return problems, _without(model, data, wrong | {"do", "defaults"})


def _without(model: type[ModelT], data: dict[str, Any], keys: set[Any]) -> ModelT | None:
    """`data` validated without `keys` (action options are validated once layers are merged)."""
    try:
        return model.model_validate({key: value for key, value in data.items() if key not in keys})
    except ValidationError:
        return None


def _deferred(issue: Any) -> bool:
    """A missing option under `do:` or `defaults:`, or a check of an action's options as a
    whole (e.g. "name at least one label"), is judged once every layer is merged: another
    layer's defaults may complete them."""
    loc = issue["loc"]
    in_do = len(loc) >= 4 and loc[0] == "rules" and loc[2] == "do"
    in_defaults = len(loc) >= 2 and loc[0] == "defaults"
    whole = len(loc) == (4 if in_do else 2) and issue["type"] in ("value_error", "assertion_error")
    return (in_do or in_defaults) and (issue["type"] == "missing" or whole)


def _raw_defaults(data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    defaults = data.get("defaults") or {}
    return {name: dict(options or {}) for name, options in defaults.items()}


def _extends_problems(document: YamlDocument, spec: FileSpec, presets: set[str]) -> list[Problem]:
    problems = []
    for i, name in enumerate(spec.extends or ()):
        if name in presets or _REPOSITORY.fullmatch(name):
            continue
        known = ", ".join(sorted(presets)) or "none"
        message = f"unknown preset {name!r}: use a preset ({known}) or owner/repo"
        problems.append(document.problem(_extends_path(document, i), message))
    return problems


def _rules(document: YamlDocument) -> tuple[list[RuleLayer], list[Problem]]:
    rules: list[RuleLayer] = []
    problems: list[Problem] = []
    seen: dict[str, int] = {}
    listed = document.data.get("rules")
    for i, data in enumerate(listed if isinstance(listed, list) else ()):
        if len(problems) > MAX_PROBLEMS:
            break  # no more are listed: judging the remaining rules would be wasted work
        path: Path = ("rules", i)
        if not isinstance(data, dict):
            problems.append(document.problem(path, "a rule must be a mapping (name:, if:, do:)"))
            continue
        found, spec = _validated(document, RuleSpec, data, path)
        problems += found
        if spec is None:
            continue
        key = spec.name.strip().casefold()
        if key in seen:
            message = f"a rule named {spec.name!r} is already defined (rules[{seen[key]}])"
            problems.append(document.problem((*path, "name"), message))
        seen.setdefault(key, i)
        rule, found = _rule(document, spec, path)
        problems += found
        if rule is not None and not problems:
            rules.append(rule)
    return rules, problems


def _rule(
    document: YamlDocument, spec: RuleSpec, path: Path
) -> tuple[RuleLayer | None, list[Problem]]:
    problems = [
        document.problem((*path, "on", i) if i is not None else (*path, "on"), message)
        for i, message in _trigger_problems(document, spec, path)
    ]
    triggers = frozenset(spec.on or ())
    conditions, found = _conditions(document, spec, path)
    problems += found
    if conditions is not None:
        problems += _scope_problems(document, path, conditions, is_release_only(triggers))
    if problems:
        return None, problems
    raw_do = document.data["rules"][path[1]].get("do")
    # Options that are not mappings were reported by the schema, and the rule is not used.
    actions = {
        name: dict(options or {})
        for name, options in (raw_do if isinstance(raw_do, dict) else {}).items()
        if isinstance(options, dict | None)
    }
    problems += _placement_problems(document, path, actions, is_release_only(triggers))
    if problems:
        return None, problems
    origins = {name: _origin(document, (*path, "do", name), key=True) for name in actions}
    rule = RuleLayer(
        spec.name,
        spec.description,
        spec.enabled,
        triggers,
        conditions,
        actions,
        _origin(document, path),
        origins,
        toggles_only=_toggles_only(spec),
    )
    return rule, []


def _toggles_only(spec: RuleSpec) -> bool:
    return spec.on is None and spec.if_ is None and spec.do is None and spec.description is None


def _placement_problems(
    document: YamlDocument, path: Path, actions: Mapping[str, object], release_rule: bool
) -> list[Problem]:
    """Release actions run in release rules only, and pull request actions never do."""
    problems = []
    for name in actions:
        if name not in OPTIONS or (name in RELEASE_OPTIONS) == release_rule:
            continue
        if release_rule:
            message = f"{name} acts on pull requests; this rule runs on releases (on: release…)"
        else:
            message = f"{name} runs on releases: add on: [release.published] to this rule"
        problems.append(document.problem((*path, "do", name), message, key=True))
    return problems


def _origin(document: YamlDocument, path: Path, *, key: bool = False) -> Origin:
    position = document.position(path, key=key)
    return Origin(document.file, position.line, position.column)


def _conditions(
    document: YamlDocument, spec: RuleSpec, path: Path
) -> tuple[ConditionTree | None, list[Problem]]:
    if spec.if_ is None:
        return None, []
    try:
        return parse_tree(spec.if_, "if"), []
    except ConditionError as error:
        errors = _condition_errors(spec.if_, "if") or [error]
        return None, [_condition_problem(document, path, found) for found in errors]


def _condition_errors(node: Any, where: str) -> list[ConditionError]:
    """Every bad condition in the tree at `where` (parse_tree stops at the first)."""
    if isinstance(node, list):
        return [
            error
            for i, child in enumerate(node)
            for error in _condition_errors(child, f"{where}[{i}]")
        ]
    if isinstance(node, dict) and len(node) == 1:
        key, value = next(iter(node.items()))
        if key == "not" or (key in ("any", "all") and isinstance(value, list) and value):
            return _condition_errors(value, f"{where}.{key}")
    try:
        parse_tree(node, where)
    except ConditionError as error:
        return [error]
    return []


def _trigger_problems(
    document: YamlDocument, spec: RuleSpec, path: Path
) -> list[tuple[int | None, str]]:
    listed = isinstance(document.data["rules"][path[1]].get("on"), list)
    found = []
    for i, trigger in enumerate(spec.on or ()):
        message = trigger_problem(trigger)
        if message is not None:
            found.append((i if listed else None, message))
    return found


def _condition_problem(document: YamlDocument, rule: Path, error: ConditionError) -> Problem:
    where = (*rule, *_tree_path(error.path or "if"))
    return document.problem(where, error.message, offset=error.column)


def _tree_path(text: str) -> Path:
    """('if', 2, 'any', 0) for `if[2].any[0]`."""
    parts: list[str | int] = []
    for match in _PATH_PART.finditer(text):
        name, index = match.groups()
        parts.append(int(index) if index is not None else name)
    return tuple(parts)


def _scope_problems(
    document: YamlDocument, path: Path, tree: ConditionTree, release_rule: bool
) -> list[Problem]:
    wanted = Scope.RELEASE if release_rule else Scope.PULL_REQUEST
    problems = []
    for leaf in _leaves(tree):
        attribute = leaf.condition.attribute
        if attribute.scope is wanted or attribute.name == "repository":
            continue
        if release_rule:
            message = (
                f"{attribute.name} is a pull request attribute;"
                " this rule runs on releases (on: release…)"
            )
        else:
            message = (
                f"{attribute.name} applies to release rules only (add on: [release.published])"
            )
        problems.append(document.problem((*path, *_tree_path(leaf.path)), message))
    return problems


def _leaves(tree: ConditionTree) -> Iterator[Leaf]:
    if isinstance(tree, Leaf):
        yield tree
    elif isinstance(tree, Not):
        yield from _leaves(tree.child)
    else:
        for child in tree.children:
            yield from _leaves(child)
