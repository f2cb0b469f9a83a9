"""The built-in presets (top-level `rules/*.yml`) a `.paasbot.yml` can extend."""

from __future__ import annotations

from pathlib import Path

import pytest

import app
from app.actions.label import LabelOptions
from app.actions.merge import MergeOptions
from app.config.local_check import check_config
from app.config.merge import merge_layers
from app.config.presets import preset_file, presets
from app.config.validate import parse_config_file
from app.engine.conditions import AllOf, Leaf

RULES_FOLDER = Path(app.__file__).resolve().parent.parent / "rules"


def test_every_yaml_file_of_the_rules_folder_is_a_preset() -> None:
    files = {path.stem: path.read_text(encoding="utf-8") for path in RULES_FOLDER.glob("*.yml")}
    assert set(presets()) == {"golden-path", "minimal"}
    assert presets() == files


def test_presets_are_read_once() -> None:
    assert presets() is presets()


def test_a_preset_is_named_as_a_file_in_problems() -> None:
    assert preset_file("minimal") == "preset:minimal"


@pytest.mark.parametrize("name", sorted(presets()))
def test_each_preset_stands_alone(name: str) -> None:
    layer = parse_config_file(presets()[name], preset_file(name), presets=presets())
    assert layer.extends == ()
    assert layer.dry_run is None
    config = merge_layers([layer])
    names = [rule.name for rule in config.rules]
    assert len(names) == len({name.casefold() for name in names})


def test_minimal() -> None:
    config = merge_layers([parse_config_file(presets()["minimal"], "preset:minimal")])
    assert [rule.name for rule in config.rules] == ["Ask the code owners", "Mark work in progress"]
    wip = config.rules[1]
    assert wip.actions[0].options == LabelOptions(toggle=["wip"])
    assert isinstance(wip.conditions, AllOf)
    (draft,) = wip.conditions.children
    assert isinstance(draft, Leaf) and draft.condition.attribute.name == "draft"


def test_golden_path() -> None:
    config = merge_layers([parse_config_file(presets()["golden-path"], "preset:golden-path")])
    assert [rule.name for rule in config.rules] == [
        "Ask the code owners",
        "Coverage",
        "Lint",
        "Keep approved PRs up to date",
        "Merge when approved and green",
    ]
    merge = config.rules[-1].actions[0]
    assert merge.name == "merge"
    assert merge.options == MergeOptions(method="squash", delete_branch=True)


def test_a_file_extending_a_preset_adds_to_it_and_overrides_it() -> None:
    text = (
        "extends: golden-path\n"
        "defaults:\n"
        "  merge: {method: rebase}\n"
        "rules:\n"
        "  - name: coverage\n"
        "    enabled: false\n"
        "  - name: Lint\n"
        "    do: {lint: {fail_on: warning}}\n"
        "  - name: Label drafts\n"
        "    if: [draft]\n"
        "    do: {label: {add: [draft]}}\n"
    )
    config, notes = check_config(text, ".paasbot.yml")
    assert notes == []
    assert config.sources == ("preset:golden-path", ".paasbot.yml")
    assert [(rule.name, rule.origin.file) for rule in config.rules] == [
        ("Ask the code owners", "preset:golden-path"),
        ("Lint", ".paasbot.yml"),
        ("Keep approved PRs up to date", "preset:golden-path"),
        ("Merge when approved and green", "preset:golden-path"),
        ("Label drafts", ".paasbot.yml"),
    ]
    # The file's defaults change the preset's merge method, not its other options.
    assert config.rules[3].actions[0].options == MergeOptions(method="rebase", delete_branch=True)


def test_a_file_may_extend_both_presets() -> None:
    config, _ = check_config("extends: [minimal, golden-path]\n", ".paasbot.yml")
    assert config.sources == ("preset:minimal", "preset:golden-path", ".paasbot.yml")
    names = [rule.name for rule in config.rules]
    # The rule both define is golden-path's (the later layer), where minimal put it.
    assert names[:2] == ["Ask the code owners", "Mark work in progress"]
    assert config.rules[0].origin.file == "preset:golden-path"
    assert len(names) == 6
