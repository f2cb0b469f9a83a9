"""The JSON Schema of `.paasbot.yml` that editors use: valid Draft 2020-12, resolvable, and in
agreement with the validator on the examples."""

from __future__ import annotations

import json
from typing import Any

import pytest
from jsonschema import Draft202012Validator, ValidationError
from jsonschema.validators import validator_for
from referencing import Registry
from referencing.jsonschema import DRAFT202012

from app.actions.registry import OPTIONS
from app.config.merge import merge_layers
from app.config.presets import presets
from app.config.problems import ConfigInvalid
from app.config.schema import SCHEMA_ID, json_schema, json_schema_text
from app.config.triggers import valid_triggers
from app.config.validate import parse_config_file
from app.config.yaml_source import load_yaml
from tests.config_examples import VALID_EXAMPLES

SCHEMA = json_schema()
EXAMPLES = {**VALID_EXAMPLES, **{f"preset {name}": text for name, text in presets().items()}}


def data_of(text: str) -> Any:
    return load_yaml(text, "example.yml").data


def refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        own = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return own + [ref for value in node.values() for ref in refs(value)]
    if isinstance(node, list):
        return [ref for value in node for ref in refs(value)]
    return []


def test_the_schema_is_valid_draft_2020_12() -> None:
    assert SCHEMA["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert validator_for(SCHEMA) is Draft202012Validator
    Draft202012Validator.check_schema(SCHEMA)


def test_the_schema_names_itself_and_the_file() -> None:
    assert SCHEMA["$id"] == SCHEMA_ID == "https://paasbot.dev/schema/paasbot.json"
    assert SCHEMA["title"] == ".paasbot.yml"
    assert SCHEMA["type"] == "object"
    assert SCHEMA["additionalProperties"] is False
    assert set(SCHEMA["properties"]) == {"extends", "dry_run", "onboarding", "defaults", "rules"}


def test_every_reference_resolves() -> None:
    resolver = Registry().with_resource(SCHEMA_ID, DRAFT202012.create_resource(SCHEMA)).resolver()
    found = refs(SCHEMA)
    assert "#/$defs/Conditions" in found
    for ref in found:
        assert resolver.lookup(f"{SCHEMA_ID}{ref}").contents, ref


def test_the_text_is_the_schema_as_stable_json() -> None:
    text = json_schema_text()
    assert json.loads(text) == SCHEMA
    assert text == json_schema_text()
    assert text.endswith("}\n")
    assert text == json.dumps(SCHEMA, indent=2, sort_keys=True) + "\n"


def test_every_action_can_be_configured_and_defaulted() -> None:
    definitions = SCHEMA["$defs"]
    assert set(definitions["ActionsSpec"]["properties"]) == set(OPTIONS)
    assert set(definitions["DefaultsSpec"]["properties"]) == set(OPTIONS)


def test_triggers_are_listed_for_completion() -> None:
    schema = SCHEMA["$defs"]["RuleSpec"]["properties"]["on"]
    assert {"enum": valid_triggers()} in schema["anyOf"][0]["anyOf"]
    assert {"pull_request", "pull_request.opened", "release.published"} <= set(valid_triggers())


@pytest.mark.parametrize("text", list(EXAMPLES.values()), ids=list(EXAMPLES))
def test_valid_examples_and_presets_validate(text: str) -> None:
    Draft202012Validator(SCHEMA).validate(data_of(text))


@pytest.mark.parametrize("text", list(EXAMPLES.values()), ids=list(EXAMPLES))
def test_an_editor_resolving_the_schema_by_its_url_accepts_them(text: str) -> None:
    # How an editor uses it: `$schema: <url>` resolved through a registry.
    registry = Registry().with_resource(SCHEMA_ID, DRAFT202012.create_resource(SCHEMA))
    validator = Draft202012Validator({"$ref": SCHEMA_ID}, registry=registry)
    validator.validate(data_of(text))


INVALID = {
    "unknown top-level key": "rulez: []\n",
    "rules is not a list": "rules: {name: a}\n",
    "rule without a name": "rules:\n  - if: [draft]\n",
    "empty rule name": "rules:\n  - name: ''\n",
    "unknown rule key": "rules:\n  - name: a\n    iff: [draft]\n",
    "yes is not a boolean": "dry_run: yes\n",
    "unknown action": "rules:\n  - name: a\n    do: {lable: {add: [x]}}\n",
    "unknown option": "rules:\n  - name: a\n    do: {label: {colour: red}}\n",
    "option outside its choices": "rules:\n  - name: a\n    do: {merge: {method: squish}}\n",
    "missing comment body": "rules:\n  - name: a\n    do: {comment: {per: pull_request}}\n",
    "unknown trigger": "rules:\n  - name: a\n    on: [pull_request.open]\n",
    "condition is a number": "rules:\n  - name: a\n    if: [3]\n",
    "unknown condition group": "rules:\n  - name: a\n    if: {anyy: [draft]}\n",
    "empty any": "rules:\n  - name: a\n    if: {any: []}\n",
    "two groups in one mapping": "rules:\n  - name: a\n    if: {any: [draft], not: draft}\n",
    "unknown default": "defaults: {mergee: {}}\n",
    "extends is a number": "extends: 3\n",
    "bad repository to propagate to": (
        "rules:\n  - name: a\n    on: release.published\n"
        "    do: {propagate: {package: p, ecosystem: pip, to: [x]}}\n"
    ),
}


@pytest.mark.parametrize("text", list(INVALID.values()), ids=list(INVALID))
def test_invalid_documents_are_rejected(text: str) -> None:
    with pytest.raises(ValidationError):
        Draft202012Validator(SCHEMA).validate(data_of(text))


@pytest.mark.parametrize("text", list(INVALID.values()), ids=list(INVALID))
def test_what_the_schema_rejects_the_validator_rejects_too(text: str) -> None:
    with pytest.raises(ConfigInvalid):  # missing options are found once layers are merged
        merge_layers([parse_config_file(text, "example.yml", presets=presets())])
