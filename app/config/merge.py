"""Layers merged into the configuration in force: organisation defaults, then what a file
extends, then the file itself. A later layer replaces an earlier rule of the same name (where the
earlier one stood) and overrides `defaults:` option by option; `enabled: false` drops a rule, and a
rule written as just its `name` and `enabled: true` turns on an earlier layer's rule that is off
(a preset's opt-in rule) as it is written there."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from pydantic import ValidationError

from app.actions.registry import OPTIONS
from app.config.errors_text import issue_message
from app.config.model import ActionSpec, Config, ConfigLayer, Rule, RuleLayer
from app.config.problems import ConfigInvalid, Problem


def merge_layers(layers: Sequence[ConfigLayer]) -> Config:
    """The configuration `layers` (earliest first) add up to; ConfigInvalid when an action's
    options are still incomplete once every layer's defaults are applied."""
    rules: dict[str, RuleLayer] = {}
    defaults: dict[str, dict[str, Any]] = {}
    dry_run = False
    for layer in layers:
        for rule in layer.rules:
            key = rule.name.strip().casefold()
            earlier = rules.get(key)
            rules[key] = (
                replace(earlier, enabled=rule.enabled) if rule.toggles_only and earlier else rule
            )
        for action, options in layer.defaults.items():
            defaults[action] = deep_merge(defaults.get(action, {}), options)
        dry_run = layer.dry_run if layer.dry_run is not None else dry_run
    problems: list[Problem] = []
    compiled = [_compiled(rule, defaults, problems) for rule in rules.values() if rule.enabled]
    if problems:
        raise ConfigInvalid(problems)
    return Config(
        rules=tuple(compiled),
        dry_run=dry_run,
        sources=tuple(layer.file for layer in layers),
        digest=_digest(layers),
    )


def deep_merge(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _compiled(rule: RuleLayer, defaults: Mapping[str, Any], problems: list[Problem]) -> Rule:
    actions = []
    for name, own in rule.actions.items():
        options = deep_merge(defaults.get(name, {}), own)
        try:
            actions.append(ActionSpec(name, OPTIONS[name].model_validate(options)))
        except ValidationError as error:
            problems += [_problem(rule, name, issue) for issue in error.errors(include_url=False)]
    return Rule(
        rule.name, rule.description, rule.triggers, rule.conditions, tuple(actions), rule.origin
    )


def _problem(rule: RuleLayer, action: str, issue: Any) -> Problem:
    where = ".".join(str(part) for part in issue["loc"])
    if issue["type"] == "missing":
        message = f"{action}: missing required option {where!r} (here or in defaults:)"
    else:
        message = f"{'.'.join((action, where)) if where else action}: {issue_message(issue)}"
    origin = rule.action_origins.get(action, rule.origin)
    return Problem(origin.file, origin.line, origin.column, message, f"rule {rule.name!r}")


def _digest(layers: Sequence[ConfigLayer]) -> str:
    described = [[layer.file, layer.content_digest] for layer in layers]
    return hashlib.sha256(json.dumps(described).encode()).hexdigest()[:16]
