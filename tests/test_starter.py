"""The onboarding PR's starter `.paasbot.yml` and description: valid for every kind of
repository, and saying what differs (CODEOWNERS, languages, releases)."""

from __future__ import annotations

import itertools

import pytest

from app.config.merge import merge_layers
from app.config.presets import preset_file, presets
from app.config.validate import parse_config_file
from app.onboarding.detect import RepoFacts
from app.onboarding.starter import MARKER, pull_body, starter_config

ALL_FACTS = [
    RepoFacts("acme/x", codeowners, languages, release, package)
    for codeowners, languages, (release, package) in itertools.product(
        (None, ".github/CODEOWNERS"),
        ((), ("python",), ("javascript", "go"), ("java",)),
        ((None, None), (".github/workflows/release.yml", "acme-x"), ("w.yml", None)),
    )
]


def rule_names(text: str) -> list[str]:
    golden = parse_config_file(presets()["golden-path"], preset_file("golden-path"))
    own = parse_config_file(text, ".paasbot.yml", presets=presets())
    return [rule.name for rule in merge_layers([golden, own]).rules]


@pytest.mark.parametrize("facts", ALL_FACTS, ids=str)
def test_every_starter_config_is_valid_and_extends_golden_path(facts: RepoFacts) -> None:
    text = starter_config(facts)
    assert text.splitlines()[2] == "extends: golden-path"
    names = rule_names(text)
    assert "Merge when approved and green" in names
    assert ("Ask the code owners" in names) is (facts.codeowners is not None)
    assert "Merge dependency bumps" not in names  # off by default


def test_a_python_library_with_a_release_workflow_gets_hints_and_a_propagate_example() -> None:
    facts = RepoFacts(
        "acme/auth", ".github/CODEOWNERS", ("python",), ".github/workflows/release.yml", "acme-auth"
    )
    text = starter_config(facts)
    assert "#     - run: paasbot upload coverage.xml --kind coverage --name pytest" in text
    assert "# rules:\n  # .github/workflows/release.yml publishes releases" in text
    assert '  #       package: "acme-auth"\n  #       ecosystem: pip\n' in text
    body = pull_body(facts)
    assert "code owners listed in `.github/CODEOWNERS`" in body
    assert "This looks like a Python project" in body
    assert "`.github/workflows/release.yml` publishes releases" in body
    assert body.endswith(MARKER)


def test_uncommenting_the_propagate_example_gives_a_valid_release_rule() -> None:
    facts = RepoFacts("acme/web", None, ("javascript",), "w.yml", "@acme/web")
    text = starter_config(facts)
    uncommented = text.replace("  # - name: Bump", "  - name: Bump").replace("  #   ", "    ")
    uncommented = uncommented.replace("package: @acme/web", 'package: "@acme/web"')
    assert "Bump the repositories that use me" in rule_names(uncommented)


def test_without_codeowners_the_review_rule_is_off_and_the_body_says_why() -> None:
    facts = RepoFacts("acme/docs")
    text = starter_config(facts)
    assert "  - name: Ask the code owners\n    enabled: false\n" in text
    assert "Off: the repository has no CODEOWNERS file" in pull_body(facts)
    assert "CI uploads reports with `paasbot upload`" in pull_body(facts)
